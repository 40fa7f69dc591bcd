"""Derived fields: each record is what facts, rule checks and narrative checks use."""

from __future__ import annotations

import pytest

from ssa_risk.profile.derived import DERIVED, derived_values
from ssa_risk.profile.facts import field_schemas, profile_facts, required_fields
from ssa_risk.profile.reader import load_profile
from tests.helpers import REPO_ROOT, TUNISIA_2020

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "profiles"


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
    # No programme money falls in FY2018-20, so no share is computed over that window.
    assert derived[:5] == [
        "recent_annual_usd",
        "total_usd",
        "programme_count",
        "last_programme_fy",
        "portfolio_gap_years",
    ]
    assert assistance.fields["recent_annual_usd"] == 0
    assert assistance.fields["portfolio_gap_years"] == 7
    assert "operational_share_pct" not in assistance.fields
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
                "recent_annual_usd": 100,
                "total_usd": 300,
                "operational_share_pct": 67,
                "programme_count": 2,
                "last_programme_fy": 2020,
                "portfolio_gap_years": 0,
                "grants_usd": 1,
                "sales_usd": 2,
                "sales_exceed_grants": True,
            },
        ),
        (
            "assistance",
            {
                "programmes": [
                    {"from_fy": 2008, "to_fy": 2009, "by_year": [90, 60], "focus": "operational"},
                    {"from_fy": 2017, "to_fy": 2018, "by_year": [30, 60], "focus": "operational"},
                    {"from_fy": 2019, "to_fy": 2019, "total_usd": 30, "focus": "mixed"},
                ],
            },
            # FY2018-20: 60 + 30 + 0, over three years; FY2008-09 and FY2017 fall outside.
            {
                "recent_annual_usd": 30,
                "total_usd": 270,
                "operational_share_pct": 67,
                "programme_count": 3,
                "last_programme_fy": 2019,
                "portfolio_gap_years": 1,
            },
        ),
        (
            "assistance",
            {
                "programmes": [
                    {
                        "code": "FMF",
                        "kind": "other",
                        "from_fy": 2019,
                        "to_fy": 2019,
                        "total_usd": 10,
                    },
                    {"kind": "financing_grant", "from_fy": 2019, "to_fy": 2019, "total_usd": 5},
                    {"kind": "sale", "from_fy": 2019, "to_fy": 2019, "total_usd": 20},
                ],
            },
            {
                "recent_annual_usd": 12,
                "total_usd": 35,
                "operational_share_pct": 0,
                "programme_count": 3,
                "last_programme_fy": 2019,
                "portfolio_gap_years": 1,
                "grants_usd": 15,
                "sales_usd": 20,
                "sales_exceed_grants": True,
            },
        ),
        (
            "assistance",
            {
                "fmf_usd": 50,
                "programmes": [
                    {"kind": "financing_grant", "from_fy": 2019, "to_fy": 2019, "total_usd": 5},
                ],
            },
            # No sales declared and none recorded: whether sales exceed grants is not known.
            {
                "recent_annual_usd": 2,
                "total_usd": 5,
                "operational_share_pct": 0,
                "programme_count": 1,
                "last_programme_fy": 2019,
                "portfolio_gap_years": 1,
                "grants_usd": 50,
            },
        ),
        (
            "assistance",
            {"other_donors": [{"name": "EU"}]},
            {"recent_annual_usd": 0, "total_usd": 0, "programme_count": 0, "donor_count": 1},
        ),
        ("abuse", {"since": 2015}, {"years_ago": 5}),
        ("abuse", {}, {}),
        ("neighbour_coup", {"year": 2012}, {"years_ago": 8}),
        ("political_context", {"elections_due": 2024}, {"years_to_elections": 4}),
        ("civil_military", {}, {}),
        ("civil_military", {"coups": []}, {"coup_count": 0}),
        (
            "civil_military",
            {
                "coups": [
                    {"year": 1990, "outcome": "succeeded"},
                    {"year": 2005, "outcome": "failed"},
                    {"year": 2012, "outcome": "foiled"},
                    {"year": 2018, "outcome": "alleged"},
                ]
            },
            # Foiled and alleged plots are not coups that happened.
            {"coup_count": 2, "last_coup_years_ago": 15},
        ),
    ],
)
def test_each_derived_field_is_computed_as_its_record_says(kind, value, expected):
    assert derived_values(kind, value, 2020) == expected


def test_the_2013_operational_share_is_over_fy2011_13_only():
    # 69.4% of FY2011-13 money is operational; over FY2001-13 it would be 77%.
    facts = profile_facts(load_profile(TUNISIA_2020.parent / "2013.yaml"))
    assistance = next(f for f in facts if f.kind == "assistance")
    assert assistance.fields["operational_share_pct"] == 69
    assert assistance.fields["recent_annual_usd"] == 45_769_333


def test_new_fields_become_facts_of_their_kinds_with_confidence_kept_apart():
    facts = profile_facts(load_profile(FIXTURES / "valid" / "new-fields.yaml"))
    kinds = [f.kind for f in facts]
    for kind in ("neighbour_coup", "donor", "foreign_force", "indicators"):
        assert kind in kinds
    assert [f.id for f in facts if f.kind == "framework"] == [
        "assistance.frameworks[0]",
        "assistance.frameworks[1]",
    ]
    civil = next(f for f in facts if f.kind == "civil_military")
    assert "confidence" not in civil.fields and "field_confidence" not in civil.fields
    assert civil.confidence_for("military_rule_years") == "high"
    assert civil.confidence_for("peaceful_alternations") == "moderate"
    # One succeeded, one failed; the alleged 2018 plot is not counted.
    assert (civil.fields["coup_count"], civil.fields["last_coup_years_ago"]) == (2, 15)
    coups = [f for f in facts if f.kind == "coup"]
    assert [c.confidence_for("year") for c in coups] == [None, None, "low"]
    [neighbour] = [f for f in facts if f.kind == "neighbour_coup"]
    assert (neighbour.label, neighbour.fields["years_ago"]) == ("Nextland 2019", 1)
    forces = [f.label for f in facts if f.kind == "foreign_force"]
    assert forces == ["Farland: training mission", "Company: private military"]
    context = next(f for f in facts if f.kind == "political_context")
    assert context.fields["years_to_elections"] == 1
    aid = next(f for f in facts if f.kind == "assistance")
    assert aid.fields["donor_count"] == 2
