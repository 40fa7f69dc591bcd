"""Charts inlined in one page keep their ids apart, and every reference finds its id."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.helpers import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "golden"


@pytest.mark.parametrize("page", ["tunisia-2020.html", "tunisia-timeline.html"])
def test_ids_are_unique_and_references_resolve(page):
    html = (GOLDEN / page).read_text(encoding="utf-8")
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert ids, "the page has ids"
    assert [name for name, n in ids.items() if n > 1] == []
    references = set(re.findall(r'(?:xlink:href="#|\bhref="#|url\(#)([^")]+)', html))
    assert references - set(ids) == set()


def test_a_page_with_several_charts_is_such_a_page():
    # Otherwise the test above proves nothing about charts side by side.
    html = (GOLDEN / "tunisia-2020.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 2


def test_ids_and_references_are_prefixed_inside_tags_only():
    from ssa_risk.reports.charts import _own_ids

    svg = (
        '<svg><!-- label url(#x) id="a" --><g id="figure_1" clip-path="url(#p1)">'
        '<text>url(#p1)</text><use xlink:href="#g"/></g></svg>'
    )
    mine = _own_ids("lens", svg)
    found = re.search(r'<g id="([^"]*)figure_1"', mine)
    assert found is not None
    prefix = found.group(1)
    assert prefix.startswith("lens-") and len(prefix) == len("lens-12345678-")
    assert mine == (
        '<svg><!-- label url(#x) id="a" -->'
        f'<g id="{prefix}figure_1" clip-path="url(#{prefix}p1)">'
        f'<text>url(#p1)</text><use xlink:href="#{prefix}g"/></g></svg>'
    )
