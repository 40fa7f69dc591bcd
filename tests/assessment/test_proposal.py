"""Proposals judged line by line on a small rule set whose answers can be worked by hand
(tests/fixtures/proposals): risks that bear on a line, mitigations, residual risk, verdicts,
approval, decisions and the monitoring plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssa_risk import api
from ssa_risk.base.errors import InputError
from tests.helpers import DEFAULT_TEMPLATES, REPO_ROOT, TUNISIA_2020, edit_file

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "proposals"
RULES = FIXTURE / "rules"


@pytest.fixture(scope="module")
def assessor() -> api.Assessor:
    return api.load_assessor(RULES, DEFAULT_TEMPLATES)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """An editable copy of the fixture proposal, its profile and decision record."""
    for name in ("proposal.yaml", "profile.yaml", "decision.yaml"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    return tmp_path


def judged(assessor: api.Assessor, folder: Path = FIXTURE, decision: bool = True, **kw: object):
    return api.assess_proposal(
        folder / "proposal.yaml",
        folder / "decision.yaml" if decision else None,
        assessor=assessor,
        watch=False,
        **kw,  # type: ignore[arg-type]
    )


def problems(exc: pytest.ExceptionInfo[InputError], root: Path) -> list[str]:
    return [str(p).replace(str(root) + "/", "") for p in exc.value.problems]


def test_each_line_gets_the_verdict_worked_by_hand(assessor):
    result = judged(assessor)
    assert [(line.id, line.inherent, line.residual, line.verdict) for line in result.lines] == [
        # C-01 (high) answered by its civilian-oversight mitigation: one step down.
        ("army-training", "high", "moderate", "proceed with conditions"),
        # L-01 lethal (critical), nothing proposed.
        ("police-kit", "critical", "critical", "do not proceed"),
        # C-02 about its unit Police (high), answered by vetting.
        ("moi-reform", "high", "moderate", "proceed with conditions"),
        # L-02 (moderate), accepted by the decision record.
        ("guard-advice", "moderate", "moderate", "proceed"),
        # C-01 (high), unanswered.
        ("army-vehicles", "high", "high", "redesign"),
        # Nothing bears on the coast guard.
        ("coast-advice", "low", "low", "proceed"),
    ]
    by_id = {line.id: line for line in result.lines}
    assert by_id["army-training"].reasons == (
        "1 risk bears on it: proposed mitigations answer 1. Residual risk moderate, set by A "
        "rising military.",
    )
    assert by_id["police-kit"].reasons == (
        "Its residual risk is critical after the proposed mitigations (Lethal equipment); no "
        "line at that level proceeds.",
    )
    assert by_id["army-vehicles"].reasons == (
        "No proposed mitigation answers this risk: A rising military (high).",
    )
    assert by_id["guard-advice"].reasons == (
        "1 risk bears on it: the decision record accepts 1. Residual risk moderate, set by A "
        "unit of a larger force.",
    )
    assert by_id["coast-advice"].reasons == ("No risk bears on it and no condition binds it.",)


def test_the_package_is_redesigned_when_one_line_must_not_proceed(assessor):
    result = judged(assessor)
    assert result.verdict == "redesign"
    # The approval is for the lines that may go ahead: the riskiest of them is high.
    assert result.residual == "high"
    assert result.approval == "Director"
    assert result.reasons == (
        "Line 2 (Rifles for the police) should not proceed: the package may go ahead only "
        "without it.",
        "Line 5 (Trucks for the army) must be redesigned before approval.",
        "Line 1 (Officer education for the army) and line 3 (Ministry reform) may proceed only "
        "under the conditions listed.",
        "Line 4 (Advisers for the guard) and line 6 (Advisers for the coast guard) may proceed "
        "as proposed.",
    )
    # The country's condition that concerns no one institution binds every line.
    assert result.package_conditions == ("Tie each package to a reform benchmark.",)


def test_risks_bear_on_a_line_through_its_recipient_its_force_and_its_units(assessor):
    lines = {line.id: line for line in judged(assessor).lines}
    police = lines["police-kit"]
    assert [(r.finding.rule_id, r.about) for r in police.risks] == [
        ("L-01", "line"),
        ("C-02", "recipient"),
        ("L-02", "line"),
    ]
    reform = lines["moi-reform"]
    assert [(r.finding.rule_id, r.about, r.answered_by) for r in reform.risks] == [
        ("C-02", "unit", (1,))
    ]
    # A unit gate on one of the recipient's units binds the line to exclude it, not bar it.
    assert [(g.finding.rule_id, g.bars) for g in reform.gates] == [("C-03", False)]
    # Vetting answers the torture by its unit Police: the withholding is replaced by it.
    assert reform.conditions == ("Exclude Special squad from the line: killings by a unit.",)
    assert reform.reasons[0] == "It must exclude Special squad: killings by a unit."


def test_a_unit_gate_on_the_recipient_bars_the_line(assessor, copy):
    edit_file(copy / "proposal.yaml", "recipient: coast", "recipient: squad")
    line = judged(assessor, copy).lines[5]
    assert line.verdict == "do not proceed"
    assert line.reasons == ("A gate bars it: Killings by a unit (Special squad).",)


def test_mitigations_say_what_they_answer_and_those_that_answer_nothing_are_flagged(assessor):
    reform = judged(assessor).lines[2]
    assert [(m.number, m.kind, m.answers, m.flag) for m in reform.mitigations] == [
        (1, "vetting", ("Torture by a unit",), ""),
        (2, "other", (), "it names no risk it addresses"),
        (3, "third_party_monitoring", (), "it names L-01, which is not a risk of this line"),
    ]


def test_mandatory_mitigations_follow_residual_risk_and_activity(assessor):
    lines = {line.id: line for line in judged(assessor).lines}
    # High residual risk: vetting and end-use monitoring; equipment, so both are asked.
    assert lines["army-vehicles"].missing_mandatory == ("vetting", "end_use_monitoring")
    assert lines["army-vehicles"].approval == "Director"
    # Moderate residual risk asks end-use monitoring of equipment only: not of training.
    assert lines["army-training"].missing_mandatory == ()


def test_review_dates_come_more_often_for_riskier_lines(assessor):
    lines = {line.id: line for line in judged(assessor).lines}
    # Proposal of 2020-03; moderate: every 6 months until the end of FY2021 (September 2021).
    assert lines["army-training"].reviews == ("2020-09", "2021-03", "2021-09")
    # High: every 3 months until September 2021.
    assert lines["army-vehicles"].reviews == (
        "2020-06",
        "2020-09",
        "2020-12",
        "2021-03",
        "2021-06",
        "2021-09",
    )


def test_the_country_part_is_the_country_assessment_unchanged(assessor):
    result = judged(assessor)
    alone = assessor.assess(FIXTURE / "profile.yaml", "tests/fixtures/proposals/profile.yaml")
    assert result.country.findings == alone.findings
    assert result.country.gates == alone.gates
    assert result.country.overall == alone.overall
    assert result.country.score == alone.score


def test_accepted_findings_stay_visible_marked_accepted(assessor):
    result = judged(assessor)
    guard = result.lines[3]
    (risk,) = guard.risks
    assert risk.decision is not None
    assert (risk.decision.kind, risk.decision.authority, risk.decision.expires) == (
        "accepted_risk",
        "Head of unit",
        "2021-12",
    )
    assert [(title, d.kind) for title, _, d in result.decisions] == [
        ("A unit of a larger force", "accepted_risk")
    ]
    text = api.render_proposal(result, "md", DEFAULT_TEMPLATES)
    assert (
        "| A unit of a larger force (accepted) | this line | moderate | none | moderate |" in text
    )
    assert (
        "Accepted: A unit of a larger force, by Head of unit on 2020-02, until 2021-12: The "
        "guard's advisers report to the embassy." in text
    )


def test_an_expired_decision_is_an_error_naming_its_line(assessor, copy):
    with pytest.raises(InputError) as exc:
        judged(assessor, copy, on="2022-01")
    assert problems(exc, copy) == [
        "decision.yaml:10:5: the acceptance of the risk of L-02 expired on 2021-12, before "
        "2022-01, the date it is checked on — renew it with a new expiry date and approval, or "
        "remove it"
    ]
    # The same date inside the month it lapses is still in force.
    assert judged(assessor, copy, on="2021-12-31").lines[3].verdict == "proceed"


def test_every_problem_of_a_decision_record_is_reported_at_once(assessor, copy):
    (copy / "decision.yaml").write_text(
        """schema_version: 1
