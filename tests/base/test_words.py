"""Counts in prose."""

from __future__ import annotations

import pytest

from ssa_risk.base.words import capitalised, counted


@pytest.mark.parametrize(
    ("n", "words", "expected"),
    [
        (0, ("case",), "0 cases"),
        (1, ("case",), "1 case"),
        (2, ("case",), "2 cases"),
        (1, ("lens", "lenses"), "1 lens"),
        (3, ("lens", "lenses"), "3 lenses"),
        (2, ("miss", "misses"), "2 misses"),
    ],
)
def test_counted_says_one_or_many_in_words(n, words, expected):
    assert counted(n, *words) == expected


def test_capitalised_changes_only_the_first_letter():
    assert capitalised("internal security forces (Ministry of Interior)") == (
        "Internal security forces (Ministry of Interior)"
    )
    assert capitalised("") == ""
    assert capitalised("1 more fact") == "1 more fact"
