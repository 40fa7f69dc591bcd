"""Scoring, table-driven: lens ratings, mitigations and the overall bands of scoring.yaml."""

from __future__ import annotations

import pytest

from ssa_risk.rules.loader import load_rules
from tests.helpers import DEFAULT_RULES

SCORING = load_rules(DEFAULT_RULES).scoring
NINE = list(SCORING.lenses)


def _ratings(**given: str) -> dict[str, str]:
    return {lens: given.get(lens, "low") for lens in NINE}


@pytest.mark.parametrize(
    ("rating", "steps", "expected"),
    [
        ("critical", 1, "high"),
        ("high", 1, "moderate"),
        ("moderate", 1, "low"),
        ("low", 1, "low"),  # never below the floor
        ("critical", 2, "moderate"),
        ("critical", 9, "low"),
        ("high", 0, "high"),
    ],
)
def test_mitigation_lowers_a_rating_by_steps_down_to_the_floor(rating, steps, expected):
    assert SCORING.lower(rating, steps) == expected


@pytest.mark.parametrize(
    ("ratings", "gates", "unit_gates", "expected"),
    [
        (_ratings(), 0, 0, "suitable"),
        (_ratings(leverage="moderate", political_context="moderate"), 0, 0, "suitable"),
        (
            _ratings(leverage="moderate", political_context="moderate", human_rights="moderate"),
            0,
            0,
            "suitable with safeguards",
        ),
        (_ratings(human_rights="high"), 0, 0, "suitable with safeguards"),
        (
            _ratings(human_rights="high", civil_military="high"),
            0,
            0,
            "suitable with safeguards",
        ),
        (
            _ratings(human_rights="high", civil_military="high", leverage="high"),
            0,
            0,
            "high risk — conditions required",
        ),
        (_ratings(human_rights="critical"), 0, 0, "high risk — conditions required"),
        (_ratings(), 0, 1, "high risk — conditions required"),
        # A gate is never averaged away: every lens low, still not suitable.
        (_ratings(), 1, 0, "not suitable at this time"),
        (_ratings(human_rights="critical"), 1, 2, "not suitable at this time"),
    ],
    ids=[
        "all-low",
        "two-moderate",
        "three-moderate",
        "one-high",
        "two-high",
        "three-high",
        "one-critical",
        "unit-gate",
        "country-gate-all-low",
        "country-gate-wins",
    ],
)
def test_overall_bands(ratings, gates, unit_gates, expected):
    assert SCORING.overall(ratings, gates, unit_gates).rating == expected
