"""`matches` wildcards in durable_rules' pattern dialect."""

from __future__ import annotations

import pytest

from ssa_risk.rules.patterns import wildcard_pattern


@pytest.mark.parametrize(
    ("wildcard", "pattern"),
    [("United*", "United.*"), ("a?c", "a.c"), ("(x)[1]%.", "%(x%)%[1%]%%%.")],
)
def test_matches_is_a_wildcard_with_every_special_character_escaped(wildcard, pattern):
    assert wildcard_pattern(wildcard) == pattern
