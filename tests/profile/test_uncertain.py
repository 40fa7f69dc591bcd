"""Uncertain values in a profile: ranges and weighted alternatives, their validation and the
central values a profile is assessed at."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.profile.reader import check_profile, load_profile, profile_schema
from ssa_risk.profile.schema import certain_schema, profile_schema_definition, profile_schema_json
from ssa_risk.profile.uncertain import UncertainField

TODAY = date(2026, 1, 1)
HEAD = """schema_version: 1
country: Testland
iso3: TST
as_of: 2020-06
sources:
  - id: s1
    title: A source
"""
BODY = """civil_military:
  support_for_military_rule_pct: {support}
  military_rule_years: {years}
institutions:
  - id: army
    name: Army
    kind: armed_forces
    political_role: {role}
"""


def _profile(tmp_path: Path, support: str = "40", years: str = "0", role: str = "stable") -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + BODY.format(support=support, years=years, role=role), "utf-8")
    return path


def _problems(tmp_path: Path, **values: str) -> list[str]:
    return [str(p) for p in check_profile(_profile(tmp_path, **values), "p.yaml", TODAY)]


def test_the_exported_schema_offers_both_forms_and_the_reader_validates_without_them():
    exported = json.loads(profile_schema_json())
    support = exported["properties"]["civil_military"]["properties"][
        "support_for_military_rule_pct"
    ]
    assert support["anyOf"][1]["required"] == ["low", "high"]
    role = exported["properties"]["institutions"]["items"]["properties"]["political_role"]
    assert role["anyOf"][1]["properties"]["values"]["propertyNames"]["enum"] == [
        "none",
        "marginal",
        "stable",
        "rising",
        "dominant",
        "declining",
    ]
    # Confidence itself and texts take no uncertain form.
    cm = exported["properties"]["civil_military"]["properties"]
    assert "anyOf" not in cm["confidence"] and "anyOf" not in cm["sources"]
    assert certain_schema(exported) == profile_schema_definition() == profile_schema()


def test_a_range_and_alternatives_resolve_to_their_central_values(tmp_path):
    profile = load_profile(
        _profile(
            tmp_path,
            "{low: 35, high: 55}",
            "{low: 2, high: 5}",
            "{values: {stable: 0.4, rising: 0.4, dominant: 0.2}}",
        ),
        "p.yaml",
        TODAY,
    )
    assert profile.data["civil_military"]["support_for_military_rule_pct"] == 45
    assert profile.data["civil_military"]["military_rule_years"] == 3  # midpoint, rounded down
    # Equal heaviest weights: the one written first.
    assert profile.data["institutions"][0]["political_role"] == "stable"
    assert [(f.path, f.form, f.central) for f in profile.uncertain] == [
        (("civil_military", "support_for_military_rule_pct"), "range", 45),
        (("civil_military", "military_rule_years"), "range", 3),
        (("institutions", 0, "political_role"), "alternatives", "stable"),
    ]


def test_an_uncertain_value_in_the_snapshot_extended_is_resolved(tmp_path):
    # The later snapshot writes no uncertain value itself; the one it extends does.
    _profile(tmp_path, "{low: 35, high: 55}")
    later = tmp_path / "later.yaml"
    later.write_text(
        HEAD.replace("as_of: 2020-06", "as_of: 2021-06") + "extends: p.yaml\n", "utf-8"
    )
    profile = load_profile(later, "later.yaml", TODAY)
    assert profile.data["civil_military"]["support_for_military_rule_pct"] == 45
    assert [(f.path, f.form) for f in profile.uncertain] == [
        (("civil_military", "support_for_military_rule_pct"), "range")
    ]


def test_most_likely_is_the_central_value_of_a_range(tmp_path):
    profile = load_profile(
        _profile(tmp_path, "{low: 35, high: 55, most_likely: 38.5}"), "p.yaml", TODAY
    )
    assert profile.data["civil_military"]["support_for_military_rule_pct"] == 38.5


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"support": "{low: 55, high: 35}"},
            "p.yaml:9:3: civil_military.support_for_military_rule_pct: low (55) is above high "
            "(35) — swap low and high",
        ),
        (
            {"role": "{values: {rising: 0.6, stable: 0.3}}"},
            "p.yaml:15:5: institutions[0].political_role: the weights add up to 0.9, not 1 — "
            "make the weights of the alternatives add up to 1",
        ),
        (
            {"role": "{values: {rissing: 0.6, stable: 0.4}}"},
            "p.yaml:15:31: institutions[0].political_role: 'rissing' is not a value this field "
            "takes — did you mean 'rising'?",
        ),
        (
            {"role": "{values: {rising: 0, stable: 1}}"},
            "p.yaml:15:31: institutions[0].political_role: the weight of 'rising' is 0 — give "
            "each alternative a weight above 0 and at most 1",
        ),
        (
            {"support": "{low: 35, high: 155}"},
            "p.yaml:9:44: civil_military.support_for_military_rule_pct: high 155 is above 100 — "
            "the field ends at 100",
        ),
        (
            {"years": "{low: 1.5, high: 3}"},
            "p.yaml:10:25: civil_military.military_rule_years: low is 1.5, not a whole number — "
            "write low as a whole number",
        ),
        (
            {"support": "{low: 35, high: 55, most_likely: 60}"},
            "p.yaml:9:3: civil_military.support_for_military_rule_pct: most_likely (60) is "
            "outside the range 35 to 55 — give a most likely value between low and high, or "
            "leave it out",
        ),
        (
            {"support": "{low: 35}"},
            "p.yaml:9:3: civil_military.support_for_military_rule_pct: a range is written as "
            "low: and high: (and optionally most_likely:) — write e.g. {low: 35, high: 55}",
        ),
    ],
)
def test_an_uncertain_value_written_wrong_is_one_problem(tmp_path, values, expected):
    assert _problems(tmp_path, **values) == [expected]


def test_a_text_cannot_be_uncertain(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        HEAD
        + "institutions:\n  - id: army\n    kind: armed_forces\n    name: {values: {Army: 1}}\n",
        "utf-8",
    )
    assert [str(p) for p in check_profile(path, "p.yaml", TODAY)] == [
        "p.yaml:11:5: institutions[0].name: a text cannot be uncertain (only numbers take a "
        "range and only fixed choices take alternatives) — write one text, and say what is "
        "unsure in a note"
    ]


def test_every_problem_of_a_file_is_reported_in_one_pass(tmp_path):
    problems = _problems(
        tmp_path, support="{low: 55, high: 35}", years="-1", role="{values: {rising: 0.5}}"
    )
    assert problems == [
        "p.yaml:9:3: civil_military.support_for_military_rule_pct: low (55) is above high (35)"
        " — swap low and high",
        "p.yaml:10:3: civil_military.military_rule_years: -1 is negative — amounts cannot be "
        "below 0",
        "p.yaml:15:5: institutions[0].political_role: the weights add up to 0.5, not 1 — make "
        "the weights of the alternatives add up to 1",
    ]


def test_draws_stay_in_range_integers_stay_integers_and_weights_hold():
    rng = random.Random(1)
    years = UncertainField(("y",), "range", 3, True, 2, 5)
    assert {years.draw(rng) for _ in range(400)} == {2, 3, 4, 5}
    peaked = UncertainField(("y",), "range", 3, True, 2, 5, 3)
    assert {peaked.draw(rng) for _ in range(400)} <= {2, 3, 4, 5}
    pct = UncertainField(("p",), "range", 45, False, 35, 55)
    drawn = [pct.draw(rng) for _ in range(400)]
    assert all(35 <= d <= 55 and round(d, 2) == d for d in drawn)
    role = UncertainField(
        ("r",), "alternatives", "rising", alternatives=(("rising", 0.75), ("stable", 0.25))
    )
    share = sum(role.draw(rng) == "rising" for _ in range(4000)) / 4000
    assert abs(share - 0.75) < 0.03


def test_a_range_whose_end_breaks_the_profile_is_reported(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        HEAD + "civil_military:\n  military_held_power: false\n"
        "  military_rule_years: {low: 0, high: 1}\n",
        "utf-8",
    )
    assert [str(p) for p in check_profile(path, "p.yaml", TODAY)] == [
        "p.yaml:10:3: civil_military.military_rule_years: 1 years of military rule, but "
        "military_held_power is false (with every range at its high end) — set "
        "military_held_power: true, or correct military_rule_years"
    ]


def test_a_profile_without_ranges_is_validated_once(monkeypatch):
    # The checks at the ends of the ranges run only for a profile that has ranges: the others
    # would pay for two more validations of a profile that cannot change.
    from ssa_risk.profile import reader

    calls: list[int] = []
    real = reader.validate_document

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reader, "validate_document", counting)
    load_profile(Path(__file__).parents[2] / "profiles" / "tunisia" / "2010.yaml")
    assert len(calls) == 1
