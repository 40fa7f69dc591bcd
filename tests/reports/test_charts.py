"""The report's charts: legible in print, complete, and the same on every run."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from ssa_risk import api
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.timeline import Timeline, build_timeline
from ssa_risk.reports.charts import (
    assistance_chart,
    lens_chart,
    money,
    recipient_name,
    timeline_chart,
)
from tests.helpers import TUNISIA_2020

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def snapshots() -> list[Assessment]:
    return [api.assess_profile(path) for path in sorted(TUNISIA_2020.parent.glob("*.yaml"))]


@pytest.fixture(scope="module")
def tunisia(snapshots: list[Assessment]) -> Assessment:
    assert snapshots[-1].as_of == "2020-07"
    return snapshots[-1]


@pytest.fixture(scope="module")
def timeline(snapshots: list[Assessment]) -> Timeline:
    return build_timeline(snapshots)


@pytest.fixture(scope="module")
def charts(tunisia, timeline) -> dict[str, str]:
    return {
        "lens": lens_chart(tunisia),
        "timeline": timeline_chart(timeline),
        "assistance": assistance_chart(tunisia.portfolio),
    }


def _text(svg: str) -> str:
    """The chart's text, its elements (one per line of a wrapped label) joined by spaces."""
    root = ET.fromstring(svg)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def _font_sizes(svg: str) -> list[float]:
    """The font size of every text element, in the SVG's user units."""
    sizes = []
    for element in ET.fromstring(svg).iter(f"{SVG}text"):
        style = element.get("style", "")
        found = re.search(r"font-size:\s*([0-9.]+)(px)?", style) or re.search(
            r"font:[^;]*?([0-9.]+)px", style
        )
        size = found.group(1) if found else element.get("font-size")
        assert size is not None, f"a text element without a font size: {ET.tostring(element)!r}"
        sizes.append(float(size.removesuffix("px")))
    return sizes


@pytest.mark.parametrize("name", ["lens", "timeline", "assistance"])
def test_no_text_is_smaller_than_9_pt_at_print_width(charts, name):
    svg = charts[name]
    root = ET.fromstring(svg)
    # matplotlib sizes the SVG in points and gives its viewBox the same numbers, so one user
    # unit is one point and a font-size of 9 (written "9px") prints at 9 pt.
    width, height = (float(root.get(a, "").removesuffix("pt")) for a in ("width", "height"))
    assert root.get("width", "").endswith("pt")
    assert root.get("viewBox") == f"0 0 {root.get('width', '')[:-2]} {root.get('height', '')[:-2]}"
    # At most 6.5 in wide: it is shown at its natural size on an A4 or Letter page.
    assert width <= 6.5 * 72
    assert height > 0
    sizes = _font_sizes(svg)
    assert len(sizes) > 10
    assert min(sizes) >= 9, sorted(sizes)[:5]


@pytest.mark.parametrize("name", ["lens", "timeline", "assistance"])
def test_charts_are_byte_identical_on_every_render(tunisia, timeline, charts, name):
    again = {
        "lens": lambda: lens_chart(tunisia),
        "timeline": lambda: timeline_chart(timeline),
        "assistance": lambda: assistance_chart(tunisia.portfolio),
    }[name]()
    assert again == charts[name]
    assert "<dc:date>" not in again  # no timestamp in the metadata


def test_lens_chart_names_every_lens_marks_context_and_not_assessed(tunisia, charts):
    text = _text(charts["lens"])
    for lens in tunisia.lenses:
        assert lens.title in text
    assert "Threat environment (context)" in text
    # Leverage is not assessed in 2020: said on its row, never drawn as a zero.
    assert [lens.title for lens in tunisia.not_assessed] == ["Leverage and relationship"]
    assert "Leverage and relationship not assessed" in text
    # The band names, from the methodology's cut-offs, and the cut-offs on the axis.
    assert tunisia.methodology.cutoffs == (("moderate", 20.0), ("high", 40.0), ("critical", 65.0))
    assert "low moderate high critical" in text
    assert "0 20 40 65 100" in text
    # The movement from inherent to residual, where mitigations lowered a lens.
    assert "Assistance design and planning 10 → 0" in text
    assert "Threat environment (context) 43 → 23" in text
    assert "Overall score (weighted mean) 61" in text
    assert "lowered by mitigations (no arrow: unchanged)" in text


