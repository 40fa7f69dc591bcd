"""The bundled Jordan snapshots (2010-12, 2020-06) validate and read as their sources do."""

from __future__ import annotations

import pytest

from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled, fired

JORDAN = DEFAULT_PROFILES / "jordan"


def _assess(year: str):
    return assess_bundled("jordan", year)


_fired = fired


def _lens(assessment, lens_id: str):
    [lens] = [lens for lens in assessment.lenses if lens.id == lens_id]
    return lens


def test_jordan_has_two_snapshots_the_later_extending_the_earlier():
    assert [p.stem for p in sorted(JORDAN.glob("*.yaml"))] == ["2010", "2020"]
    assert "\nextends: 2010.yaml\n" in (JORDAN / "2020.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", ["2010", "2020"])
def test_jordan_snapshot_validates(year):
    assert check_profile(JORDAN / f"{year}.yaml") == []


def test_2010_army_as_the_thrones_pillar_and_a_leahy_bar_on_the_prison_police():
    a = _assess("2010")
    assert a.overall == "suitable with safeguards"
    # The Arab Legion's heirs kept the throne in 1957 and 1970-71 (CRS RL33546, 2010): the
    # army has been the regime's coercive centre.
    assert "CMR-12" in _fired(a)
    # Human Rights Watch (2008) found torture in prisons run by the Public Security
    # Directorate, which receives U.S. police training: the Leahy bar applies to that unit.
    assert [g.rule_id for g in a.gates] == ["HR-02"]
    # No security sector reform: the services sit outside parliament's reach.
    assert "GOV-07" in _fired(a)
    # Freedom in the World 2010 rates Jordan Not Free; the government is appointed.
    assert {"POL-05", "POL-06"} <= _fired(a)


def test_2020_defence_law_and_torture_make_human_rights_critical():
    a = _assess("2020")
    assert a.overall == "high risk — conditions required"
    # The 1992 Defence Law, invoked in March 2020, applies nationwide (CRS RL33546, June 2020).
    assert {"HR-13", "EXE-03"} <= _fired(a)
    # The police still face credible torture reports (State Department report for 2019); with
    # the gendarmerie folded into it, the units must be vetted one by one.
    assert "HR-09" in _fired(a)
    assert _lens(a, "human_rights").residual == "critical"
    # The army itself stays a loyal pillar of the throne: no trigger, only the structural finding.
    assert [f.rule_id for f in _lens(a, "civil_military").findings] == ["CMR-12"]


def _subjects(assessment, rule_id: str) -> list[str]:
    return sorted(f.subject for f in assessment.findings if f.rule_id == rule_id)


def test_2010_gendarmerie_split_from_the_police_is_new_but_no_counterweight():
    a = _assess("2010")
    # The Darak was formed in 2008 from the police's own riot and special units: a new force
    # (RIV-02), but not one the ruler raised against the army, so no coup trigger (CMR-29).
    assert _subjects(a, "RIV-02") == ["gendarmerie"]
    [new_force] = [f for f in a.findings if f.rule_id == "RIV-02"]
    assert "A new force competes with the existing ones for missions, budgets and" in (
        new_force.narrative
    )
    assert "CMR-29" not in _fired(a)
    assert [f.rule_id for f in _lens(a, "civil_military").findings] == ["CMR-12"]
    assert _lens(a, "civil_military").residual == "moderate"
    assert _lens(a, "institutional_rivalry").residual == "moderate"
    assert a.score == 34.0


@pytest.mark.parametrize("year", ["2010", "2020"])
def test_assisted_special_operations_under_the_army_are_in_its_chain_of_command(year):
    a = _assess(year)
    # The Special Operations Command is part of the Jordan Armed Forces (parent: jaf): it is
    # not a guard outside the regular chain of command.
    assert "RIV-03" not in _fired(a)


def test_2020_no_rivalry_finding_once_the_gendarmerie_is_folded_into_the_police():
    a = _assess("2020")
    assert _lens(a, "institutional_rivalry").findings == ()
    assert _lens(a, "institutional_rivalry").residual == "low"
    assert a.score == 40.0
