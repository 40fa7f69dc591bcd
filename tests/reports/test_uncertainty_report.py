"""The report's "Uncertainty" section: its sentences, its chart, and a body free of ids and
paths, in Markdown and HTML (the PDF is made from the HTML)."""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

from ssa_risk.api import assess_uncertain, load_assessor
from ssa_risk.assessment.distribution import percent, uncertainty_text
from ssa_risk.assessment.model import Assessment, Uncertainty, UncertainValue
from ssa_risk.reports.charts import SMALLEST, WIDTH, uncertainty_chart
from ssa_risk.reports.render import render_report
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT, edit_file
from tests.reports.test_report_body import html_body, machine_text, md_body

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "profiles" / "uncertain" / "tunisia"
ASSESSOR = load_assessor(DEFAULT_RULES, DEFAULT_TEMPLATES)
ARMY = "Tunisian Armed Forces (Ministry of National Defence)"


@pytest.fixture(scope="module")
def exact(tmp_path_factory) -> Assessment:
    folder = tmp_path_factory.mktemp("exact") / "tunisia"
    shutil.copytree(FIXTURE, folder)
    path = folder / "2020.yaml"
    edit_file(
        path,
        "support_for_military_rule_pct: {low: 35, high: 55}",
        "support_for_military_rule_pct: 45",
    )
    edit_file(
        path,
        "military_political_role: rising",
        "military_political_role: {values: {rising: 0.5, declining: 0.5}}",
    )
    return assess_uncertain(path, "exact", assessor=ASSESSOR)


@pytest.fixture(scope="module")
def sampled() -> Assessment:
    return assess_uncertain(FIXTURE / "2020.yaml", 200, 0, ASSESSOR)


def _section(md: str) -> str:
    return md.split("## Uncertainty\n\n", 1)[1].split("\n## ", 1)[0]


def test_the_section_follows_the_key_judgements(sampled):
    md = render_report(sampled, DEFAULT_TEMPLATES, "md")
    assert (
        md.index("## Key judgements")
        < md.index("## Uncertainty")
        < md.index("## Conditions and recommendations")
    )
    html = render_report(sampled, DEFAULT_TEMPLATES, "html")
    assert (
        html.index('id="key-judgements"')
        < html.index('id="uncertainty"')
        < html.index('id="conditions"')
    )


def test_the_exact_section_in_words(exact):
    text = _section(render_report(exact, DEFAULT_TEMPLATES, "md"))
    assert text.split("\n\n")[:3] == [
        "3 values in the profile are uncertain; the assessment above uses their central "
        "values (a range's most likely value, else its midpoint; the heaviest alternative). "
        "1 other value stated with low confidence is written as one value and not varied "
        "(Civil-military relations: army grievances): write it as a range or alternatives to "
        "include it.",
        "- Civil-military relations: military political role: rising (50%) or declining (50%);"
        " the assessment uses rising.\n"
        f"- {ARMY}: budget trend: rising (70%) or stable (30%); the assessment uses rising.\n"
        f"- {ARMY}: political role: rising (60%) or stable (40%); the assessment uses rising.",
        "All 8 combinations of these values were assessed, each weighed by its probability. "
        "The overall result is high risk — conditions required in every combination.",
    ]
    assert "| Civil-military relations and coup risk | low in 58%, high in 42% |" in text
    assert "| Security governance and reform | critical throughout |" in text
    assert text.split("\n\n")[4:] == [
        "As the overall result does not change, what follows is for the lens whose band varies "
        "most, Civil-military relations and coup risk. Its band turns on these values, the one "
        "that moves it most first (the probability that it is low, for each half of a range or "
        "each alternative):",
        f"1. {ARMY}: political role: 30% with rising, 100% with stable.\n"
        f"2. {ARMY}: budget trend: 40% with rising, 100% with stable.\n",
    ]


def test_a_result_that_varies_is_given_with_its_shares(sampled):
    support = UncertainValue(
        "civil_military.support_for_military_rule_pct",
        "Civil-military relations: support for military rule (%)",
        "range",
        45,
        35,
        55,
        modal_share_by_group=(("lower half", 0.52), ("upper half", 0.9)),
        swing=0.38,
    )
    u = Uncertainty(
        (support,),
        1000,
        "sampled",
        0,
        (("high risk — conditions required", 0.71), ("moderate risk — proceed", 0.29)),
        subject_result="high risk — conditions required",
    )
    text = uncertainty_text(dataclasses.replace(sampled, uncertainty=u))
    assert text is not None
    assert text.overall == (
        "High risk — conditions required in 71% of samples; moderate risk — proceed in 29%."
    )
    assert text.turns_lead == (
        "The result turns on these values, the one that moves it most first (the share of "
        "samples in which it is high risk — conditions required, for each half of a range or "
        "each alternative):"
    )
    assert text.turns == (
        "Civil-military relations: support for military rule (%): 52% with the lower half of "
        "its range, 90% with the upper half of its range.",
    )
    assert text.values == (
        "Civil-military relations: support for military rule (%): 35 to 55; the assessment "
        "uses 45.",
    )


def test_without_sampling_the_section_says_what_is_uncertain_and_how_to_see_more():
    a = ASSESSOR.assess(FIXTURE / "2020.yaml")
    text = _section(render_report(a, DEFAULT_TEMPLATES, "md"))
    assert text.startswith(
        "3 values in the profile are uncertain; the assessment above uses their central "
        "values (a range's most likely value, else its midpoint; the heaviest alternative). "
        "1 other value stated with low confidence is written as one value and not varied "
        "(Civil-military relations: army grievances): write it as a range or alternatives "
        "to include it. "
        "The distribution of results is not computed: assess the profile with --uncertainty "
        "to see how often each result comes out.\n\n- Civil-military relations: support for "
        "military rule (%): 35 to 55; the assessment uses 45.\n"
    )
    assert uncertainty_chart(a) == ""


def test_shares_are_never_rounded_to_nothing_or_everything():
    assert [percent(s) for s in (0, 0.004, 0.005, 0.5, 0.994, 0.996, 1)] == [
        "0%",
        "under 1%",
        "0%",
        "50%",
        "99%",
        "over 99%",
        "100%",
    ]


def test_the_body_names_no_ids_or_paths(sampled, exact):
    for a in (sampled, exact):
        md = render_report(a, DEFAULT_TEMPLATES, "md")
        assert machine_text(_section(md)) == []
        assert machine_text(md_body(md)) == []
        html = render_report(a, DEFAULT_TEMPLATES, "html")
        assert machine_text(html_body(html)) == []


def test_the_chart_is_printable_and_deterministic(sampled):
    svg = uncertainty_chart(sampled)
    assert svg == uncertainty_chart(sampled)
    assert re.search(r'width="([\d.]+)pt"', svg).group(1) == f"{WIDTH * 72:g}"  # type: ignore[union-attr]
    sizes = {float(s) for s in re.findall(r"font-size: ?([\d.]+)px", svg)}
    assert sizes and min(sizes) >= SMALLEST
    assert "Share of 200 samples in each band, by lens and overall" in svg
    html = render_report(sampled, DEFAULT_TEMPLATES, "html")
    section = html.split('id="uncertainty"', 1)[1].split('id="conditions"', 1)[0]
    assert "<svg" in section


def test_the_chart_of_an_exact_enumeration_says_so(exact):
    assert "Probability of each band over all 8 combinations, by lens and overall" in (
        uncertainty_chart(exact)
    )
