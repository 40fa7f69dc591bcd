"""The bundled Colombia snapshots (2008-12 and 2019-06) validate and read as the sources do."""

from __future__ import annotations

import pytest

from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled, fired, residuals

FOLDER = DEFAULT_PROFILES / "colombia"


def _assess(year: str):
    return assess_bundled("colombia", year)


_fired = fired
_residual = residuals


def test_colombia_has_the_two_snapshots():
    assert [p.stem for p in sorted(FOLDER.glob("*.yaml"))] == ["2008", "2019"]


@pytest.mark.parametrize("year", ["2008", "2019"])
def test_snapshot_validates(year):
    assert check_profile(FOLDER / f"{year}.yaml") == []


def test_2008_false_positives_weigh_on_human_rights_not_on_coup_risk():
    a = _assess("2008")
    assert a.overall == "suitable with safeguards"
    # The army killed civilians and presented them as combat deaths (State 2008, HRW 2009);
    # U.S. aid reaches the army through named units, so the Leahy review is per unit (HR-09)
    # rather than a bar on the whole army.
    assert {"HR-08", "HR-09"} <= _fired(a)
    assert "HR-02" not in _fired(a)
    assert _residual(a)["human_rights"] == "high"
    # Uribe's 2004 amendment and the third-term referendum drive (CRS RL32250, 2008).
    assert "CMR-43" in _fired(a)
    # A long civilian record: alternations since 1974, civilian control since 1958, strong courts.
    assert {"CMR-PF1", "CMR-PF2", "CMR-PF4", "CMR-PF5"} <= _fired(a)
    assert _residual(a)["civil_military"] == "low"
    # Plan Colombia is a Colombian plan; GAO found no sequenced hand-over plan.
    assert {"PLAN-02", "PLAN-M3"} <= _fired(a)


def test_2019_stalled_accord_rising_threats_and_a_new_army_killing():
    a = _assess("2019")
    assert a.overall == "suitable with safeguards"
    # Soldiers killed Dimar Torres in April 2019 (NYT, May 2019); false-positive cases remain
    # open: with no assisted sub-unit recorded, the bar applies to the army itself.
    assert [(g.rule_id, g.subject) for g in a.gates] == [("HR-02", "army")]
    # Accord implementation stalls while the ELN and dissidents grow (Kroc 2019, CRS R43813).
    assert {"GOV-05", "THR-01", "THR-02"} <= _fired(a)
    assert _residual(a)["governance_reform"] == "moderate"
    assert "CMR-43" not in _fired(a)  # immediate re-election abolished again in 2015
