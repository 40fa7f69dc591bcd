"""Proposal lines to units whose record of abuse leaves out whether the reports are credible, or
whether anyone has been held to account (LN-12..LN-20 beside LN-01, LN-02 and LN-03).

Absence of evidence is not evidence: such a line gets a finding that names what is not
recorded, never a bar and never nothing (tests/fixtures/proposals/leahy).
"""

from __future__ import annotations

import pytest
import yaml

from ssa_risk import api
from tests.helpers import NOT_RECORDED, REPO_ROOT, abuse_record, write_testland

PROPOSAL = REPO_ROOT / "tests" / "fixtures" / "proposals" / "leahy" / "proposal.yaml"
RECORDED = {"LN-01", "LN-02", "LN-03"}


@pytest.fixture(scope="module")
def judged() -> api.ProposalAssessment:
    return api.assess_proposal(PROPOSAL, None, watch=False)


def _line(judged: api.ProposalAssessment, line_id: str):
    [line] = [line for line in judged.lines if line.id == line_id]
    return line


def test_each_line_gets_the_rule_for_what_its_units_record_leaves_out(judged):
    risks = {
        line.id: [(r.finding.rule_id, r.about, r.finding.severity) for r in line.risks]
        for line in judged.lines
    }
    assert risks == {
        # The police's torture: neither credibility nor remediation recorded.
        "police-advice": [("LN-13", "line", "high")],
        # The guard's force: credible disappearances, remediation not recorded; the country
        # finding about the force (HR-20) bears on the line too.
        "guard-training": [("HR-20", "parent", "high"), ("LN-17", "line", "high")],
        # The army's abuses in operations, credibility not recorded, on a line of rifles.
        "army-rifles": [("LN-18", "line", "high")],
        "coast-advice": [],
    }
    # Nothing is recorded credible and unremediated: no line is barred, and the rules that
    # read both values stay silent.
    assert all(line.gates == () for line in judged.lines)
    fired = {r.finding.rule_id for line in judged.lines for r in line.risks}
    assert not fired & RECORDED


def test_the_line_findings_name_the_unit_the_abuse_and_what_is_not_recorded(judged):
    narratives = {
        r.finding.rule_id: r.finding.narrative
        for line in judged.lines
        for r in line.risks
        if r.about == "line"
    }
    assert narratives == {
        "LN-13": (
            "Leahy review is required for National Police, which the line would assist. The"
            " profile records reports of torture by the unit, but neither whether the information"
            " is credible nor whether effective steps have been taken to bring those responsible"
            " to justice. If it is credible and no such steps have been taken, the law bars"
            " assistance to this unit; until that is determined, the bar can be neither applied"
            " nor ruled out."
        ),
        "LN-17": (
            "Leahy review is required for the unit the line would assist, which belongs to"
            " Interior Ministry forces. The profile records credible reports of"
            " enforced disappearance by the force, but not whether effective steps have been"
            " taken to bring those responsible to justice. Unless they have, the law bars"
            " assistance to the units that committed the violation; until that is determined and"
            " those units are identified, the recipient must be vetted before anything is"
            " delivered."
        ),
        "LN-18": (
            "The line gives weapons and munitions to its recipient. The profile records reports"
            " of abuse by the recipient or by the force it belongs to, and that no one has been"
            " held to account for them, but not whether the reports are credible. If they are,"
            " lethal means in the hands of a force that has not answered for its abuses risk"
            " contributing to further violations."
        ),
    }


def test_an_unanswered_review_sends_the_line_back_and_vetting_answers_it(judged):
    assert [(line.id, line.inherent, line.residual, line.verdict) for line in judged.lines] == [
        ("police-advice", "high", "high", "redesign"),
        # Vetting named against LN-17 and HR-20 takes each one step down.
        ("guard-training", "high", "moderate", "proceed with conditions"),
        ("army-rifles", "high", "high", "redesign"),
        ("coast-advice", "low", "low", "proceed"),
    ]
    assert _line(judged, "police-advice").reasons == (
        "No proposed mitigation answers this risk: Leahy review required for a line to a unit"
        " with reports of gross violations; neither their credibility nor their remediation is"
        " recorded (high).",
    )
    assert _line(judged, "police-advice").conditions == (
        "Add vetting: mandatory at this residual risk and not proposed.",
        "Complete the Leahy vetting determination for this unit (whether the information is"
        " credible, and whether those responsible have been brought to justice) before"
        " assistance to it continues.",
    )
    assert _line(judged, "army-rifles").reasons == (
        "No proposed mitigation answers this risk: Weapons or armed platforms for a unit with a"
        " record of abuse whose credibility is not recorded (high).",
    )
    assert judged.verdict == "redesign"


