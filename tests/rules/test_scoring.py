"""Scoring, table-driven: lens scores, bands, evidence weights, sufficiency and the overall
bands of the bundled scoring.yaml."""

from __future__ import annotations

import pytest

from ssa_risk.profile.facts import Fact
from ssa_risk.rules.loader import load_rules
from tests.helpers import DEFAULT_RULES

SCORING = load_rules(DEFAULT_RULES).scoring
WEIGHED = [p.id for p in SCORING.lens_policies if p.weight > 0 and not p.context]


def _ratings(**given: str) -> dict[str, str]:
    return {lens: given.get(lens, "low") for lens in WEIGHED}


@pytest.mark.parametrize(
    ("risks", "protective", "mitigations", "expected"),
    [
        ([], [], [], (0.0, 0.0)),
        ([25.0], [], [], (25.0, 25.0)),
        # The heaviest counts in full, each further one for 0.35 of its points.
        ([25.0, 45.0], [], [], (54.0, 54.0)),  # 53.75, shown and banded as 54
        ([45.0, 45.0, 45.0], [], [], (77.0, 77.0)),  # 76.5: halves round up
        # Protective factors lower the inherent score, mitigations the residual.
        ([45.0], [25.0], [], (20.0, 20.0)),
        ([45.0], [], [10.0], (45.0, 35.0)),
        ([45.0], [25.0], [10.0], (20.0, 10.0)),
        # Never below 0, never above 100.
        ([10.0], [45.0], [10.0], (0.0, 0.0)),
        ([70.0] * 5, [], [], (100.0, 100.0)),
    ],
)
def test_lens_score(risks, protective, mitigations, expected):
    assert SCORING.lens_score(risks, protective, mitigations) == expected


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "low"), (19.9, "low"), (20, "moderate"), (39.9, "moderate"), (40, "high"),
     (64.9, "high"), (65, "critical"), (100, "critical")],
)  # fmt: skip
def test_bands_start_at_their_cut_offs(score, band):
    assert SCORING.band_of(score) == band


@pytest.mark.parametrize(
    ("stale", "low_confidence", "weight"),
    [(False, False, 1.0), (True, False, 0.5), (False, True, 0.6), (True, True, 0.3)],
)
def test_stale_and_low_confidence_evidence_weigh_less(stale, low_confidence, weight):
    assert SCORING.weight(stale, low_confidence) == pytest.approx(weight)


@pytest.mark.parametrize(
    ("ratings", "score", "gates", "assessed", "expected"),
    [
        (_ratings(), 10.0, 0, 8, "suitable"),
        (_ratings(human_rights="high"), 20.0, 0, 8, "suitable with safeguards"),
        (_ratings(), 25.0, 0, 8, "suitable with safeguards"),
        (_ratings(), 45.0, 0, 8, "high risk — conditions required"),
        # One critical lens is never averaged away into a low mean.
        (_ratings(human_rights="critical"), 15.0, 0, 8, "high risk — conditions required"),
        # A country gate holds whatever the scores and the evidence.
        (_ratings(), 0.0, 1, 8, "not suitable at this time"),
        (_ratings(), None, 1, 0, "not suitable at this time"),
        # Too few lenses assessed: no rating at all, however high the few scores.
        (_ratings(), 80.0, 0, 3, "insufficient evidence to assess"),
        (_ratings(), None, 0, 0, "insufficient evidence to assess"),
        (_ratings(), 10.0, 0, 4, "suitable"),
    ],
    ids=[
        "low",
        "one-high-lens",
        "moderate-score",
        "high-score",
        "one-critical",
        "country-gate",
        "country-gate-no-evidence",
        "three-assessed",
        "none-assessed",
        "four-assessed",
    ],
)
def test_overall_bands(ratings, score, gates, assessed, expected):
    assert SCORING.overall(ratings, score, gates, assessed).rating == expected


@pytest.mark.parametrize(
    ("not_assessed", "stale_share", "level"),
    [(0, 0.0, "high"), (0, 0.1, "high"), (0, 0.2, "moderate"), (2, 0.5, "moderate"),
     (3, 0.0, "low"), (0, 0.6, "low")],
)  # fmt: skip
def test_confidence(not_assessed, stale_share, level):
    assert SCORING.confidence_of(not_assessed, stale_share) == level


def _fact(fact_kind: str, **fields: object) -> Fact:
    return Fact(f"{fact_kind}-1", fact_kind, (fact_kind,), fields)


def test_a_lens_names_the_evidence_it_lacks_as_the_profile_writes_it():
    leverage = SCORING.policy("leverage")
    assert leverage.missing([]) == ("assistance.fms_usd or assistance.programmes.kind: sale",)
    assert leverage.missing([_fact("programme", kind="sale", total_usd=5)]) == ()
    assert leverage.missing([_fact("programme", kind="financing_grant")]) != ()


def test_derived_values_are_no_evidence():
    # Every assistance fact has a derived total; only what the profile writes counts.
    leverage = SCORING.policy("leverage")
    assert leverage.missing([_fact("assistance", total_usd=0, programme_count=0)]) != ()
    assert leverage.missing([_fact("assistance", fms_usd=1_000_000)]) == ()


def test_evidence_a_lens_requires_is_looked_up_as_the_profile_writes_it():
    from ssa_risk.rules.scoring import Evidenced

    army = Fact("institution-1", "institution", ("institutions", 0), {"key": "army", "kind": "x"})
    # `id` is held as `key` in facts; `key` is no field a profile writes.
    assert Evidenced("institution", "id", "army").met([army])
    assert not Evidenced("institution", "id", "navy").met([army])
    assert Evidenced("institution", "id").met([army])
    assert not Evidenced("institution", "key").met([army])
    # A derived field is no evidence, named or not; a written one among many is.
    derived_only = _fact("assistance", total_usd=0, programme_count=0)
    assert not Evidenced("assistance").met([derived_only])
    assert not Evidenced("assistance", "total_usd").met([derived_only])
    many = [_fact("programme", kind="financing_grant") for _ in range(500)]
    assert not Evidenced("programme", "kind", "sale").met(many)
    assert Evidenced("programme", "kind", "sale").met([*many, _fact("programme", kind="sale")])
    assert not Evidenced("rivalry").met(many)
