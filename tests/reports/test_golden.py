"""Reports for the bundled profiles match the reviewed golden files (`make golden`)."""

from __future__ import annotations

import re

import pytest

from tests.golden.cases import CASES, GOLDEN, render_case

_SVG = re.compile(r"<svg.*?</svg>", re.DOTALL)


def _comparable(name: str, text: str) -> str:
    # Chart bodies come from matplotlib and may shift with its version; their presence and
    # determinism are tested separately, and the report around them is compared exactly.
    return _SVG.sub("<svg>(chart)</svg>", text) if name.endswith(".html") else text


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_matches_golden(name):
    golden = (GOLDEN / name).read_text(encoding="utf-8")
    actual = render_case(CASES[name])
    assert _comparable(name, actual) == _comparable(name, golden), (
        f"tests/golden/{name} differs: run `make golden` and review the diff"
    )


def test_html_charts_are_present_and_deterministic():
    first = render_case(CASES["tunisia-timeline.html"])
    second = render_case(CASES["tunisia-timeline.html"])
    assert first == second
    assert len(_SVG.findall(first)) == 3  # ratings by snapshot, lens ratings, assistance
