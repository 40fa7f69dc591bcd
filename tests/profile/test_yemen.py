"""The bundled Yemen snapshots validate and come out the way their sources read."""

from __future__ import annotations

import pytest

from ssa_risk.profile.reader import check_profile, load_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled, fired, residuals

YEMEN = DEFAULT_PROFILES / "yemen"


def _assess(year: str):
    return assess_bundled("yemen", year)


_fired = fired
_residual = residuals


def test_yemen_has_two_snapshots():
    assert [p.stem for p in sorted(YEMEN.glob("*.yaml"))] == ["2010", "2014"]


@pytest.mark.parametrize("year", ["2010", "2014"])
def test_yemen_snapshot_validates(year):
    assert check_profile(YEMEN / f"{year}.yaml") == []


def test_2010_period_total_is_the_case_studys_figure():
    profile = load_profile(YEMEN / "2010.yaml")
    totals = profile.data["assistance"]["period_totals"]
    assert [(t["from_fy"], t["to_fy"], t["total_usd"]) for t in totals] == [
        (2001, 2010, 337_000_000)
    ]


def test_2010_family_run_forces_rivalry_and_three_threats():
    a = _assess("2010")
    assert a.overall == "high risk — conditions required"
    # The Republican Guard and Central Security Forces under Saleh's son and nephew receive
    # U.S. counter-terrorism aid and counterbalance Ali Mohsen's army (ICG 2009).
    assert {"CMR-10", "CMR-27", "CMR-28", "RIV-01", "RIV-03", "EXE-02"} <= _fired(a)
    # The guard answers to the president outside the army; the counter-terrorism unit sits
    # inside the Central Security Forces, whose favour and aid CMR-28 reads.
    assert [f.subject for f in a.findings if f.rule_id == "RIV-03"] == ["republican_guard"]
    # Live fire on southern protesters by the Central Security Forces (HRW 2009): the force
    # has assisted units of its own, so each must be vetted.
    assert {"HR-03", "HR-09"} <= _fired(a)
    # AQAP and the Houthi war: high threats, the state losing ground.
    assert {"THR-01", "CMR-40"} <= _fired(a)
    assert _residual(a)["civil_military"] == "critical"
    assert _residual(a)["threat_environment"] == "critical"


def test_2014_restructuring_new_guard_polarised_transition_and_impunity():
    a = _assess("2014")
    assert a.overall == "high risk — conditions required"
    # The Presidential Protection Forces, carved out in 2012 under the president's own command,
    # and a divided army (ICG 2013).
    assert {"CMR-29", "RIV-02", "CMR-34"} <= _fired(a)
    assert [f.subject for f in a.findings if f.rule_id == "CMR-29"] == ["presidential_protection"]
    # The assisted counter-terrorism unit is part of the interior ministry's forces.
    assert "RIV-03" not in _fired(a)
    # A polarised transition under the GCC initiative; 2011 killings unpunished under the
    # immunity law (HRW 2013).
    assert {"POL-01", "POL-02", "HR-09"} <= _fired(a)
    # The Saleh family no longer commands: no finding on assistance to forces answering to
    # the head of state, and the old Republican Guard rivalry no longer trades in assistance.
    assert not {"EXE-02", "RIV-01"} & _fired(a)
    assert _residual(a)["political_context"] == "high"
