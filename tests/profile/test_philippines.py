"""The bundled Philippines snapshots (2010-06 and 2019-06) validate and read as the sources do."""

from __future__ import annotations

import pytest

from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled, fired, residuals

FOLDER = DEFAULT_PROFILES / "philippines"


def _assess(year: str):
    return assess_bundled("philippines", year)


_fired = fired
_residual = residuals


def test_philippines_has_the_two_snapshots():
    assert [p.stem for p in sorted(FOLDER.glob("*.yaml"))] == ["2010", "2019"]


@pytest.mark.parametrize("year", ["2010", "2019"])
def test_snapshot_validates(year):
    assert check_profile(FOLDER / f"{year}.yaml") == []


def test_2010_mutinies_and_activist_killings():
    a = _assess("2010")
    assert a.overall == "high risk — conditions required"
    # Mutinies in 2003 and 2007 and a plot in 2006 (Feliciano Commission; CRS RL33233): the
    # coup trap (a coup within five years, three or more within thirty), a divided officer
    # corps and a plot weighed as weak evidence.
    assert {"CMR-20", "CMR-23", "CMR-34", "CMR-06"} <= _fired(a)
    assert _residual(a)["civil_military"] == "critical"
    # Killings of activists traced to the army (Alston 2008; Melo Commission) and police among
    # the Maguindanao accused (HRW 2010): both units barred, the armed forces as a whole not.
    assert sorted((g.rule_id, g.subject) for g in a.gates) == [("HR-02", "army"), ("HR-02", "pnp")]
    # The threat is moderate and declining: no high-threat finding.
    assert "THR-01" not in _fired(a)


def test_2019_drug_war_martial_law_and_backsliding():
    a = _assess("2019")
    assert a.overall == "high risk — conditions required"
    # Police killings in the drug campaign (HRW 2017, Amnesty 2017, ICC OTP 2018).
    assert ("HR-02", "pnp") in {(g.rule_id, g.subject) for g in a.gates}
    # Martial law in Mindanao since May 2017 and the Marawi siege: abuses under emergency
    # powers, emergency rule while checks erode (the chief justice removed in 2018),
    # democratic backsliding; the police target people on drug watch lists.
    assert {"HR-01", "HR-03", "EXE-03", "POL-04"} <= _fired(a)
    # Retired generals in the cabinet: the military's political role is growing.
    assert "CMR-11" in _fired(a)
    assert _residual(a)["human_rights"] == "critical"
    # The IS-aligned groups after Marawi: a high terrorist threat (Lead IG, February 2019).
    assert "THR-01" in _fired(a)
    # The risk is higher than in 2010.
    assert a.score > _assess("2010").score
