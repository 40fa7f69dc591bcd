"""`ssa-risk proposal`, `new-proposal` and `explain --proposal` as an assessor runs them."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, TUNISIA_2020, edit_file

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "proposals"
RULES = str(FIXTURE / "rules")
SUMMARY = (
    "redesign — residual risk high, approval by Director; 6 lines: 2 proceed, "
    "2 proceed with conditions, 1 redesign, 1 do not proceed"
)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for name in ("proposal.yaml", "profile.yaml", "decision.yaml"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    return tmp_path


def test_proposal_writes_its_report_and_sums_it_up(run_cli, work):
    result = run_cli("proposal", "proposal.yaml", "--decision", "decision.yaml", "--rules", RULES)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"reports/proposal-proposal.md: {SUMMARY}\n"
    text = (work / "reports" / "proposal-proposal.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith(("# ", "## "))]
    assert headings[:8] == [
        "# Proposal assessment: A package for Testland",
        "## Recommendation",
        "## The lines",
        "## Conditions for the whole package",
        "## Accepted risks and waivers",
        "## Monitoring plan",
        "## Approval levels",
        "# Country assessment: Testland (2020-01)",
    ]
    assert "**Redesign.** Residual risk high: approval by Director." in text
    assert (
        "| 2. Rifles for the police | Police | $3.0 million | FY2020 | critical → critical | "
        "do not proceed | Minister |" in text
    )
    assert "### Line 2: Rifles for the police — do not proceed" in text
    assert "- Line 1: every 6 months, first 2020-09, last 2021-09 (3 reviews)." in text
    assert "- A coup or coup attempt: Suspend and reassess." in text
    assert (
        "- Coast guard: political role: now not recorded; if rising, line 6 would go from "
        "proceed to redesign." in text
    )


def test_fail_on_stops_a_pipeline_at_the_verdict_it_names(run_cli, work):
    args = ("proposal", "proposal.yaml", "--decision", "decision.yaml", "--rules", RULES)
    failed = run_cli(*args, "--no-watch", "--fail-on", "redesign")
    assert failed.exit_code == 3
    assert failed.stderr == "ssa-risk: --fail-on redesign: the proposal's verdict is redesign\n"
    assert run_cli(*args, "--no-watch", "--fail-on", "do-not-proceed").exit_code == 0


def test_an_expired_waiver_fails_with_its_file_and_line_and_writes_nothing(run_cli, work):
    result = run_cli(
        "proposal",
        "proposal.yaml",
        "--decision",
        "decision.yaml",
        "--rules",
        RULES,
        "--on",
        "2022-01",
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "decision.yaml:10:5: the acceptance of the risk of L-02 expired on 2021-12, before "
        "2022-01, the date it is checked on — renew it with a new expiry date and approval, "
        "or remove it\n"
    )
    assert not (work / "reports").exists()


def test_on_must_be_a_date_or_today(run_cli, work):
    result = run_cli("proposal", "proposal.yaml", "--rules", RULES, "--on", "2022-13")
    assert result.exit_code == 2
    assert result.stderr == (
        "--on: '2022-13' is not a month, a date or 'today' — write it as YYYY-MM or "
        "YYYY-MM-DD, e.g. --on 2021-03, or --on today\n"
    )
    today = run_cli(
        "proposal",
        "proposal.yaml",
        "--decision",
        "decision.yaml",
        "--rules",
        RULES,
        "--on",
        "today",
        "--no-watch",
    )
    # The record's entries expired in 2021: checked on today's date, they are errors.
    assert today.exit_code == 2
    assert "expired on 2021-12" in today.stderr


def test_json_holds_every_line_and_the_monitoring_plan(run_cli, work):
    result = run_cli(
        "proposal",
        "proposal.yaml",
        "--decision",
        "decision.yaml",
        "--rules",
        RULES,
        "--format",
        "json",
        "--no-watch",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads((work / "reports" / "proposal-proposal.json").read_text(encoding="utf-8"))
    assert (data["schema_version"], data["kind"]) == (1, "proposal")
    assert data["recommendation"] == {
        "verdict": "redesign",
        "reasons": data["recommendation"]["reasons"],
        "residual": "high",
        "approval": "Director",
    }
    assert [(line["id"], line["verdict"]) for line in data["lines"]] == [
        ("army-training", "proceed with conditions"),
        ("police-kit", "do not proceed"),
        ("moi-reform", "proceed with conditions"),
        ("guard-advice", "proceed"),
        ("army-vehicles", "redesign"),
        ("coast-advice", "proceed"),
    ]
    guard = data["lines"][3]["risks"][0]
    assert guard["accepted"]["authority"] == "Head of unit"
    assert data["monitoring"]["reviews"][0] == {
        "line": 1,
        "every_months": 6,
        "dates": ["2020-09", "2021-03", "2021-09"],
    }
    assert [t["id"] for t in data["monitoring"]["triggers"]] == ["coup", "gross_violation"]
    assert data["country"]["kind"] == "assessment"


def test_html_report_has_the_proposal_then_the_country(run_cli, work):
    result = run_cli(
        "proposal",
        "proposal.yaml",
        "--rules",
        RULES,
        "--format",
        "html",
        "--no-watch",
        "-o",
        "out.html",
    )
    assert result.exit_code == 0, result.stderr
    html = (work / "out.html").read_text(encoding="utf-8")
    ids = ["recommendation", "lines", "monitoring", "approval-levels", "country-assessment"]
    positions = [html.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    assert html.index('id="country-assessment"') < html.index('id="key-judgements"')


def test_output_named_for_another_format_is_refused(run_cli, work):
    result = run_cli("proposal", "proposal.yaml", "--rules", RULES, "-o", "out.html")
    assert result.exit_code == 2
    assert result.stderr == (
        "out.html: -o names a .html file but --format is md — give --format html, or name a "
        ".md file\n"
    )


def test_new_proposal_writes_a_proposal_that_assesses_as_written(run_cli, tmp_path):
    shutil.copytree(REPO_ROOT / "profiles" / "tunisia", tmp_path / "tunisia")
    result = run_cli("new-proposal", "tunisia/2020.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "wrote proposals/tunisia-2020.yaml; assess it with: ssa-risk proposal "
        "proposals/tunisia-2020.yaml\n"
    )
    text = (tmp_path / "proposals" / "tunisia-2020.yaml").read_text(encoding="utf-8")
    assert "profile: ../tunisia/2020.yaml" in text
    assert "  #   national_guard: National Guard (Ministry of Interior)" in text
    again = run_cli("new-proposal", "tunisia/2020.yaml")
    assert again.exit_code == 2
    assert again.stderr == (
        "proposals/tunisia-2020.yaml: already exists — choose another -o, or remove the file "
        "first\n"
    )
    judged = run_cli("proposal", "proposals/tunisia-2020.yaml", "--no-watch")
    assert judged.exit_code == 0, judged.stderr
    assert judged.stdout.startswith("reports/proposal-tunisia-2020.md: ")


def test_a_mistyped_recipient_names_the_line_and_the_fix(run_cli, work):
    edit_file(work / "proposal.yaml", "    recipient: coast\n", "    recipient: coats\n")
    result = run_cli("proposal", "proposal.yaml", "--rules", RULES)
    assert result.exit_code == 2
    assert result.stderr == (
        "proposal.yaml:57:5: 'coats' is not an institution of profile.yaml — did you mean "
        "'coast'?\n"
    )


def test_explain_with_a_proposal_shows_the_line_rules(run_cli, work):
    result = run_cli("explain", "--proposal", "proposal.yaml", "--rules", RULES, "--rule", "L-02")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("L-02 fired: A unit of a larger force\nMatched:\n")
    assert "proposal.yaml:" in result.stdout
    listed = run_cli("explain", "--proposal", "proposal.yaml", "--rules", RULES)
    assert "  L-01     Lethal equipment" in listed.stdout
    alone = run_cli("explain", "profile.yaml", "--rules", RULES)
    assert "L-01" not in alone.stdout


def test_explain_needs_a_profile_or_a_proposal(run_cli):
    result = run_cli("explain")
    assert result.exit_code == 2
    assert result.stderr == (
        "explain: no profile given — name a profile, or give --proposal FILE\n"
    )


def test_explain_refuses_a_profile_the_proposal_does_not_rest_on(run_cli, work):
    result = run_cli("explain", str(TUNISIA_2020), "--proposal", "proposal.yaml", "--rules", RULES)
    assert result.exit_code == 2
    assert "proposal.yaml rests on profile.yaml, not on this profile" in result.stderr


def test_validate_checks_a_proposal_and_a_decision_record_as_what_they_are(run_cli, work):
    result = run_cli("validate", "proposal.yaml", "decision.yaml", "profile.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("proposal.yaml: valid\ndecision.yaml: valid\nprofile.yaml: valid\n")
    edit_file(work / "decision.yaml", "line: guard-advice", "line: 7")
    broken = run_cli("validate", "decision.yaml")
    assert broken.exit_code == 2
    assert broken.stdout == (
        "decision.yaml:5:5: decisions[0].line: expected text, got a number (7) — write text\n"
        "1 problem in 1 of 1 file\n"
    )


def test_files_of_the_wrong_kind_are_named_as_what_they_are(run_cli, work):
    as_proposal = run_cli("proposal", "decision.yaml", "--rules", RULES)
    assert as_proposal.exit_code == 2
    assert as_proposal.stderr == (
        "decision.yaml:1:1: is a decision record, not a proposal — give it to 'ssa-risk "
        "proposal PROPOSAL' with --decision\n"
    )
    as_profile = run_cli("new-proposal", "proposal.yaml")
    assert as_profile.exit_code == 2
    assert as_profile.stderr == (
        "proposal.yaml: is a proposal, not a profile — judge it with 'ssa-risk proposal FILE'\n"
    )


def test_a_line_rule_is_explained_only_with_a_proposal(run_cli, work):
    result = run_cli("explain", "profile.yaml", "--rules", RULES, "--rule", "l-01")
    assert result.exit_code == 2
    assert result.stderr == (
        "L-01 judges the lines of a proposal, and a profile has none — add --proposal FILE\n"
    )


def test_new_proposal_writes_yaml_only(run_cli, work):
    result = run_cli("new-proposal", "profile.yaml", "-o", "p.txt")
    assert result.exit_code == 2
    assert result.stderr == "p.txt: a proposal is a .yaml file — name a .yaml file with -o\n"
    assert not (work / "p.txt").exists()


def test_validate_reads_each_file_once(monkeypatch):
    # Telling a proposal from a profile and then checking it used to read the file twice,
    # and the summary a third time.
    from ssa_risk import api
    from ssa_risk.base import source

    reads: Counter[str] = Counter()
    real = source.read_text

    def counting(path: Path, label: str | None = None) -> str:
        reads[str(path.resolve().relative_to(REPO_ROOT.resolve()))] += 1
        return real(path, label)

    monkeypatch.setattr(source, "read_text", counting)
    proposal = REPO_ROOT / "proposals" / "tunisia-2020.yaml"
    validation = api.validate([TUNISIA_2020, proposal])
    assert [problems for _, problems in validation.results] == [[], []]
    assert validation.noun == "file"  # a proposal is among them
    assert reads["proposals/tunisia-2020.yaml"] == 1
    # The profile once for itself, once as the profile the proposal names.
    assert reads["profiles/tunisia/2020.yaml"] == 2
    assert api.validate([TUNISIA_2020]).noun == "profile"
