"""How findings become a judgement: scores, not-assessed lenses, insufficient evidence, stale
and low-confidence evidence, protective factors, gates kept apart, and context lenses.

A small rule set of its own, so that what is tested is the scoring, not the bundled rules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES

SCORING = """\
lenses:
  - {id: alpha, weight: 2, requires: [civil_military]}
  - {id: beta, weight: 1, requires: [abuse or human_rights.vetting]}
  - {id: gamma, weight: 0, context: true, requires: [threat]}
points: {low: 10, moderate: 25, high: 45, critical: 70}
lens_score: {further_findings: 0.5, protective: 1, mitigation: 1}
lens_bands: {moderate: 20, high: 40, critical: 65}
evidence:
  {stale_after_years: 5, stale_weight: 0.5, low_confidence_weight: 0.6, portfolio_gap_years: 3}
insufficient_evidence:
  minimum_assessed_lenses: 1
  rating: insufficient evidence to assess
  explanation: Too little evidence.
confidence:
  high: {not_assessed_at_most: 0, stale_share_at_most: 0}
  moderate: {not_assessed_at_most: 1, stale_share_at_most: 0.5}
overall:
  - {rating: not suitable, when: {gates_at_least: 1}, explanation: A country gate.}
  - {rating: high risk, when: {score_at_least: 45}, explanation: High.}
  - {rating: high risk, when: {lenses_at_least: critical}, explanation: Critical lens.}
  - {rating: safeguards, when: {score_at_least: 20}, explanation: Moderate.}
  - {rating: suitable, when: {}, explanation: Low.}
"""

ALPHA = """\
lens: {id: alpha, title: Alpha, question: Alpha?}
rules:
  - id: A-01
    title: Military rising
    severity: high
    when:
      all:
        - fact: civil_military
          as: cm
          where: {military_political_role: {in: [rising, dominant]}}
    because: The military is rising.
    recommend: [Watch it.]
    cite: [{ref: sam2020}]
  - id: A-02
    title: Coup on record
    severity: moderate
    subject: coup
    when:
      all:
        - fact: coup
          as: coup
    because: A coup in {{ coup.year }}.
    recommend: [Watch it.]
    cite: [{ref: sam2020}]
  - id: A-P1
    title: Civilian oversight restored
    severity: moderate
    effect: protective
    when:
      all:
        - fact: civil_military
          as: cm
          where: {returned_to_civilian_oversight: {exists: true}}
    because: Oversight restored.
    cite: [{ref: sam2020}]
"""

BETA = """\
lens: {id: beta, title: Beta, question: Beta?}
rules:
  - id: B-01
    title: Unit barred
    severity: critical
    effect: gate
    scope: unit
    subject: abuse
    when:
      all:
        - fact: abuse
          as: abuse
          where: {credible: true}
    because: A credible abuse.
    recommend: [Vet it.]
    cite: [{ref: sam2020}]
  - id: B-02
    title: Abuse recorded
    severity: moderate
    subject: abuse
    when:
      all:
        - fact: abuse
          as: abuse
          where: {credible: true}
    because: A credible abuse.
    recommend: [Vet it.]
    cite: [{ref: sam2020}]
"""

GAMMA = """\
lens: {id: gamma, title: Gamma, question: Gamma?}
rules:
  - id: G-01
    title: High threat
    severity: critical
    subject: threat
    when:
      all:
        - fact: threat
          as: threat
          where: {level: {in: [high, severe]}}
    because: A high threat.
    recommend: [Note it.]
    cite: [{ref: sam2020}]
