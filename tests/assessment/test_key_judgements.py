"""Key judgements: the result with its confidence and why, the drivers ranked, what would change
the rating, the profile's own summary, and the data gaps, in the words a report prints."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.judgements import KeyJudgements, key_judgements, requirement_text
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.serialize import assessment_dict, assessment_from_json
from ssa_risk.profile.skeleton import profile_skeleton
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


@pytest.fixture(scope="module")
def tunisia_2020() -> Assessment:
    return ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / "2020.yaml")


def test_tunisia_2020(tunisia_2020):
    assert key_judgements(tunisia_2020) == KeyJudgements(
        result="Overall: high risk — conditions required, with a score of 61 of 100.",
        confidence=(
            "Confidence: moderate. 7 of 8 weighted lenses were assessed, and 5 of 32 risk "
            "findings rest on facts stated more than 5 years before 2020-07."
        ),
        drivers=(
            "Human rights and repression: critical, score 100 (weight 2). Heaviest finding: "
            "Abuses under emergency powers (Internal security forces (Ministry of Interior, incl. "
            "police, National Guard and intelligence): torture).",
            "Security governance and reform: critical, score 91 (weight 2). Heaviest finding: "
            "Performance over reform.",
            "Civil-military relations and coup risk: high, score 54 (weight 3). Heaviest "
            "finding: Public support for military rule alongside an elevated military.",
            "Political context and transition fragility: high, score 49 (weight 2). Heaviest "
            "finding: Disillusion with democracy alongside an elevated military.",
            "Executive centralisation and checks: high, score 54 (weight 1). Heaviest finding: "
            "Security control drawn into the presidency as checks weaken.",
        ),
        # The case study's action plan, as the mitigation of planning risk.
        eased=(
            "Civil-military relations and coup risk: 2 protective factors (The military "
            "returned to civilian oversight; The military gained from democracy) count against "
            "its risks; it stands at 54 (high).",
            "Assistance design and planning: 4 mitigations (Joint action plan with benchmarks "
            "and an assessment line of effort; Donors coordinate through a working mechanism; "
            "Programmes owned or led by the partner; Funding follows assessment results) bring "
            "it from 10 (low) to 0 (low).",
            "Threat environment: 1 mitigation (Threat declining) brings it from 43 (high) to 23 "
            "(moderate).",
        ),
        thresholds=(
            "The overall score is 61; it would need to fall below 45, with no lens rated "
            "critical (now Security governance and reform at 91 and Human rights and "
            "repression at 100), for 'suitable with safeguards'.",
            "A country gate would make it 'not suitable at this time' whatever the score.",
            "Human rights and repression is 100: critical from 65.",
        ),
        summary=(
            "The northwest insurgent networks have been degraded and terrorism has fallen from "
            "the public's top concern (47% in 2015) to 1% (2019). The 2017 Bilateral Country "
            "Action Plan gives the partnership shared objectives, sequenced benchmarks and an "
            "assessment line of effort. But the military's budgets and political weight keep "
            "rising, 47% of Tunisians support military rule, and police and internal security "
            "forces have used the emergency powers for arbitrary targeting and torture."
        ),
        byline="By SSA Risk maintainers, as of 2020-07.",
        gaps=(
            "Leverage and relationship is not assessed: the profile lacks assistance Foreign "
            "Military Sales (US$) or assistance programmes of kind sale.",
            "5 of 32 risk findings rest on facts stated more than 5 years before 2020-07; they "
            "are marked stale and count for 0.5 of their points. Restate the facts that still "
            "hold in a newer snapshot.",
            "The recorded assistance ends in FY2013, 7 years before 2020-07: findings about "
            "current assistance rest on old programmes. Record the programmes since FY2013, or "
            "state that there were none.",
        ),
    )


def test_a_score_between_bands_names_the_thresholds_either_side():
    kj = key_judgements(ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / "2010.yaml"))
    assert kj.thresholds == (
        "The overall score is 43; it would need to fall below 25, with no lens rated high or "
        "worse (4 are now), for 'suitable', and from 45 it would be 'high risk — conditions "
        "required'.",
        "A lens rated critical would make it 'high risk — conditions required': the nearest is "
        "Human rights and repression at 61 (critical from 65).",
        "A country gate would make it 'not suitable at this time' whatever the score.",
        "Human rights and repression is 61: high from 40, critical from 65.",
    )
    assert kj.confidence == (
        "Confidence: moderate. 7 of 8 weighted lenses were assessed, and none of the 13 risk "
        "findings rests on facts stated more than 5 years before 2010-12."
    )
    assert kj.gaps[-1] == "The profile has no rivalries section."


def test_a_rating_held_by_a_critical_lens_says_so():
    kj = key_judgements(ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / "2016.yaml"))
    assert kj.thresholds == (
        "The overall score is 35; the rating rests on the lenses: were no lens rated critical "
        "(now Security governance and reform at 78), it would be 'suitable with safeguards'.",
        "A country gate would make it 'not suitable at this time' whatever the score.",
        "Security governance and reform is 78: critical from 65.",
    )


def test_a_blank_skeleton_is_insufficient_evidence(tmp_path):
    target = tmp_path / "freedonia.yaml"
    target.write_text(profile_skeleton("Freedonia", "FRE", "2024-01", ("A. Analyst",), target))
    assert key_judgements(ASSESSOR.assess(target)) == KeyJudgements(
        result=(
            "Overall: insufficient evidence to assess. No overall score: no weighted lens could "
            "be assessed."
        ),
        confidence=(
            "Confidence: low. 0 of 8 weighted lenses were assessed, and no risk finding was "
            "made, so the age of the evidence does not weigh."
        ),
        drivers=(),
        eased=(),
        thresholds=(
            "An overall rating needs at least 4 weighted lenses assessed; 0 are. Completing the "
            "evidence for 4 more lenses would give a rating.",
        ),
        summary="",
        byline="By A. Analyst, as of 2024-01.",
        gaps=(
            "None of the 9 lenses is assessed: Civil-military relations and coup risk, "
            "Institutional rivalry and counterbalancing, Security governance and reform, Human "
            "rights and repression, Executive centralisation and checks, Political context and "
            "transition fragility, Assistance design and planning, Leverage and relationship, "
            "and Threat environment. What each needs is listed under Not assessed below.",
            "The profile has no civil-military relations, institutions, rivalries, reform, "
            "political context, threats, human rights, and assistance sections.",
        ),
    )


def test_a_case_profile_with_two_lenses_assessed():
    kj = key_judgements(ASSESSOR.assess(REPO_ROOT / "tests/fixtures/cases/alpha-coup/profile.yaml"))
    assert kj.result == (
        "Overall: insufficient evidence to assess. The 2 lenses assessed score 30 of 100 on "
        "their own."
    )
    assert kj.confidence == (
        "Confidence: low. 2 of 8 weighted lenses were assessed, and the one risk finding does "
        "not rest on facts stated more than 5 years before 2013-06."
    )
    assert kj.drivers == (
        "Political context and transition fragility: high, score 45 (weight 2). Heaviest "
        "finding: Democratic backsliding.",
    )
    assert kj.thresholds == (
        "An overall rating needs at least 4 weighted lenses assessed; 2 are. Completing the "
        "evidence for 2 more lenses would give a rating.",
    )
    assert kj.byline == "As of 2013-06."
    assert kj.gaps == (
        "7 of the 9 lenses are not assessed: Civil-military relations and coup risk, Security "
        "governance and reform, Human rights and repression, Executive centralisation and "
        "checks, Assistance design and planning, Leverage and relationship, and Threat "
        "environment. What each needs is listed under Not assessed below.",
        "The profile has no civil-military relations, rivalries, reform, threats, human "
        "rights, and assistance sections.",
    )


def _gate(a: Assessment, rule_id: str, scope: str) -> Assessment:
    """`a` with the finding `rule_id` turned into a gate of this scope."""
    finding = next(f for f in a.findings if f.rule_id == rule_id)
    return dataclasses.replace(
        a, gates=(*a.gates, dataclasses.replace(finding, effect="gate", scope=scope))
    )


def test_gates_lead_the_drivers_country_before_unit(tunisia_2020):
    a = _gate(_gate(tunisia_2020, "HR-09", "unit"), "GOV-01", "country")
    kj = key_judgements(a)
    assert kj.drivers[:3] == (
        "Hard gate: Performance over reform. All assistance to the government is barred, "
        "whatever the score.",
        "Hard gate on Internal security forces (Ministry of Interior, incl. police, National "
        "Guard and intelligence): Leahy review required for the units of a force with "
        "reports of gross violations. Assistance to Internal security forces (Ministry of "
        "Interior, incl. police, National Guard and intelligence) is barred; other units "
        "are not.",
        "Human rights and repression: critical, score 100 (weight 2). Heaviest finding: "
        "Abuses under emergency powers (Internal security forces (Ministry of Interior, incl. "
        "police, National Guard and intelligence): torture).",
    )
    assert len(kj.drivers) == 5
    assert kj.thresholds == (
        "A country gate applies: the rating stays 'high risk — conditions required' whatever "
        "the score, until the bar it records is lifted.",
    )


def test_requirements_read_as_words():
    assert requirement_text("assistance.programmes.kind: sale or assistance.fms_usd") == (
        "assistance programmes of kind sale or assistance Foreign Military Sales (US$)"
    )
    assert requirement_text("institutions.kind: armed_forces") == (
        "institutions of kind armed forces"
    )


def test_a_saved_assessment_gives_the_same_judgements(tunisia_2020):
    text = json.dumps(assessment_dict(tunisia_2020))
    assert key_judgements(assessment_from_json(text, "a.json")) == key_judgements(tunisia_2020)


def test_an_assessment_saved_before_summaries_and_band_numbers_still_reads(tunisia_2020):
    data = assessment_dict(tunisia_2020)
    del data["summary"], data["authors"]
    for band in data["methodology"]["bands"]:
        for key in ("gates_at_least", "score_at_least", "lenses_at_least", "count_at_least"):
            del band[key]
        del band["insufficient"]
    read = assessment_from_json(json.dumps(data), "old.json")
    kj = key_judgements(read)
    assert kj.summary == ""
    assert kj.byline == "As of 2020-07."
    assert kj.thresholds[0] == (
        "The overall score is 61; no score band near it changes the rating."
    )


def test_no_id_or_path_in_the_judgements(tunisia_2020):
    kj = key_judgements(tunisia_2020)
    text = " ".join([kj.result, kj.confidence, *kj.drivers, *kj.thresholds, *kj.gaps])
    assert "_" not in text and "(s)" not in text
    assert not any(f.rule_id in text for f in tunisia_2020.findings)