proposal: proposal.yaml
decisions:
  - finding: C-09
    kind: accepted_risk
    justification: Gone.
    authority: Head of unit
    approved: 2020-01
    expires: 2021-01
  - finding: C-01
    kind: waiver
    justification: Not a gate.
    authority: Head of units
    approved: 2020-01
    expires: 2021-01
  - finding: C-03
    unit: squad
    kind: accepted_risk
    justification: A gate.
    authority: Minister
    approved: 2020-01
    expires: 2020-02
  - finding: L-02
    line: guard-advise
    kind: accepted_risk
    justification: A typo.
    authority: Director
    approved: 2020-01
    expires: 2021-01
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        judged(assessor, copy)
    assert problems(exc, copy) == [
        "decision.yaml:4:5: C-09 is not a finding of this assessment — did you mean 'C-04'?",
        "decision.yaml:11:5: C-01 is a risk, not a gate: there is nothing to waive — record it "
        "as accepted_risk",
        "decision.yaml:13:5: 'Head of units' is not an approval level of approvals.yaml — did "
        "you mean 'Head of unit'?",
        "decision.yaml:18:5: C-03 is a gate: a bar cannot be accepted as a risk — record a "
        "waiver, under the authority the law gives, or drop the line",
        "decision.yaml:22:5: the acceptance of the risk of C-03 expired on 2020-02, before "
        "2020-03, the date it is checked on — renew it with a new expiry date and approval, or "
        "remove it",
        "decision.yaml:24:5: the proposal has no line 'guard-advise' — did you mean "
        "'guard-advice'?",
    ]