"""

HEAD = """\
schema_version: 1
country: Testland
iso3: TST
sources: [{id: sam2020, title: A source}]
"""
POLICE = "institutions: [{id: police, name: Police, kind: interior_forces}]\n"


@pytest.fixture
def assess(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(DEFAULT_RULES / "references.yaml", rules)
    for name, text in (
        ("scoring.yaml", SCORING),
        ("alpha.yaml", ALPHA),
        ("beta.yaml", BETA),
        ("gamma.yaml", GAMMA),
    ):
        (rules / name).write_text(text, encoding="utf-8")
    assessor = Assessor.load(rules, DEFAULT_TEMPLATES)

    def run(*snapshots: str) -> Assessment:
        """Assess the last of `snapshots`, each extending the one before."""
        path = tmp_path / "none.yaml"
        for i, body in enumerate(snapshots):
            path = tmp_path / f"s{i}.yaml"
            extends = f"extends: s{i - 1}.yaml\n" if i else ""
            path.write_text(extends + HEAD + body, encoding="utf-8")
        return assessor.assess(path)

    return run


def _lens(a: Assessment, lens_id: str):
    return next(lens for lens in a.lenses if lens.id == lens_id)


def test_a_profile_without_evidence_is_insufficient_not_suitable(assess):
    a = assess("as_of: 2020-01\n")
    assert a.overall == "insufficient evidence to assess"
    assert a.score is None
    assert [lens.residual for lens in a.lenses] == ["not assessed"] * 3
    assert _lens(a, "alpha").missing == ("civil_military",)
    assert a.overall_explanation == (
        "Too little evidence. 2 of 2 lenses could not be assessed for lack of evidence: "
        "Alpha, Beta."
    )
    assert a.confidence == "low"


def test_a_lens_without_its_evidence_is_not_assessed_and_not_averaged(assess):
    a = assess("as_of: 2020-01\ncivil_military:\n  military_political_role: rising\n")
    assert (_lens(a, "alpha").score, _lens(a, "alpha").residual) == (45.0, "high")
    beta = _lens(a, "beta")
    assert (beta.score, beta.residual) == (None, "not assessed")
    assert beta.missing == ("human_rights.abuses or human_rights.vetting",)
    # The overall is alpha's score alone: beta is not counted as a zero.
    assert (a.score, a.overall) == (45.0, "high risk")
    assert a.confidence == "moderate"


def test_scores_add_up_and_protective_factors_lower_them(assess):
    body = (
        "as_of: 2020-01\n"
        "civil_military:\n"
        "  military_political_role: rising\n"
        "  coups: [{year: 2015, kind: military}]\n"
        "human_rights:\n  vetting: systematic\n"
    )
    a = assess(body)
    alpha = _lens(a, "alpha")
    assert alpha.inherent_score == alpha.score == 58.0  # 45 + 0.5 × 25 = 57.5, halves up
    assert (a.score, a.overall) == (39.0, "safeguards")  # (2 × 58 + 0) / 3 = 38.7
    protected = assess(body.replace("  coups:", "  returned_to_civilian_oversight: 2016\n  coups:"))
    alpha = _lens(protected, "alpha")
    assert [f.rule_id for f in alpha.protective] == ["A-P1"]
    assert alpha.score == 33.0  # 57.5 - 25 = 32.5, halves up
    assert alpha.residual == "moderate"


def test_a_unit_gate_is_listed_apart_and_does_not_raise_the_rating(assess):
    abuse = (
        "as_of: 2020-01\n"
        + POLICE
        + "human_rights:\n  abuses: [{unit: police, kind: torture, credible: true}]\n"
    )
    a = assess(abuse)
    assert [(g.rule_id, g.scope, g.subject, g.points) for g in a.gates] == [
        ("B-01", "unit", "police: torture", 0.0)
    ]
    beta = _lens(a, "beta")
    assert beta.score == 25.0  # B-02 alone: the gate adds nothing
    assert a.overall == "safeguards"


def test_threat_is_context_shown_but_never_averaged(assess):
    a = assess(
        "as_of: 2020-01\ncivil_military:\n  military_political_role: marginal\n"
        "threats: [{kind: terrorism, level: severe}]\n"
    )
    gamma = _lens(a, "gamma")
    assert (gamma.context, gamma.score, gamma.residual) == (True, 70.0, "critical")
    assert (a.score, a.overall) == (0.0, "suitable")


def test_facts_stated_long_before_as_of_are_stale_and_weigh_less(assess):
    old = "as_of: 2010-06\ncivil_military:\n  military_political_role: rising\n"
    a = assess(old, "as_of: 2020-01\n")
    finding = _lens(a, "alpha").findings[0]
    assert (finding.stale, finding.age_years, finding.points) == (True, 9, 22.5)
    assert [e.stated for e in finding.evidence] == ["2010-06"]
    assert a.warnings == (
        "1 of 1 risk findings rest on facts stated more than 5 years before 2020-01; they are "
        "marked stale and count for 0.5 of their points. Restate the facts that still hold in a "
        "newer snapshot.",
    )
    # Restated in the newer snapshot, the same fact is current again.
    again = "as_of: 2020-01\ncivil_military:\n  military_political_role: rising\n"
    fresh = _lens(assess(old, again), "alpha").findings[0]
    assert (fresh.stale, fresh.age_years, fresh.points) == (False, 0, 45.0)


def test_an_event_and_an_entrys_identity_do_not_age(assess):
    old = "as_of: 2005-01\ncivil_military:\n  coups: [{year: 2004, kind: military}]\n"
    a = assess(old, "as_of: 2020-01\n")
    coup = _lens(a, "alpha").findings[0]
    assert (coup.rule_id, coup.stale, coup.age_years) == ("A-02", False, None)


def test_low_confidence_values_weigh_less_and_are_named(assess):
    a = assess(
        "as_of: 2020-01\ncivil_military:\n  military_political_role: rising\n"
        "  field_confidence: {military_political_role: low}\n"
    )
    finding = _lens(a, "alpha").findings[0]
    assert (finding.low_confidence, finding.points) == (True, 27.0)
    assert finding.evidence[0].confidence == "low"


def test_a_portfolio_that_stops_years_before_as_of_is_flagged(assess):
    a = assess(
        "as_of: 2020-07\ncivil_military:\n  military_political_role: marginal\n"
        "assistance:\n  programmes:\n"
        "    - {name: Training, kind: education_and_training, from_fy: 2011, to_fy: 2013,"
        " total_usd: 1000}\n"
    )
    assert a.warnings == (
        "The recorded assistance ends in FY2013, 7 years before 2020-07: findings about current "
        "assistance rest on old programmes. Record the programmes since FY2013, or state that "
        "there were none.",
    )


def test_several_matches_speak_of_one_and_count_the_others(assess):
    a = assess(
        "as_of: 2020-01\n" + POLICE + "human_rights:\n  abuses:\n"
        "    - {unit: police, kind: torture, credible: true}\n"
        "    - {unit: police, kind: torture, credible: true, since: 2019}\n"
    )
    finding = next(f for f in a.findings if f.rule_id == "B-02")
    assert finding.others == 1