def test_lens_chart_legend_shows_each_band_colour_it_draws(tunisia, charts):
    svg = charts["lens"]
    # The residual dots are in the badge colours of templates/_style.css.j2.
    style = (TUNISIA_2020.parents[2] / "templates" / "_style.css.j2").read_text(encoding="utf-8")
    # The screen colours: the first rule for each badge (the print rules tint them).
    badges: dict[str, str] = {}
    for band, colour in re.findall(
        r"\.rating-(low|moderate|high|critical) \{ background: (#\w+)", style
    ):
        badges.setdefault(band, colour)
    assert set(badges) == {"low", "moderate", "high", "critical"}
    for colour in badges.values():
        assert colour in svg
    assert "#e0b040" not in svg  # the old moderate colour, which the legend did not show


def test_lens_chart_says_not_assessed_when_no_lens_is(tunisia):
    blank = dataclasses.replace(
        tunisia,
        score=None,
        lenses=tuple(
            dataclasses.replace(lens, score=None, inherent_score=None) for lens in tunisia.lenses
        ),
    )
    text = _text(lens_chart(blank))
    assert text.count("not assessed") == len(tunisia.lenses) + 1


def test_timeline_chart_labels_every_lens_and_snapshot_date(timeline, charts):
    text = _text(charts["timeline"])
    for snapshot in timeline.snapshots:
        assert snapshot.as_of in text
    assert "2010-12 2013-12 2016-12 2020-07" in text
    for lens in timeline.latest.lenses:
        if lens.id == "leverage":
            continue
        assert lens.title in text
    assert "Threat environment (context)" in text
    assert "Overall score" in text
    assert "Not assessed in any snapshot: Leverage and relationship." in text
    assert "low moderate high critical" in text


def _points_per_line(svg: str) -> list[int]:
    """How many markers each plotted line has, in drawing order (the lines drawn in the axes
    themselves, not the tick marks, which matplotlib also draws as lines inside the ticks)."""
    axes = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if _bare_id(g) == "axes_1"]
    assert len(axes) == 1
    return [
        len(list(group.iter(f"{SVG}use")))
        for group in axes[0].findall(f"{SVG}g")
        if _bare_id(group).startswith("line2d_") and list(group.iter(f"{SVG}use"))
    ]


def _bare_id(element: ET.Element) -> str:
    """An element's id as matplotlib wrote it, without the prefix the chart's ids are given
    (its kind and a digest: `timeline-1a2b3c4d-axes_1`)."""
    return re.sub(r"^[a-z]+-[0-9a-f]{8}-", "", element.get("id", ""))


def test_timeline_chart_leaves_a_gap_where_a_lens_was_not_assessed(snapshots, timeline, charts):
    # Every lens but leverage is assessed in all four snapshots: 8 lenses and the overall.
    assert _points_per_line(charts["timeline"]) == [4] * 9
    # Civil-military not assessed in 2013: three points, not a zero.
    middle = snapshots[1]
    changed = dataclasses.replace(
        middle,
        lenses=tuple(
            dataclasses.replace(lens, score=None, residual="not assessed")
            if lens.id == "civil_military"
            else lens
            for lens in middle.lenses
        ),
    )
    svg = timeline_chart(build_timeline([snapshots[0], changed, *snapshots[2:]]))
    assert _points_per_line(svg) == [3] + [4] * 8
    assert "Civil-military relations and coup risk" in _text(svg)


def test_timeline_chart_of_one_snapshot(tunisia):
    text = _text(timeline_chart(build_timeline([tunisia])))
    assert "2020-07" in text
    assert "Overall score" in text


