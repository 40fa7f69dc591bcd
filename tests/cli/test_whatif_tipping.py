"""`ssa-risk whatif` and `ssa-risk tipping` as an analyst runs them on Tunisia 2020.

Checked by hand against rules/civil_military.yaml: support for military rule is 47. CMR-02
needs at least 40 (and an elevated military), CMR-08 and CMR-09 at least 30. At 30, CMR-02
stops firing and CMR-09 still fires (30 is at least 30; its evidence changes); at 29 both stop.
"""

from __future__ import annotations

import json

from tests.helpers import TUNISIA_2020

SUPPORT = "civil_military.support_for_military_rule_pct"


def test_whatif_prints_the_diff_against_the_profile_as_written(run_in_checkout):
    result = run_in_checkout("whatif", "profiles/tunisia/2020.yaml", "--set", f"{SUPPORT}=30")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "# What changed: Tunisia\n\n"
        "Before: profiles/tunisia/2020.yaml (2020-07). After: profiles/tunisia/2020.yaml with "
        f"--set {SUPPORT}=30 (2020-07).\n\n"
        "Overall rating unchanged: high risk — conditions required (score 61 → 57).\n\n"
        "| Lens | Before | After |\n"
        "| --- | --- | --- |\n"
        "| Civil-military relations and coup risk | high (54) | moderate (38) |\n\n"
        "## Findings removed (1)\n\n"
        "### CMR-02: Public support for military rule alongside an elevated military\n\n"
        "Was: high. Cause: **profile changed**.\n\n"
        f"- {SUPPORT}: 47 → 30 (--set 1)\n\n"
        "## Findings changed (1)\n\n"
        "### CMR-09: Structural: substantial public support for military rule\n\n"
        "Severity: moderate. Cause: **profile changed**.\n\n"
        f"- {SUPPORT}: 47 → 30 (--set 1)\n\n"
        "38 findings unchanged.\n"
    )


def test_whatif_json_below_thirty_stops_cmr_02_and_cmr_09(run_in_checkout):
    result = run_in_checkout(
        "whatif", "profiles/tunisia/2020.yaml", "--set", f"{SUPPORT}=29", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["after"] == f"profiles/tunisia/2020.yaml with --set {SUPPORT}=29"
    assert [(c["status"], c["rule_id"]) for c in data["changes"]] == [
        ("removed", "CMR-02"),
        ("removed", "CMR-09"),
    ]
    assert data["changes"][1]["causes"] == [
        {"kind": "profile changed", "details": [f"{SUPPORT}: 47 → 29 (--set 1)"]}
    ]
    assert data["profile_changes"] == [f"{SUPPORT}: 47 → 29 (--set 1)"]
    assert [(c["lens"], c["before"], c["after"]) for c in data["lens_changes"]] == [
        ("civil_military", "high", "moderate")
    ]


def test_whatif_with_two_edits_names_each_as_a_cause(run_in_checkout):
    result = run_in_checkout(
        "whatif",
        "profiles/tunisia/2020.yaml",
        "--set",
        f"{SUPPORT}=29",
        "--set",
        "institutions[id=armed_forces].political_role=stable",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["profile_changes"] == [
        f"{SUPPORT}: 47 → 29 (--set 1)",
        "institutions[armed_forces].political_role: rising → stable (--set 2)",
    ]


def test_whatif_bad_edits_exit_2_with_every_problem_and_no_output(run_in_checkout, tmp_path):
    out = tmp_path / "diff.md"
    result = run_in_checkout(
        "whatif",
        "profiles/tunisia/2020.yaml",
        "--set",
        f"{SUPPORT}=abc",
        "--set",
        "institutions[id=armed_forces].politcal_role=stable",
        "-o",
        str(out),
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"--set 1 ({SUPPORT}=abc): expected a number, got text ('abc') — write a number\n"
        "--set 2 (institutions[id=armed_forces].politcal_role=stable): unknown field "
        "'politcal_role' in institutions[0] — did you mean 'political_role'?\n"
    )
    assert not out.exists()


def test_whatif_needs_a_set(run_in_checkout):
    result = run_in_checkout("whatif", "profiles/tunisia/2020.yaml")
    assert result.exit_code == 2
    assert "Missing option '--set'" in result.stderr


def test_tipping_lists_the_nearest_threshold_first_and_writes_json(run_in_checkout, tmp_path):
    result = run_in_checkout("tipping", str(TUNISIA_2020), "--lens", "civil_military")
    assert result.exit_code == 0, result.stderr
    assert (
        "## Towards a better rating (" in result.stdout
        and "1. `civil_military.support_for_military_rule_pct=39`\n"
        "   - Civil-military relations: support for military rule (%): 47 → 39; 47 now, "
        "threshold 40 (CMR-02 tests at least 40): 7 above it; 39 (8 lower) crosses it "
        "(rules CMR-02)\n"
        "   - flips Civil-military relations and coup risk: high → moderate (score 54 → 38)\n"
        "   - stops firing: CMR-02\n"
    ) in result.stdout
    out = tmp_path / "tipping.json"
    result = run_in_checkout(
        "tipping", str(TUNISIA_2020), "--lens", "civil_military", "--format", "json", "-o", str(out)
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["lens"] == "civil_military"
    first = data["better"][0]
    assert first["changes"][0]["set"] == f"{SUPPORT}=39"
    assert first["flips"] == [
        {
            "lens": "civil_military",
            "title": "Civil-military relations and coup risk",
            "before": "high",
            "after": "moderate",
            "score_before": 54.0,
            "score_after": 38.0,
            "direction": "better",
        }
    ]


def test_tipping_refuses_an_unknown_lens_and_three_changes(run_in_checkout):
    result = run_in_checkout("tipping", str(TUNISIA_2020), "--lens", "civil_militray")
    assert result.exit_code == 2
    assert (
        result.stderr == "--lens: unknown lens 'civil_militray' — did you mean 'civil_military'?\n"
    )
    result = run_in_checkout("tipping", str(TUNISIA_2020), "--max-changes", "3")
    assert result.exit_code == 2
    assert "--max-changes" in result.stderr