def test_a_waived_gate_no_longer_bars_the_line(assessor, copy):
    edit_file(copy / "proposal.yaml", "recipient: coast", "recipient: squad")
    (copy / "decision.yaml").write_text(
        """schema_version: 1
proposal: proposal.yaml
decisions:
  - finding: C-03
    unit: squad
    kind: waiver
    justification: Extraordinary circumstances, certified.
    authority: Minister
    approved: 2020-02
    expires: 2020-12
""",
        encoding="utf-8",
    )
    line = judged(assessor, copy).lines[5]
    assert [(g.finding.rule_id, g.bars, g.decision is not None) for g in line.gates] == [
        ("C-03", True, True)
    ]
    # What is left is the squad's own risk as a unit of the interior forces.
    assert line.verdict == "proceed with conditions"
    assert line.reasons == (
        "1 risk bears on it: 1 is not answered. Residual risk moderate, set by A unit of a "
        "larger force.",
    )


def test_an_acceptance_by_a_junior_authority_must_be_confirmed(assessor, copy):
    edit_file(copy / "decision.yaml", "authority: Head of unit", "authority: Desk officer")
    (risk,) = judged(assessor, copy).lines[3].risks
    assert risk.decision is not None and risk.confirm_by == "Head of unit"


def test_a_decision_record_of_another_proposal_is_refused(assessor, copy):
    edit_file(copy / "decision.yaml", "proposal: proposal.yaml", "proposal: profile.yaml")
    with pytest.raises(InputError) as exc:
        judged(assessor, copy)
    assert problems(exc, copy) == [
        "decision.yaml:2:1: this decision record is for profile.yaml, not for proposal.yaml — "
        "give the decision record of this proposal, or correct 'proposal:'"
    ]


