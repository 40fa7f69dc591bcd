"""The bundled Tunisia 2020 proposal (proposals/), judged with the bundled rules: the verdicts a
reader of the case study would expect, and the approval level and monitoring plan in every
format."""

from __future__ import annotations

import json

import pytest

from ssa_risk import api
from tests.helpers import DEFAULT_TEMPLATES, REPO_ROOT

PROPOSAL = REPO_ROOT / "proposals" / "tunisia-2020.yaml"
DECISION = REPO_ROOT / "proposals" / "tunisia-2020.decision.yaml"
APPROVAL = "Senior responsible owner (Assistant Secretary)"


@pytest.fixture(scope="module")
def judged() -> api.ProposalAssessment:
    return api.assess_proposal(PROPOSAL, DECISION)


def test_each_line_gets_the_verdict_the_case_study_supports(judged):
    assert [(line.id, line.residual, line.verdict) for line in judged.lines] == [
        ("dib", "moderate", "proceed with conditions"),
        ("border", "moderate", "proceed with conditions"),
        ("imet", "high", "proceed with conditions"),
        ("guard-ct", "moderate", "proceed with conditions"),
        ("police-riot", "high", "do not proceed"),
    ]
    police = judged.lines[4]
    assert police.reasons == (
        "A gate bars it: Crowd-control equipment for a unit that has used emergency powers or "
        "repressed dissent.",
    )
    guard = judged.lines[3]
    # The interior forces' torture record: a Leahy review, answered by vetting.
    assert ("LN-02", "line", (1,)) in [
        (r.finding.rule_id, r.about, r.answered_by) for r in guard.risks
    ]


def test_the_package_is_redesigned_without_the_police_line(judged):
    assert judged.verdict == "redesign"
    assert judged.residual == "high"
    assert judged.approval == APPROVAL
    assert judged.reasons[0] == (
        "Line 5 (Crowd-control equipment for the police) should not proceed: the package may go "
        "ahead only without it."
    )


def test_without_the_decision_record_the_imet_line_must_be_redesigned():
    alone = api.assess_proposal(PROPOSAL, watch=False)
    imet = alone.lines[2]
    assert imet.verdict == "redesign"
    assert imet.reasons == (
        "No proposed mitigation answers this risk: Capability without a reform benchmark while "
        "reform is stalled or going backwards (high).",
    )


def test_every_format_names_the_approval_and_the_monitoring_plan(judged):
    md = str(api.render_proposal(judged, "md", DEFAULT_TEMPLATES))
    html = str(api.render_proposal(judged, "html", DEFAULT_TEMPLATES))
    data = json.loads(str(api.render_proposal(judged, "json", DEFAULT_TEMPLATES)))
    for text in (md, html):
        assert f"approval by {APPROVAL}" in text
        assert "Monitoring plan" in text
        assert "A new state of emergency: Reassess every line" in text
    assert data["recommendation"]["approval"] == APPROVAL
    assert set(data["monitoring"]) == {"baseline", "watch", "reviews", "triggers"}
    assert data["monitoring"]["baseline"]["overall"] == "high risk — conditions required"
    assert data["monitoring"]["watch"], "the plan lists indicators to watch"


def test_the_same_inputs_give_the_same_bytes(judged):
    again = api.assess_proposal(PROPOSAL, DECISION)
    for fmt in ("md", "json"):
        assert api.render_proposal(again, fmt, DEFAULT_TEMPLATES) == api.render_proposal(
            judged, fmt, DEFAULT_TEMPLATES
        )


def test_an_acceptance_narrowed_to_a_unit_applies_only_to_lines_that_reach_it(tmp_path):
    for name in ("tunisia-2020.yaml", "tunisia-2020.decision.yaml"):
        text = (REPO_ROOT / "proposals" / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(
            text.replace("../profiles/", f"{REPO_ROOT}/profiles/"), encoding="utf-8"
        )
    record = tmp_path / "tunisia-2020.decision.yaml"
    record.write_text(
        record.read_text(encoding="utf-8")
        + """  - finding: RIV-01
    unit: armed_forces
    kind: accepted_risk
    justification: The rivalry is watched through the balance reviews.
    authority: Minister
    approved: 2020-08
    expires: 2021-09
""",
        encoding="utf-8",
    )
    result = api.assess_proposal(tmp_path / "tunisia-2020.yaml", record, watch=False)
    accepted = {
        line.id
        for line in result.lines
        for r in line.risks
        if r.finding.rule_id == "RIV-01" and r.decision is not None
    }
    # The rivalry finding is about both forces; accepted for the army, it is accepted on the
    # army's lines only.
    assert accepted == {"dib", "border", "imet"}
