"""The bundled Lebanon snapshots (2010-12, 2020-06) validate and read as their sources do."""

from __future__ import annotations

import pytest

from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled, fired

LEBANON = DEFAULT_PROFILES / "lebanon"


def _assess(year: str):
    return assess_bundled("lebanon", year)


_fired = fired


def _lens(assessment, lens_id: str):
    [lens] = [lens for lens in assessment.lenses if lens.id == lens_id]
    return lens


def test_lebanon_has_two_snapshots_the_later_extending_the_earlier():
    assert [p.stem for p in sorted(LEBANON.glob("*.yaml"))] == ["2010", "2020"]
    assert "\nextends: 2010.yaml\n" in (LEBANON / "2020.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", ["2010", "2020"])
def test_lebanon_snapshot_validates(year):
    assert check_profile(LEBANON / f"{year}.yaml") == []


def test_2020_snapshot_knows_nothing_after_june_2020():
    # The port explosion of 4 August 2020 and the state of emergency voted on 13 August must
    # not appear in a snapshot dated June 2020.
    text = (LEBANON / "2020.yaml").read_text(encoding="utf-8").lower()
    assert "explosion" not in text and "august 2020" not in text and "blast" not in text


def test_2010_old_coups_weigh_little_and_the_army_returned_to_civilian_oversight():
    a = _assess("2010")
    assert a.overall == "suitable with safeguards"
    # Coup attempts in 1961 and 1976 and two years of Aoun's military cabinet (1988-1990),
    # after which the army was reunified under civilian authority (Powell and Thyne).
    civil_military = _lens(a, "civil_military")
    assert [f.rule_id for f in civil_military.findings] == ["CMR-22", "CMR-26"]
    assert [f.rule_id for f in civil_military.protective] == ["CMR-PF1"]
    assert civil_military.residual == "low"
    # Torture reported in army intelligence and ISF custody (State Department report for
    # 2009), and the ISF receives U.S. aid: Leahy review of its units.
    assert "HR-09" in _fired(a)


def test_2020_repression_of_protesters_makes_human_rights_critical():
    a = _assess("2020")
    assert a.overall == "high risk — conditions required"
    # Security forces met the 2019-2020 protests with force and arrests (State Department
    # report for 2019); both the army and the ISF receive U.S. assistance.
    assert "HR-03" in _fired(a)
    assert _lens(a, "human_rights").residual == "critical"
    # General mobilisation since March 2020, nationwide; a government formed by one camp amid
    # protests and economic collapse.
    assert {"HR-13", "POL-04"} <= _fired(a)


@pytest.mark.parametrize("year", ["2010", "2020"])
def test_hezbollah_outguns_the_assisted_army(year):
    a = _assess(year)
    # CRS (R40485, 2010; R44759, 2017): U.S. aid is meant to let the army assert the state's
    # control, while Hezbollah's militia is judged stronger than the army.
    rivalry = _lens(a, "institutional_rivalry")
    assert [(f.rule_id, f.subject) for f in rivalry.findings] == [("RIV-08", "hezbollah")]
    assert rivalry.findings[0].narrative.startswith(
        "Hezbollah armed wing (Islamic Resistance), an armed force outside the state's command, "
        "is stronger than the national army (Lebanese Armed Forces), which receives assistance."
    )
    assert rivalry.residual == "high"
    # Hezbollah receives no assistance, so the rule on assisting a force outside the national
    # command (RIV-07) does not apply; coup risk stays low.
    assert "RIV-07" not in _fired(a)
    assert _lens(a, "civil_military").residual == "low"


def test_overall_scores_with_hezbollah_read():
    assert (_assess("2010").score, _assess("2020").score) == (29.0, 41.0)