def test_proposal_problems_are_reported_in_one_pass(assessor, copy):
    edit_file(copy / "proposal.yaml", "    recipient: police\n", "    recipient: polise\n")
    edit_file(copy / "proposal.yaml", "to_fy: 2022", "to_fy: 2019")
    edit_file(copy / "proposal.yaml", "id: coast-advice", "id: guard-advice")
    edit_file(copy / "proposal.yaml", "addresses: [C-01]", "addresses: [C-1]")
    with pytest.raises(InputError) as exc:
        judged(assessor, copy, decision=False)
    assert problems(exc, copy) == [
        "proposal.yaml:23:5: 'polise' is not an institution of profile.yaml — did you mean "
        "'police'?",
        "proposal.yaml:33:5: the line ends in FY2019, before it starts in FY2020 — give the "
        "last fiscal year in to_fy, at or after from_fy",
        "proposal.yaml:54:5: line id 'guard-advice' is also used by line 4 — give each line "
        "its own id",
    ]
    # Mitigations are checked against the rule set once the proposal itself is valid.
    edit_file(copy / "proposal.yaml", "    recipient: polise\n", "    recipient: police\n")
    edit_file(copy / "proposal.yaml", "to_fy: 2019", "to_fy: 2022")
    edit_file(
        copy / "proposal.yaml",
        "id: guard-advice\n    title: Advisers for the coast",
        "id: coast-advice\n    title: Advisers for the coast",
    )
    with pytest.raises(InputError) as exc:
        judged(assessor, copy, decision=False)
    assert problems(exc, copy) == [
        f"proposal.yaml:18:87: 'C-1' is not a rule of {api.display_path(RULES)} — did you mean "
        "'C-01'?"
    ]


def test_equipment_and_training_lines_say_which(assessor, copy):
    edit_file(copy / "proposal.yaml", "    equipment: vehicles\n", "")
    edit_file(
        copy / "proposal.yaml",
        "activity: advisory\n    recipient: coast",
        "activity: advisory\n    training: officer\n    recipient: coast",
    )
    with pytest.raises(InputError) as exc:
        judged(assessor, copy, decision=False)
    assert problems(exc, copy) == [
        "proposal.yaml:46:5: line 'army-vehicles' is equipment but does not say which — add "
        "'equipment:' (see the schema for its values)",
        "proposal.yaml:56:5: 'training:' is given for a line whose activity is advisory — "
        "remove it, or make the activity training",
    ]


def test_verdict_watch_lists_changes_that_worsen_a_verdict(assessor):
    result = api.assess_proposal(
        FIXTURE / "proposal.yaml", FIXTURE / "decision.yaml", assessor=assessor
    )
    watched = {w.label: w for w in result.watch}
    coast = watched["Coast guard: political role"]
    assert (coast.now, coast.then, coast.raises) == (
        "not recorded",
        "rising",
        "line 6 would go from proceed to redesign",
    )
    assert coast.rules == ("C-01",)


def test_tunisia_profile_proposal_needs_approvals(tmp_path, rules_copy):
    (rules_copy / "approvals.yaml").unlink()
    (rules_copy / "proposal_lines.yaml").unlink()
    proposal = tmp_path / "p.yaml"
    proposal.write_text(
        f"""schema_version: 1
id: p
title: P
profile: {TUNISIA_2020}
lines:
  - {{id: a, activity: advisory, recipient: armed_forces, amount_usd: 1,
     from_fy: 2021, to_fy: 2021}}
""",
        encoding="utf-8",
    )
    assessor = api.load_assessor(rules_copy, DEFAULT_TEMPLATES)
    with pytest.raises(InputError) as exc:
        api.assess_proposal(proposal, assessor=assessor, watch=False)
    (problem,) = exc.value.problems
    assert problem.message == "this rule set has no approvals table, which proposals are judged by"


