"""The bundled Oman profile: Qaboos's late reign (2010) and Haitham's first months (2020)."""

from __future__ import annotations

import pytest

from ssa_risk.assessment.model import Assessment
from ssa_risk.profile.reader import check_profile
from tests.helpers import DEFAULT_PROFILES, assess_bundled

OMAN = DEFAULT_PROFILES / "oman"


def _assessed(stem: str) -> Assessment:
    return assess_bundled("oman", stem)


def _rule_ids(stem: str) -> set[str]:
    return {f.rule_id for f in _assessed(stem).findings}


def test_oman_has_two_snapshots_and_the_later_extends_the_earlier():
    assert [p.stem for p in sorted(OMAN.glob("*.yaml"))] == ["2010", "2020"]
    assert "extends: 2010.yaml" in (OMAN / "2020.yaml").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("stem", ["2010", "2020"])
def test_each_snapshot_validates_and_passes_no_gate(stem):
    assert check_profile(OMAN / f"{stem}.yaml") == []
    # No assisted Omani unit has credible reports of gross violations in the sources (State
    # Department human rights reports for 2010 and 2019), so no Leahy gate bars a unit.
    assert _assessed(stem).gates == ()


def test_2010_is_suitable_with_safeguards_for_a_closed_regime_with_a_loyal_army():
    a = _assessed("2010")
    assert a.overall == "suitable with safeguards"
    ids = _rule_ids("2010")
    # An absolute monarchy (CRS RS21534, 2009): no reform, no real legislative oversight,
    # Freedom House rates it Not Free.
    assert {"EXE-04", "GOV-07", "GOV-02", "POL-06"} <= ids
    # The 2005 plot was alleged, its convicts pardoned: weak evidence, not an attempt.
    assert "CMR-06" in ids
    # The terrorist threat is low, so counter-terrorism aid must answer a documented threat.
    assert "THR-04" in ids
    # No abuse is recorded against a unit that receives U.S. assistance in 2010.
    assert not any(i.startswith("HR-") for i in ids)


def test_2020_adds_repression_of_dissent_since_2011_and_the_yemen_border():
    a = _assessed("2020")
    assert a.overall == "suitable with safeguards"
    ids = _rule_ids("2020")
    # The Royal Oman Police, which receives anti-terrorism training, put down the 2011-2012
    # protests (CRS RS21534, January 2020): an assisted unit that represses dissent, for years.
    assert {"HR-03", "HR-14"} <= ids
    hr03 = [f for f in a.findings if f.rule_id == "HR-03"]
    assert [f.units for f in hr03] == [("royal_oman_police",)]
    # Yemen's war raises the threat from low to moderate on the western border.
    assert "THR-06" in ids and "THR-04" in ids
    # The succession of January 2020 gave the armed forces no role: no coup-risk finding.
    assert not any(i.startswith("CMR-") for i in ids)