# (credible, remediated) -> the line rule that reads a gross violation (torture) by the
# recipient itself, by the force the recipient belongs to, and an abuse of any kind by the
# recipient on a line of rifles. A value recorded the way that lifts the concern
# (credible: false, remediated: true) gives none, recorded or not the other.
EXPECTED = {
    (True, False): ("LN-01", "LN-02", "LN-03"),
    (NOT_RECORDED, False): ("LN-12", "LN-15", "LN-18"),
    (NOT_RECORDED, NOT_RECORDED): ("LN-13", "LN-16", "LN-19"),
    (True, NOT_RECORDED): ("LN-14", "LN-17", "LN-20"),
    (False, False): (None, None, None),
    (False, NOT_RECORDED): (None, None, None),
    (False, True): (None, None, None),
    (True, True): (None, None, None),
    (NOT_RECORDED, True): (None, None, None),
}
ABUSE_RULES = {f"LN-{n:02d}" for n in (1, 2, 3, *range(12, 21))}
SHAPES = ("own", "force", "lethal")


def _line_rules(tmp_path, shape: str, credible, remediated) -> set[str]:
    unit = "moi" if shape == "force" else "guard"
    kind = "abuses_in_operations" if shape == "lethal" else "torture"
    institutions: list[dict[str, object]] = [
        {"id": "moi", "name": "Interior forces", "kind": "interior_forces"},
        {"id": "guard", "name": "Guard", "kind": "interior_forces", "parent": "moi"},
    ]
    abuse = abuse_record(unit, kind, credible, remediated)
    write_testland(tmp_path / "profile.yaml", institutions, [abuse])
    line = {"id": "l1", "title": "A line", "recipient": "guard", "amount_usd": 1_000_000}
    line |= {"from_fy": 2021, "to_fy": 2021}
    if shape == "lethal":
        line |= {"activity": "equipment", "equipment": "weapons_and_munitions"}
    else:
        line |= {"activity": "advisory"}
    proposal = {
        "schema_version": 1,
        "id": "p",
        "title": "A package",
        "profile": "profile.yaml",
        "as_of": "2020-08",
        "sponsor": "The desk",
        "lines": [line],
    }
    (tmp_path / "proposal.yaml").write_text(yaml.safe_dump(proposal), encoding="utf-8")
    [judged_line] = api.assess_proposal(tmp_path / "proposal.yaml", None, watch=False).lines
    found = {r.finding.rule_id for r in judged_line.risks} | {
        g.finding.rule_id for g in judged_line.gates
    }
    return found & ABUSE_RULES


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("credible", "remediated"), sorted(EXPECTED, key=repr))
def test_each_recorded_or_missing_value_gives_exactly_one_line_rule_or_none(
    tmp_path, shape, credible, remediated
):
    wanted = EXPECTED[(credible, remediated)][SHAPES.index(shape)]
    assert _line_rules(tmp_path, shape, credible, remediated) == ({wanted} if wanted else set())


def test_a_line_to_an_assisted_unit_binds_the_vetting_determination_once(tmp_path):
    # The police already receive assistance: the country finding HR-16 bears on the line too,
    # and makes the same recommendation as LN-13, so the line lists it once.
    folder = PROPOSAL.parent
    (tmp_path / "proposal.yaml").write_bytes((folder / "proposal.yaml").read_bytes())
    profile = (folder / "profile.yaml").read_text(encoding="utf-8")
    assisted = profile.replace(
        "{id: police, name: National Police, kind: interior_forces}",
        "{id: police, name: National Police, kind: interior_forces, receives_assistance: true}",
    )
    assert assisted != profile
    (tmp_path / "profile.yaml").write_text(assisted, encoding="utf-8")
    police = _line(
        api.assess_proposal(tmp_path / "proposal.yaml", None, watch=False), "police-advice"
    )
    assert [(r.finding.rule_id, r.about) for r in police.risks] == [
        ("HR-16", "recipient"),
        ("LN-13", "line"),
    ]
    assert police.conditions == (
        "Add vetting: mandatory at this residual risk and not proposed.",
        "Complete the Leahy vetting determination for this unit (whether the information is"
        " credible, and whether those responsible have been brought to justice) before"
        " assistance to it continues.",
    )
    assert police.verdict == "redesign"