def test_assistance_chart_shows_every_programme_by_full_name_and_recipient(tunisia, charts):
    text = _text(charts["assistance"])
    programmes = tunisia.portfolio.programmes
    assert len(programmes) == 23
    for programme in programmes:
        assert " ".join(programme.name.split()) in text
    assert "Nonproliferation, Anti-Terrorism, Demining, and Related Programs" in text
    # Recipients are named, ids with underscores shown with spaces.
    assert "armed forces" in text
    assert "internal security" in text
    assert "recipient not recorded" in text
    assert "armed_forces" not in text
    # Every recorded fiscal year, not only those with yearly amounts.
    assert "fiscal years 2001–2013" in text
    assert "2001 2003 2005 2007 2009 2011 2013" in text
    # A programme recorded only as a total over FY2001-2010 is drawn with its amount.
    assert "Emergency Drawdowns $10.0m" in text
    assert "Foreign Military Financing $88.2m $67.2m" in text


def test_assistance_chart_draws_programmes_without_yearly_amounts(tunisia):
    totals_only = dataclasses.replace(
        tunisia.portfolio,
        programmes=tuple(dataclasses.replace(p, by_year=()) for p in tunisia.portfolio.programmes),
        by_fiscal_year=(),
    )
    text = _text(assistance_chart(totals_only))
    for programme in tunisia.portfolio.programmes:
        assert programme.name in text
    assert "$32.0m" in text  # International Narcotics Control and Law Enforcement, FY2011-13


def test_assistance_chart_uses_the_recipient_names_it_is_given(tunisia):
    text = _text(assistance_chart(tunisia.portfolio, {"armed_forces": "Tunisian Armed Forces"}))
    assert "Tunisian Armed Forces" in text
    assert "internal security" in text


def test_money_and_recipient_names():
    assert [money(v) for v in (88_170_000, 933_372, 18_292, 500, 0)] == [
        "$88.2m",
        "$933k",
        "$18k",
        "$500",
        "$0",
    ]
    assert recipient_name("internal_security") == "internal security"
    assert recipient_name("") == "recipient not recorded"
    assert recipient_name("Garde Nationale") == "Garde Nationale"
    assert recipient_name("army", {"army": "Tunisian Army"}) == "Tunisian Army"


def test_assistance_chart_writes_amounts_with_no_room_by_their_bar_after_a_later_one(tunisia):
    template = tunisia.portfolio.programmes[0]
    rows = [
        dataclasses.replace(
            template,
            name="Border Guard Support",
            recipient="national_guard",
            from_fy=fy,
            to_fy=fy,
            total_usd=amount,
            by_year=(),
        )
        for fy, amount in ((2003, 1_234_000), (2004, 2_000_000))
    ]
    portfolio = dataclasses.replace(
        tunisia.portfolio, programmes=(*tunisia.portfolio.programmes, *rows)
    )
    svg = assistance_chart(portfolio, {"national_guard": "Garde Nationale"})
    text = _text(svg)
    # Two one-year bars side by side: neither has room for its amount, so both are written,
    # with their years, after the second.
    assert "Border Guard Support $1.2m (FY2003) $2.0m (FY2004)" in text
    assert "Garde Nationale" in text
    assert min(_font_sizes(svg)) >= 9


def test_long_lens_titles_are_wrapped_in_full(tunisia, timeline):
    long = "Relations between the armed forces, the interior ministry and the presidency"
    changed = dataclasses.replace(
        tunisia,
        lenses=tuple(
            dataclasses.replace(lens, title=long) if lens.id == "civil_military" else lens
            for lens in tunisia.lenses
        ),
    )
    for svg in (
        lens_chart(changed),
        timeline_chart(build_timeline([*timeline.snapshots[:-1], changed])),
    ):
        assert long in _text(svg)
        assert min(_font_sizes(svg)) >= 9
