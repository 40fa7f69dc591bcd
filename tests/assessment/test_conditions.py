"""The report's conditions and recommendations: each once, tied to the risks it addresses,
grouped by who acts, and conflicts settled by the stated precedence."""

from __future__ import annotations

import dataclasses

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.conditions import PRECEDENCE, Condition, Conditions, conditions
from ssa_risk.assessment.model import Assessment, Finding
from ssa_risk.rules.model import Recommendation
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
FUND_JOINT = (
    "Fund joint activities that require the rival institutions to plan and share information "
    "together."
)
MOI = (
    "Internal security forces (Ministry of Interior, incl. police, National Guard and intelligence)"
)


@pytest.fixture(scope="module")
def tunisia_2020() -> Assessment:
    return ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / "2020.yaml")


def _all(c: Conditions) -> list[Condition]:
    return [item for _, _, items in c.groups for item in items]


def test_each_recommendation_once_numbered_and_grouped_by_who_acts(tunisia_2020):
    c = conditions(tunisia_2020)
    items = _all(c)
    assert [i.number for i in items] == list(range(1, len(items) + 1))
    assert len({i.text for i in items}) == len(items) == c.count == 36
    assert [actor for actor, _, _ in c.groups] == ["agency", "programme"]
    # Vetting is asked by both abuse findings under the emergency powers: listed once, for both.
    [vet] = [i for i in items if i.text.startswith("Vet every recipient unit")]
    assert [(f.rule_id, f.subject) for f in vet.addresses] == [
        ("HR-01", "internal_security: torture"),
        ("HR-01", "police: arbitrary targeting"),
    ]
    # Within a group, what binds comes first: withholding, then conditions.
    stances = [i.stance for i in items if i.by == "agency"]
    assert stances == sorted(
        stances, key=["withhold", "condition", "engage", "monitor", "press"].index
    )
    assert [i.text[:40] for i in items[:2]] == [
        "Identify the units responsible and bar t",
        "Limit support to this institution to acc",
    ]


def test_engaging_a_unit_others_would_withhold_from_is_set_aside_and_said_so(tunisia_2020):
    c = conditions(tunisia_2020)
    assert [(s.text, s.because) for s in c.set_aside] == [
        (FUND_JOINT, f"conditions 1 and 2 withhold assistance from {MOI}")
    ]
    assert FUND_JOINT not in [i.text for i in _all(c)]
    assert c.precedence == PRECEDENCE


def _with_gate(a: Assessment, scope: str) -> Assessment:
    gate = Finding(
        rule_id="HR-02",
        title="Leahy bar on a unit with credible reports of gross violations",
        lens="human_rights",
        severity="critical",
        effect="gate",
        scope=scope,
        subject="internal_security" if scope == "unit" else a.country,
        narrative="",
        recommend=(Recommendation("Bar the unit.", "agency", "withhold"),),
        citations=(),
        evidence=(),
        signals_used=(),
        rule_file="rules/human_rights.yaml",
        rule_line=1,
        subject_name=MOI if scope == "unit" else "",
        units=("internal_security",) if scope == "unit" else (),
    )
    return dataclasses.replace(a, gates=(gate,))


def test_a_gate_bar_beats_engaging_the_unit_it_bars(tunisia_2020):
    c = conditions(_with_gate(tunisia_2020, "unit"))
    assert [(s.text, s.because) for s in c.set_aside] == [
        (FUND_JOINT, f"a gate bars assistance to {MOI}")
    ]


def test_a_country_gate_sets_aside_every_engagement(tunisia_2020):
    c = conditions(_with_gate(tunisia_2020, "country"))
    assert c.set_aside
    assert {s.because for s in c.set_aside} == {
        "a gate bars all assistance to the government "
        "(Leahy bar on a unit with credible reports of gross violations)"
    }
    assert all(i.stance != "engage" for i in _all(c))


def test_a_finding_knows_the_numbers_of_its_conditions(tunisia_2020):
    c = conditions(tunisia_2020)
    hr09 = next(f for f in tunisia_2020.findings if f.rule_id == "HR-09")
    numbers = c.numbers_for([hr09])
    assert numbers[0] == 1
    assert all(any(f is hr09 for f in i.addresses) for i in _all(c) if i.number in numbers)