def test_a_line_that_must_exclude_a_unit_proceeds_only_with_conditions(assessor, copy):
    edit_file(copy / "profile.yaml", "    - {unit: police, kind: torture, credible: true}\n", "")
    reform = judged(assessor, copy, decision=False).lines[2]
    assert reform.risks == ()
    assert reform.verdict == "proceed with conditions"
    assert reform.reasons == ("It must exclude Special squad: killings by a unit.",)


def test_a_junior_acceptance_does_not_count_until_confirmed(assessor, copy):
    edit_file(copy / "decision.yaml", "authority: Head of unit", "authority: Desk officer")
    guard = judged(assessor, copy).lines[3]
    assert guard.verdict == "proceed with conditions"
    assert guard.reasons == (
        "1 risk bears on it: 1 is not answered. Residual risk moderate, set by A unit of a "
        "larger force.",
    )


DECISION_HEAD = "schema_version: 1\nproposal: proposal.yaml\ndecisions:\n"


def entry(**fields: str) -> str:
    base = {
        "kind": "accepted_risk",
        "justification": "Because.",
        "authority": "Director",
        "approved": "2020-02",
        "expires": "2021-12",
    }
    lines = [
        f"    {k}: {v}"
        for k, v in {**fields, **{k: v for k, v in base.items() if k not in fields}}.items()
    ]
    return "  - " + "\n".join(lines)[4:] + "\n"


def test_decision_record_mistakes_name_the_fix(assessor, copy):
    (copy / "decision.yaml").write_text(
        DECISION_HEAD
        + entry(finding="C-03", unit="squad", kind="waiver")
        + entry(finding="C-01", unit="armee")
        + entry(finding="C-01", line="army-training")
        + entry(finding="l-02", line="guard-advice")
        + entry(finding="C-04", approved="2020-05")
        + entry(finding="C-04"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        judged(assessor, copy)
    assert problems(exc, copy) == [
        "decision.yaml:8:5: a gate may be waived only by Minister or above (approvals.yaml "
        "waiver_authority), not by Director — have the waiver approved by Minister, or drop the "
        "line",
        "decision.yaml:12:5: 'armee' is not an institution of profile.yaml — did you mean 'army'?",
        "decision.yaml:18:5: C-01 is a finding about the country, not about a line — name its "
        "unit with 'unit: army'",
        "decision.yaml:25:5: 'l-02' is written in lower case — write the rule id as rules list "
        "shows it: 'L-02'",
        "decision.yaml:33:5: the acceptance of the risk of C-04 was approved on 2020-05, after "
        "2020-03, the date it is checked on — check the record on 2020-05 or later (--on, or "
        "the record's as_of)",
        "decision.yaml:38:5: C-04 is decided twice (also entry 5) — keep one entry per finding, "
        "unit and line",
    ]


def test_the_record_date_is_the_date_its_entries_are_checked_on(assessor, copy):
    edit_file(
        copy / "decision.yaml", "proposal: proposal.yaml", "proposal: proposal.yaml\nas_of: 2022-01"
    )
    with pytest.raises(InputError) as exc:
        judged(assessor, copy)
    assert [p.message for p in exc.value.problems] == [
        "the acceptance of the risk of L-02 expired on 2021-12, before 2022-01, the date it is "
        "checked on"
    ]
    assert judged(assessor, copy, on="2021-06").checked_on == "2021-06"


def test_a_mitigation_naming_a_rule_in_lower_case_is_told_how_to_write_it(assessor, copy):
    edit_file(copy / "proposal.yaml", "addresses: [C-01]", "addresses: [c-01]")
    with pytest.raises(InputError) as exc:
        judged(assessor, copy, decision=False)
    assert problems(exc, copy) == [
        f"proposal.yaml:18:87: 'c-01' is not a rule of {api.display_path(RULES)} — write the "
        "rule id as rules list shows it: 'C-01'"
    ]
