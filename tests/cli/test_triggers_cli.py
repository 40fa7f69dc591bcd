"""`ssa-risk triggers BEFORE AFTER`: the report, its JSON, exit codes, and the bundled Tunisia
snapshots in order.

Checked by reading profiles/tunisia: 2013 records no emergency powers and 2016 records them in
force since 2015; 2020 adds credible reports of torture by the internal security forces (the
earlier snapshots record only repression of dissent by them, not a gross violation); no
snapshot adds a coup (the 1987 palace coup is in all four) and only 2020 records an action plan
(signed 2017 for five years). No programme of the 2016 snapshot runs to 2016 or later (the last
ones end in FY2013), so by default no unit counts as assisted between 2016 and 2020.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import REPO_ROOT

F = "tests/fixtures/profiles/triggers"
FIXTURES = REPO_ROOT / F
TUNISIA = "profiles/tunisia"


def test_the_report_of_a_lapsed_plan_word_for_word(run_in_checkout):
    result = run_in_checkout("triggers", f"{F}/before.yaml", f"{F}/lapsed.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "# Reassessment triggers: Testland\n\n"
        f"Before: {F}/before.yaml (2020-06). After: {F}/lapsed.yaml (2021-06).\n\n"
        "1 of 4 triggers fired: an approved package of assistance to this country must be "
        "reassessed.\n\n"
        "- A coup or coup attempt: not fired.\n"
        "- A new state of emergency: not fired.\n"
        "- Credible reports of a gross violation of human rights by an assisted unit: not "
        "fired.\n"
        "- An action plan that has expired or lapsed: **fired**.\n\n"
        "Assisted units checked for gross violations (the recipients of the 2020 snapshot's "
        "programmes that run to 2020 or later), with their sub-units: Testland Army.\n\n"
        "## An action plan that has expired or lapsed\n\n"
        "The Action Plan has lapsed (active in the 2020 snapshot).\n\n"
        "Where the snapshots record it:\n\n"
        f"- assistance.frameworks[Action Plan].status: active ({F}/before.yaml:35) → lapsed "
        f"({F}/lapsed.yaml:10)\n\n"
        "What to do (approvals.yaml): Reassess the package against a renewed plan, or against "
        "the assessment without one, before committing further years.\n"
    )
    assert result.stderr == ""


def test_the_report_when_nothing_fired_word_for_word(run_in_checkout):
    result = run_in_checkout("triggers", f"{F}/before.yaml", f"{F}/quiet.yaml", "--unit", "police")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "# Reassessment triggers: Testland\n\n"
        f"Before: {F}/before.yaml (2020-06). After: {F}/quiet.yaml (2021-06).\n\n"
        "No trigger fired (4 triggers checked): nothing in the later snapshot calls for "
        "reassessing an approved package.\n\n"
        "- A coup or coup attempt: not fired.\n"
        "- A new state of emergency: not fired.\n"
        "- Credible reports of a gross violation of human rights by an assisted unit: not "
        "fired.\n"
        "- An action plan that has expired or lapsed: not fired.\n\n"
        "Assisted units checked for gross violations, as given, with their sub-units: National "
        "Police.\n"
    )


def test_json_shape(run_in_checkout):
    result = run_in_checkout(
        "triggers", f"{F}/before.yaml", f"{F}/all.yaml", "--unit", "army", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "schema_version",
        "kind",
        "country",
        "before",
        "after",
        "fired",
        "triggers",
        "assisted",
        "hits",
    ]
    assert data["schema_version"] == 1
    assert data["kind"] == "triggers"
    assert data["before"] == {"profile": f"{F}/before.yaml", "as_of": "2020-06"}
    assert data["after"] == {"profile": f"{F}/all.yaml", "as_of": "2023-03"}
    assert data["fired"] is True
    assert [(t["id"], t["fired"]) for t in data["triggers"]] == [
        ("coup", True),
        ("emergency", True),
        ("gross_violation", True),
        ("plan_expired", True),
    ]
    assert data["triggers"][0]["wording"] == "A coup or coup attempt"
    assert data["assisted"] == {"units": ["army"], "from": "given"}
    assert [h["trigger"] for h in data["hits"]] == [
        "coup",
        "emergency",
        "gross_violation",
        "plan_expired",
    ]
    emergency = data["hits"][1]
    assert emergency["wording"] == "A new state of emergency"
    assert emergency["account"].startswith("Emergency powers have been in force")
    assert emergency["evidence"][0] == {
        "path": "political_context.emergency_powers_in_force",
        "entry": False,
        "changed": True,
        "before": {"value": False, "file": f"{F}/before.yaml", "line": 23},
        "after": {"value": True, "file": f"{F}/all.yaml", "line": 16},
    }
    assert data["hits"][0]["evidence"] == [
        {
            "path": "civil_military.coups[2022, attempt]",
            "entry": True,
            "changed": True,
            "before": None,
            "after": {"value": None, "file": f"{F}/all.yaml", "line": 13},
        }
    ]


def test_the_same_inputs_give_the_same_bytes(run_in_checkout):
    args = ("triggers", f"{F}/before.yaml", f"{F}/all.yaml", "--format", "json")
    assert run_in_checkout(*args).stdout == run_in_checkout(*args).stdout


# --- exit codes -------------------------------------------------------------------------


def test_fail_on_triggered_exits_3_after_writing_the_report(run_in_checkout):
    result = run_in_checkout(
        "triggers", f"{F}/before.yaml", f"{F}/lapsed.yaml", "--fail-on", "triggered"
    )
    assert result.exit_code == 3
    assert result.stdout.startswith("# Reassessment triggers: Testland\n")
    assert result.stderr == "ssa-risk: --fail-on triggered: a reassessment trigger fired\n"


def test_fail_on_triggered_exits_0_when_nothing_fired(run_in_checkout):
    result = run_in_checkout(
        "triggers", f"{F}/before.yaml", f"{F}/quiet.yaml", "--fail-on", "triggered"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_without_fail_on_a_trigger_that_fired_exits_0(run_in_checkout):
    assert run_in_checkout("triggers", f"{F}/before.yaml", f"{F}/all.yaml").exit_code == 0


def test_an_unknown_unit_exits_2_with_a_suggestion(run_in_checkout):
    result = run_in_checkout(
        "triggers", f"{F}/before.yaml", f"{F}/all.yaml", "--unit", "polise", "--unit", "navy"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"--unit: 'navy' is not an institution of {F}/before.yaml — the institutions of "
        f"{F}/before.yaml: army, intel, police, rapid\n"
        f"--unit: 'polise' is not an institution of {F}/before.yaml — did you mean 'police'?\n"
    )


def test_the_newer_snapshot_first_exits_2_naming_both_files(run_in_checkout):
    result = run_in_checkout("triggers", f"{TUNISIA}/2016.yaml", f"{TUNISIA}/2013.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"{TUNISIA}/2016.yaml:11:1: as_of 2016-12 is not earlier than {TUNISIA}/2013.yaml's "
        f"as_of 2013-12 — give the older snapshot first: {TUNISIA}/2013.yaml before "
        f"{TUNISIA}/2016.yaml\n"
    )


def test_problems_of_both_snapshots_are_reported_in_one_pass(run_in_checkout):
    result = run_in_checkout("triggers", f"{F}/missing.yaml", f"{F}/absent.yaml")
    assert result.exit_code == 2
    assert [line.partition(":")[0] for line in result.stderr.splitlines()] == [
        f"{F}/absent.yaml",
        f"{F}/missing.yaml",
    ]


def test_output_file_and_its_format(tmp_path, run_cli):
    out = tmp_path / "triggers.json"
    before, after = FIXTURES / "before.yaml", FIXTURES / "lapsed.yaml"
    result = run_cli("triggers", str(before), str(after), "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["fired"] is True
    refused = run_cli("triggers", str(before), str(after), "-o", str(tmp_path / "t.json"))
    assert refused.exit_code == 2
    assert "-o names a .json file but --format is md" in refused.stderr


def test_a_side_at_a_git_revision(run_cli, repo):
    result = run_cli("triggers", "v1:tunisia/2013.yaml", "tunisia/2016.yaml", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["before"] == {"profile": "v1:tunisia/2013.yaml", "as_of": "2013-12"}
    assert [h["trigger"] for h in data["hits"]] == ["emergency"]
    assert data["hits"][0]["evidence"][0]["after"]["file"] == "tunisia/2016.yaml"


# --- the bundled Tunisia snapshots, in order ----------------------------------------------


def _fired(run, before: str, after: str, *units: str) -> list[tuple[str, str]]:
    args = [f"{TUNISIA}/{before}.yaml", f"{TUNISIA}/{after}.yaml", "--format", "json"]
    result = run("triggers", *args, *(a for u in units for a in ("--unit", u)))
    assert result.exit_code == 0, result.stderr
    return [(h["trigger"], h["account"]) for h in json.loads(result.stdout)["hits"]]


def test_tunisia_2010_to_2013_fires_nothing(run_in_checkout):
    assert _fired(run_in_checkout, "2010", "2013") == []


def test_tunisia_2013_to_2016_fires_the_emergency_of_2015(run_in_checkout):
    assert _fired(run_in_checkout, "2013", "2016") == [
        (
            "emergency",
            "Emergency powers have been in force since 2015 (none recorded in the 2013 snapshot).",
        )
    ]


@pytest.mark.parametrize("units", [(), ("armed_forces",)])
def test_tunisia_2016_to_2020_fires_nothing_for_the_army_or_by_default(run_in_checkout, units):
    assert _fired(run_in_checkout, "2016", "2020", *units) == []


def test_tunisia_2016_to_2020_fires_torture_by_the_assisted_internal_security_forces(
    run_in_checkout,
):
    assert _fired(run_in_checkout, "2016", "2020", "internal_security") == [
        (
            "gross_violation",
            "Credible reports of torture by Internal security forces (Ministry of Interior, incl. "
            "police, National Guard and intelligence) are recorded (not in the 2016 snapshot).",
        )
    ]


def test_tunisia_2016_to_2020_default_report_says_why_no_unit_was_checked(run_in_checkout):
    result = run_in_checkout("triggers", f"{TUNISIA}/2016.yaml", f"{TUNISIA}/2020.yaml")
    assert result.stdout.endswith(
        "No assisted unit to check for gross violations: no programme of the 2016 snapshot "
        "names a recipient and runs to 2016 or later (name the assisted units with --unit).\n"
    )


def test_tunisia_a_misspelt_unit_gets_a_suggestion(run_in_checkout):
    result = run_in_checkout(
        "triggers", f"{TUNISIA}/2016.yaml", f"{TUNISIA}/2020.yaml", "--unit", "internal_securty"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"--unit: 'internal_securty' is not an institution of {TUNISIA}/2016.yaml — did you "
        "mean 'internal_security'?\n"
    )


def test_a_proposal_names_the_assisted_units_and_its_policy_what_to_do(run_in_checkout, tmp_path):
    proposal = tmp_path / "p.yaml"
    proposal.write_text(
        f"""schema_version: 1
id: p
title: P
profile: {REPO_ROOT / "profiles" / "tunisia" / "2016.yaml"}
lines:
  - {{id: a, activity: advisory, recipient: internal_security, amount_usd: 1,
     from_fy: 2017, to_fy: 2017}}
""",
        encoding="utf-8",
    )
    result = run_in_checkout(
        "triggers",
        "profiles/tunisia/2016.yaml",
        "profiles/tunisia/2020.yaml",
        "--proposal",
        str(proposal),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["assisted"] == {"units": ["internal_security"], "from": "given"}
    fired = [t for t in data["triggers"] if t["fired"]]
    assert [(t["id"], t["then"]) for t in fired] == [
        (
            "gross_violation",
            "Suspend the lines to the unit and refer the reports for Leahy review.",
        )
    ]
