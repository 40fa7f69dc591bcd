"""The bundled Tunisia snapshots come out the way the case study reads them."""

from __future__ import annotations

import pytest

from ssa_risk.assessment.assessor import Assessor
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


def _assess(year: str):
    return ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / f"{year}.yaml")


def _ratings(assessment) -> dict[str, tuple[str, str]]:
    return {lens.id: (lens.inherent, lens.residual) for lens in assessment.lenses}


def _fired(assessment) -> set[str]:
    return {f.rule_id for f in assessment.findings}


def test_2010_interior_ministry_as_coercive_centre_little_aid_low_threat():
    a = _assess("2010")
    assert {"RIV-04", "EXE-04", "THR-04", "GOV-07", "HR-03"} <= _fired(a)
    # Little assistance: no volume finding; low threat: no threat finding above moderate.
    assert "LEV-03" not in _fired(a)
    assert not {"THR-01", "THR-02"} & _fired(a)
    ratings = _ratings(a)
    assert ratings["civil_military"] == ("low", "low")  # a marginal army
    assert ratings["threat_environment"] == ("moderate", "moderate")
    assert ratings["executive_centralisation"] == ("high", "high")


def test_2013_shopping_list_deadlocked_reform_and_rivalry_with_aid_as_currency():
    a = _assess("2013")
    assert {"PLAN-01", "PLAN-05", "GOV-03", "RIV-01", "LEV-03", "POL-02"} <= _fired(a)
    ratings = _ratings(a)
    assert ratings["assistance_design"] == ("high", "high")
    assert ratings["institutional_rivalry"] == ("high", "high")
    assert ratings["governance_reform"] == ("high", "high")
    assert ratings["threat_environment"] == ("high", "high")
    assert {s.name for s in a.signals} >= {"threat_surge", "performance_over_reform"}


def test_2016_performance_over_reform_emergency_powers_presidency_and_coordination():
    a = _assess("2016")
    assert {"GOV-01", "GOV-05", "HR-05", "EXE-01", "EXE-03", "PLAN-M2"} <= _fired(a)
    assert "PLAN-01" not in _fired(a)  # donors now coordinate (G7+)
    ratings = _ratings(a)
    assert ratings["executive_centralisation"] == ("high", "high")
    assert ratings["assistance_design"] == ("moderate", "low")  # coordination mitigates


def test_2020_action_plan_mitigates_planning_but_not_civil_military_or_human_rights():
    a = _assess("2020")
    fired = _fired(a)
    assert {"PLAN-M1", "CMR-02", "HR-01", "HR-02", "HR-04", "POL-03", "GOV-08"} <= fired
    assert "PLAN-02" not in fired  # the joint plan has sequenced benchmarks
    assert _ratings(a) == {
        "civil_military": ("high", "high"),
        "institutional_rivalry": ("high", "high"),
        "governance_reform": ("high", "high"),
        "human_rights": ("critical", "critical"),
        "executive_centralisation": ("high", "high"),
        "political_context": ("high", "high"),
        # No programme money is recorded for FY2018-20, so no operational share is measured
        # (the FY2001-13 programmes no longer count as the current portfolio).
        "assistance_design": ("low", "low"),
        "leverage": ("low", "low"),
        "threat_environment": ("low", "low"),
    }
    # Leahy bars assistance to the unit, not to the country.
    assert [(g.rule_id, g.scope, g.subject) for g in a.gates] == [
        ("HR-02", "unit", "internal_security")
    ]
    assert a.overall == "high risk — conditions required"


@pytest.mark.parametrize("year", ["2010", "2013", "2016", "2020"])
def test_every_finding_cites_and_shows_evidence(year):
    a = _assess(year)
    for finding in a.findings:
        assert finding.citations, finding.rule_id
        assert finding.evidence, finding.rule_id
        assert all(e.line for e in finding.evidence if e.fact_kind not in ("signal", "absent")), (
            finding.rule_id
        )


def test_a_finding_speaks_of_its_most_significant_match_and_cites_them_all():
    # 2010: two programmes make THR-04 fire; the narrative names the $18.3 million Section
    # 1206 programme, and the evidence lists both. The $18,292 peacekeeping line is
    # peacekeeping, not counter-terrorism aid, and does not match.
    [thr04] = [f for f in _assess("2010").findings if f.rule_id == "THR-04"]
    assert thr04.narrative.startswith("Section 1206 Train and Equip Authority builds")
    programmes = {e.path.split(".")[1] for e in thr04.evidence if e.fact_kind == "programme"}
    assert programmes == {"programmes[1]", "programmes[10]"}
    # 2020: officer training is named by its largest recent programme, IMET.
    [cmr07] = [f for f in _assess("2020").findings if f.rule_id == "CMR-07"]
    assert cmr07.narrative.startswith("International Military Education and Training trains")
