"""Derived fields: each record is what facts, rule checks and narrative checks use."""

from __future__ import annotations

import pytest

from ssa_risk.profile.derived import DERIVED, derived_values
from ssa_risk.profile.facts import field_schemas, profile_facts, required_fields
from ssa_risk.profile.reader import load_profile
from tests.helpers import TUNISIA_2020


def test_each_derived_field_is_a_field_rules_can_test_with_its_type_and_range():
    schemas = field_schemas()
    for d in DERIVED:
        node = schemas[d.kind][d.name]
        assert node["type"] == d.type
        assert (node.get("minimum"), node.get("maximum")) == (d.range or (None, None))


def test_derived_fields_that_may_be_missing_are_not_sure_to_be_there():
    sure = required_fields()
    assert {(d.kind, d.name) for d in DERIVED if d.name in sure[d.kind]} == {
        (d.kind, d.name) for d in DERIVED if not d.conditional
    }


def test_facts_carry_the_derived_values_of_a_profile():
    facts = profile_facts(load_profile(TUNISIA_2020))
    assistance = next(f for f in facts if f.kind == "assistance")
    derived = [n for n in assistance.fields if n in {d.name for d in DERIVED}]
    assert derived[:4] == [
        "recent_annual_usd",
        "total_usd",
        "operational_share_pct",
        "programme_count",
    ]
    for d in DERIVED:
        for fact in (f for f in facts if f.kind == d.kind):
            if d.name in fact.fields and d.range is not None:
                assert d.range[0] <= fact.fields[d.name] <= d.range[1]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("coup", {"year": 2011}, {"years_ago": 9}),
        ("institution", {"new_force_since": 2015}, {"years_since_created": 5}),
        ("institution", {}, {}),
        ("political_context", {"emergency_powers_since": 2015}, {}),
        (
            "political_context",
            {"emergency_powers_in_force": True, "emergency_powers_since": 2015},
            {"emergency_powers_years": 5},
        ),
        ("rivalry", {"between": ["army", "police"]}, {"party_a": "army", "party_b": "police"}),
        (
            "assistance",
            {
                "fms_usd": 2,
                "fmf_usd": 1,
                "programmes": [
                    {"from_fy": 2019, "to_fy": 2020, "total_usd": 200, "focus": "operational"},
                    {"from_fy": 2020, "to_fy": 2020, "by_year": [100], "focus": "mixed"},
                ],
            },
            {
                "recent_annual_usd": 150,
                "total_usd": 300,
                "operational_share_pct": 67,
                "programme_count": 2,
                "sales_exceed_grants": True,
            },
        ),
    ],
)
def test_each_derived_field_is_computed_as_its_record_says(kind, value, expected):
    assert derived_values(kind, value, 2020) == expected
