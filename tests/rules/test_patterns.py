"""`matches` wildcards in durable_rules' pattern dialect."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssa_risk.rules.patterns import wildcard_matches, wildcard_pattern


@pytest.mark.parametrize(
    ("wildcard", "pattern"),
    [("United*", "United.*"), ("a?c", "a.c"), ("(x)[1]%.", "%(x%)%[1%]%%%.")],
)
def test_matches_is_a_wildcard_with_every_special_character_escaped(wildcard, pattern):
    assert wildcard_pattern(wildcard) == pattern


def _by_regex(wildcard: str, text: str) -> bool:
    """The wildcard read by a regular expression: the same language, slower to decide."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in wildcard]
    pattern = re.compile("".join(parts), re.IGNORECASE | re.ASCII | re.DOTALL)
    return pattern.fullmatch(text) is not None


@pytest.mark.parametrize(
    ("wildcard", "text", "expected"),
    [
        ("army*", "Army of the Republic", True),
        ("*guard", "Presidential Guard", True),
        ("*guard", "Guardians", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "a\nc", True),  # `?` is any one character
        ("*", "", True),
        ("", "", True),
        ("", "x", False),
        ("?", "", False),
        ("*a*b*", "xxbxxaxx", False),
        ("*a*b*", "xxaxxbxx", True),
        ("ÉTAT*", "état major", False),  # only ASCII letters are matched ignoring case
        ("etat*", "ETAT major", True),
    ],
)
def test_wildcards_match_the_whole_text_ignoring_ascii_case(wildcard, text, expected):
    assert wildcard_matches(wildcard, text) is expected
    assert _by_regex(wildcard, text) is expected


@given(
    st.text(st.sampled_from("ab*?A"), max_size=8),
    st.text(st.sampled_from("abAB\n"), max_size=10),
)
def test_wildcards_match_as_a_regular_expression_would(wildcard, text):
    assert wildcard_matches(wildcard, text) is _by_regex(wildcard, text)


def test_many_stars_before_a_text_that_does_not_match_are_decided_at_once():
    # A regular expression of 30 `.*` backtracks for minutes on 'entitlement'
    # (`ssa-risk rules test` seemed to hang on such a rule); the matcher does not.
    assert wildcard_matches("*" * 30 + "x", "entitlement") is False
    assert wildcard_matches("*a" * 12 + "b", "a" * 40) is False
    assert wildcard_matches("*a" * 12 + "b", "a" * 40 + "b") is True
