"""The bundled Iraq profile: before the fall of Mosul (2013) and before the 2019 protests."""

from __future__ import annotations

import pytest

from ssa_risk.assessment.model import Assessment
from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled

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
    assert _assessed("2013").score == 67.0


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
    assert (_assessed("2013").score, _assessed("2019").score) == (67.0, 46.0)
