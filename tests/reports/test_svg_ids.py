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
