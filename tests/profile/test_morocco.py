"""The bundled Morocco snapshots validate and come out the way their sources read."""

from __future__ import annotations

import pytest

from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled, fired, residuals

MOROCCO = DEFAULT_PROFILES / "morocco"


def _assess(year: str):
    return assess_bundled("morocco", year)


_fired = fired
_residual = residuals


def test_morocco_has_two_snapshots():
    assert [p.stem for p in sorted(MOROCCO.glob("*.yaml"))] == ["2010", "2020"]


@pytest.mark.parametrize("year", ["2010", "2020"])
def test_morocco_snapshot_validates(year):
    assert check_profile(MOROCCO / f"{year}.yaml") == []


def test_2010_a_palace_run_sector_with_a_customer_ally_and_stalled_reform():
    a = _assess("2010")
    assert (a.overall, a.score) == ("suitable with safeguards", 23.0)
    # Reform stalled after the Equity and Reconciliation Commission while aid is mostly
    # operational (HRW 2010, State 2009); Morocco buys F-16s worth far more than its grants
    # (DSCA 2007) and has been a major non-NATO ally since 2004.
    assert {"GOV-01", "GOV-02", "EXE-04", "POL-05", "LEV-01", "LEV-05"} <= _fired(a)
    # The coup attempts of 1971 and 1972 lie beyond the coup trap's window and the army has
    # been kept out of politics since: no civil-military finding.
    assert _residual(a)["civil_military"] == "low"
    # The DGST's abuses are not tied to U.S. assistance in public sources: no Leahy gate.
    assert a.gates == ()


def test_2020_the_rif_crackdown_bars_the_assisted_police_and_emergency_powers_count():
    a = _assess("2020")
    assert a.overall == "high risk — conditions required"
    # Rif detainees' torture claims (HRW World Report 2019, State 2019) against a police force
    # that INCLE programmes reach: a Leahy bar on that unit only.
    assert [(g.rule_id, g.scope, g.subject) for g in a.gates] == [("HR-02", "unit", "dgsn")]
    # The March 2020 health emergency, nationwide, with weak checks (Decree-Law 2-20-292).
    assert {"HR-05", "HR-13", "EXE-03"} <= _fired(a)
    # The BCIJ, created in 2015 as the DGST's judicial arm, is a new force.
    assert "RIV-02" in _fired(a)
    assert _residual(a)["human_rights"] == "critical"


def test_coercive_power_with_the_palace_is_said_so_not_put_in_an_interior_ministry():
    # Coercive power sits with the king and the services answering to him (current centre
    # "presidency"): EXE-04's title and narrative say so.
    [finding] = [f for f in _assess("2020").findings if f.rule_id == "EXE-04"]
    assert finding.title == (
        "Closed regime whose coercive power sits in the interior ministry or with the head of state"
    )
    assert finding.narrative.startswith(
        "Morocco is governed as a closed regime whose coercive power sits with the head of "
        "state and the forces that answer to the head of state."
    )
