"""The bundled Iraq profile: before the fall of Mosul (2013) and before the 2019 protests."""

from __future__ import annotations

import pytest

from ssa_risk.assessment.model import Assessment
from ssa_risk.profile.reader import check_profile
from ssa_risk.reports.render import render_report
from tests.helpers import DEFAULT_PROFILES, DEFAULT_TEMPLATES, assess_bundled

IRAQ = DEFAULT_PROFILES / "iraq"


def _assessed(stem: str) -> Assessment:
    return assess_bundled("iraq", stem)


def _rule_ids(stem: str) -> set[str]:
    return {f.rule_id for f in _assessed(stem).findings}


def _subjects(stem: str, rule_id: str) -> list[str]:
    return sorted(f.subject for f in _assessed(stem).findings if f.rule_id == rule_id)


def _gated_units(stem: str) -> list[tuple[str, ...]]:
    return sorted(g.units for g in _assessed(stem).gates if g.rule_id == "HR-02")


def test_iraq_has_two_snapshots_and_the_later_extends_the_earlier():
    assert [p.stem for p in sorted(IRAQ.glob("*.yaml"))] == ["2013", "2019"]
    assert "extends: 2013.yaml" in (IRAQ / "2019.yaml").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("stem", ["2013", "2019"])
def test_each_snapshot_validates_and_is_high_risk(stem):
    assert check_profile(IRAQ / f"{stem}.yaml") == []
    assert _assessed(stem).overall == "high risk — conditions required"
    # Torture in army and interior ministry custody is credible and unremediated in the
    # State Department reports for 2012 and 2018: the Leahy bar holds for both assisted units.
    assert _gated_units(stem) == [("armed_forces",), ("federal_police",)]


def test_2013_finds_the_prime_ministers_grip_and_a_losing_fight():
    ids = _rule_ids("2013")
    # Security control drawn into the prime minister's office as checks weaken, and democratic
    # backsliding (ICG, July 2012; CRS RS21968, January 2012).
    assert {"EXE-01", "POL-04"} <= ids
    # The Counter-Terrorism Service answers to the prime minister and receives U.S. aid.
    assert {"CMR-27", "CMR-28", "RIV-03"} <= ids
    assert _subjects("2013", "RIV-03") == ["counter_terrorism_service"]
    # Violence at its highest since 2008 and the state losing ground: a high threat and the
    # defeat trigger of the coup-risk model.
    assert {"THR-01", "THR-03", "CMR-40"} <= ids
    # 67 before the army-Peshmerga rivalry was reported without its stakes recorded (RIV-09).
    assert _assessed("2013").score == 68.0


def test_2019_is_lower_than_2013_with_the_pmf_as_the_new_rival_force():
    ids = _rule_ids("2019")
    # The PMF, formed in 2014, is a new force and a rival of the army (CRS R45633, March 2019).
    assert "RIV-02" in ids
    # U.S. stipends and equipment reach the Peshmerga, who answer to the Kurdistan Regional
    # Government: a force outside the national command (RIV-07), not a guard of the ruler's
    # (RIV-03, which stays with the Counter-Terrorism Service).
    assert _subjects("2019", "RIV-07") == ["peshmerga"]
    assert _subjects("2019", "RIV-03") == ["counter_terrorism_service"]
    # No strength against the army is recorded for the PMF or the Peshmerga.
    assert "RIV-08" not in ids
    # The threat is declining after the 2017 victory, and the army bore heavy losses.
    assert {"THR-M1", "CMR-41"} <= ids
    # The defeat trigger and executive centralisation of 2013 no longer fire.
    assert not {"CMR-40", "EXE-01"} & ids
    # 67 and 46 before the rivalries were reported without their stakes recorded (RIV-09).
    assert (_assessed("2013").score, _assessed("2019").score) == (68.0, 48.0)


RIVALRY_UNRECORDED = (
    "The two institutions in this rivalry compete intensely. The profile does not record"
    " whether access to foreign assistance is part of what they compete over. Either way the"
    " competition hampers coordination and reform; if assistance is part of it, each programme"
    " to one side also shifts prestige and leverage between them."
)


@pytest.mark.parametrize(
    ("stem", "rivalries"),
    [
        ("2013", ["armed_forces vs peshmerga"]),
        ("2019", ["armed_forces vs peshmerga", "armed_forces vs popular_mobilization_forces"]),
    ],
)
def test_rivalries_whose_stakes_are_not_recorded_are_reported_with_the_gap(stem, rivalries):
    # The army's rivalries with the Peshmerga (ICG 2009, CRS 2019) and the PMF (CRS R45633) are
    # recorded as high, but not whether access to foreign assistance is part of what they
    # compete over. RIV-01 needs that recorded true and RIV-05 false: before RIV-09 neither
    # fired, and the rivalries were missing from the report.
    assessment = _assessed(stem)
    found = [f for f in assessment.findings if f.rule_id == "RIV-09"]
    assert sorted(f.subject for f in found) == rivalries
    assert {(f.severity, f.narrative) for f in found} == {("moderate", RIVALRY_UNRECORDED)}
    assert not {"RIV-01", "RIV-05"} & _rule_ids(stem)
    report = render_report(assessment, DEFAULT_TEMPLATES, "md")
    heading = (
        "### Intense rivalry between security institutions;"
        " whether assistance is at stake is not recorded"
    )
    # (with one rivalry the heading also names it)
    assert sum(line.startswith(heading) for line in report.splitlines()) == 1
    assert report.count(RIVALRY_UNRECORDED) == len(rivalries)
    assert (
        "Establish whether access to foreign assistance is part of what the two institutions"
        " compete over, and record the answer in the profile, before the next programme to either"
        " of them." in report
    )
