"""The charts kept between runs: a chart drawn once is read back byte for byte, a chart whose
data, code or matplotlib changed is drawn again, and a report whose charts are all kept is
made without importing matplotlib. Charts are drawn on a plain Figure, never through pyplot."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ssa_risk import api
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.timeline import Timeline, build_timeline
from ssa_risk.base import cache
from ssa_risk.comparison.overview import overview_of
from ssa_risk.reports import charts
from tests.helpers import REPO_ROOT, TUNISIA_2020, assess_bundled

GOLDEN_HTML = REPO_ROOT / "tests" / "golden" / "tunisia-2020.html"
UNCERTAIN = REPO_ROOT / "tests" / "fixtures" / "profiles" / "uncertain" / "tunisia" / "2020.yaml"


@pytest.fixture
def folder(own_cache: Path) -> Path:
    """An empty cache folder of this test's own."""
    return own_cache


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / charts.CACHE_KIND).glob("*.bin"))


def _drawn_afresh(chart: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The chart drawn with the cache turned off."""
    with monkeypatch.context() as patch:
        patch.setenv(cache.ENV_SWITCH, "off")
        return chart()


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return build_timeline([assess_bundled("tunisia", s) for s in ("2010", "2013", "2016", "2020")])


def _every_chart(timeline: Timeline) -> dict[str, Callable[[], str]]:
    tunisia = timeline.latest
    uncertain = api.assess_uncertain(UNCERTAIN, 40, 0, parallel=api.Parallel(workers=1))
    overview = overview_of([("tunisia", timeline.snapshots)], "profiles", "rules")
    return {
        "lens": lambda: charts.lens_chart(tunisia),
        "assistance": lambda: charts.assistance_chart(
            tunisia.portfolio, dict(tunisia.institutions)
        ),
        "timeline": lambda: charts.timeline_chart(timeline),
        "uncertainty": lambda: charts.uncertainty_chart(uncertain),
        "heatmap": lambda: charts.heatmap_chart(overview),
    }


def test_every_chart_read_back_is_the_chart_drawn(folder, timeline, monkeypatch):
    for name, chart in _every_chart(timeline).items():
        drawn = _drawn_afresh(chart, monkeypatch)
        assert drawn.startswith("<svg"), name
        before = set(_entries(folder))
        assert chart() == drawn, name  # drawn, and kept
        assert len(set(_entries(folder)) - before) == 1, name
        # Read back: the drawing is not called at all.
        with monkeypatch.context() as patch:
            patch.setattr(charts, "_drawn", lambda draw, spec: pytest.fail("drawn again"))
            assert chart() == drawn, name


def _with_lens_score(assessment: Assessment, score: float) -> Assessment:
    first = dataclasses.replace(assessment.lenses[0], score=score)
    return dataclasses.replace(assessment, lenses=(first, *assessment.lenses[1:]))


def test_a_chart_whose_data_changed_is_drawn_again(folder, monkeypatch):
    tunisia = assess_bundled("tunisia", "2020")
    kept = charts.lens_chart(tunisia)
    changed = _with_lens_score(tunisia, tunisia.lenses[0].score - 7.25)  # type: ignore[operator]
    assert charts.lens_chart(changed) == _drawn_afresh(
        lambda: charts.lens_chart(changed), monkeypatch
    )
    assert charts.lens_chart(changed) != kept
    assert len(_entries(folder)) == 2
    # A change too small to see in a rounded label is still another chart.
    nudged = _with_lens_score(tunisia, tunisia.lenses[0].score + 1e-9)  # type: ignore[operator]
    key = charts.chart_key("lens", _lens_spec(tunisia, monkeypatch))
    assert charts.chart_key("lens", _lens_spec(nudged, monkeypatch)) != key


def _lens_spec(assessment: Assessment, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    """The tuple lens_chart draws from, caught on its way to the drawing."""
    caught: list[tuple[object, ...]] = []

    def catch(kind: str, spec: tuple[object, ...], draw: object) -> str:
        caught.append(spec)
        return ""

    with monkeypatch.context() as patch:
        patch.setattr(charts, "_chart", catch)
        charts.lens_chart(assessment)
    return caught[0]


def test_the_key_names_what_the_chart_shows_and_who_draws_it(monkeypatch):
    tunisia = assess_bundled("tunisia", "2020")
    spec = _lens_spec(tunisia, monkeypatch)
    # Everything the lens chart shows of a lens is in its spec.
    assert [lens.title for lens in spec.lenses] == [lens.title for lens in tunisia.lenses]  # type: ignore[attr-defined]
    key = charts.chart_key("lens", spec)
    assert charts.chart_key("lens", spec) == key
    assert charts.chart_key("timeline", spec) != key
    # Another matplotlib (an upgrade or a reinstall) or other code draws other charts.
    with monkeypatch.context() as patch:
        patch.setattr(charts, "_matplotlib_stamp", lambda: "matplotlib 99")
        assert charts.chart_key("lens", spec) != key
    with monkeypatch.context() as patch:
        patch.setattr(cache, "engine_fingerprint", lambda: "other code")
        assert charts.chart_key("lens", spec) != key


def test_a_damaged_entry_is_drawn_again_and_replaced(folder, monkeypatch):
    tunisia = assess_bundled("tunisia", "2020")
    drawn = charts.lens_chart(tunisia)
    [entry] = _entries(folder)
    key = entry.stem
    # Whole as a cache entry, but not a compressed SVG.
    assert cache.write_entry(charts.CACHE_KIND, key, b"not a chart")
    assert charts.lens_chart(tunisia) == drawn
    # Torn: its hash no longer matches.
    entry.write_bytes(entry.read_bytes()[:-10])
    assert charts.lens_chart(tunisia) == drawn
    kept = cache.read_entry(charts.CACHE_KIND, key)
    assert kept is not None and kept != b"not a chart"
    assert _drawn_afresh(lambda: charts.lens_chart(tunisia), monkeypatch) == drawn


# A fresh process renders the Tunisia 2020 HTML report and says which matplotlib modules it
# imported (the report is compared with the golden one).
_RENDER = """
import json, sys
from pathlib import Path
from ssa_risk import api
[done] = api.assess([Path(sys.argv[1])], parallel=api.Parallel(workers=1))
html = api.render(done.result, "html")
loaded = sorted(m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib."))
print(json.dumps({"same": html == Path(sys.argv[2]).read_text(encoding="utf-8"),
                  "pyplot": "matplotlib.pyplot" in loaded,
                  "figure": "matplotlib.figure" in loaded,
                  "matplotlib": bool(loaded)}))
"""


def _render_in_a_fresh_process(env: dict[str, str]) -> dict[str, bool]:
    done = subprocess.run(
        [sys.executable, "-c", _RENDER, str(TUNISIA_2020), str(GOLDEN_HTML)],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, bool] = json.loads(done.stdout)
    return result


def test_charts_are_drawn_without_pyplot():
    seen = _render_in_a_fresh_process({cache.ENV_SWITCH: "off"})
    assert seen == {"same": True, "pyplot": False, "figure": True, "matplotlib": True}


def test_a_report_whose_charts_are_kept_does_not_import_matplotlib(tmp_path):
    env = {cache.ENV_DIR: str(tmp_path / "cache")}
    first = _render_in_a_fresh_process(env)
    assert first == {"same": True, "pyplot": False, "figure": True, "matplotlib": True}
    again = _render_in_a_fresh_process(env)
    assert again == {"same": True, "pyplot": False, "figure": False, "matplotlib": False}
