"""ssa-risk diff and impact: what changed, why, and exit codes for pipelines."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from ssa_risk.assessment.model import RuleDigest
from ssa_risk.comparison.causes import definition_changes
from ssa_risk.comparison.diff import Diff
from tests.helpers import (
    DEFAULT_PROFILES,
    DEFAULT_RULES,
    DEFAULT_TEMPLATES,
    SAME_PROFILE_V1_VS_NOW,
    TUNISIA_2020,
    commit_tagged,
    diff_json,
    edit_file,
)


def _change(diff, rule_id: str):
    [change] = [c for c in diff["changes"] if c["rule_id"] == rule_id]
    return change


def test_severity_change_is_a_rule_edit(run_cli, repo):
    edit_file(
        repo / "rules/human_rights.yaml",
        "  - id: HR-08\n    title: Assisted institution with a"
        " poor human-rights record\n    severity: high",
        "  - id: HR-08\n    title: Assisted"
        " institution with a poor human-rights record\n    severity: moderate",
    )
    change = _change(diff_json(run_cli), "HR-08")
    assert (change["status"], change["severity_before"], change["severity_after"]) == (
        "changed",
        "high",
        "moderate",
    )
    assert change["causes"] == [{"kind": "rule edited", "details": ["severity: high → moderate"]}]


def test_condition_change_is_a_rule_edit_naming_the_key(run_cli, repo):
    edit_file(
        repo / "rules/civil_military.yaml",
        "support_for_military_rule_pct: {gte: 40}",
        "support_for_military_rule_pct: {gte: 50}",
    )
    diff = diff_json(run_cli)
    change = _change(diff, "CMR-02")
    assert change["status"] == "removed"
    assert change["causes"] == [
        {
            "kind": "rule edited",
            "details": ["when.all[0].where.support_for_military_rule_pct.gte: 40 → 50"],
        }
    ]
    # CMR-04 keeps civil-military risk up; without CMR-02 its score falls a band.
    assert [(c["lens"], c["before"], c["after"]) for c in diff["lens_changes"]] == [
        ("civil_military", "high", "moderate")
    ]


def test_new_rule(run_cli, repo):
    path = repo / "rules/leverage.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: LEV-M1")
    path.write_text(
        text[:start]
        + """\
  - id: LEV-08
    title: An established partnership
    severity: low
    when:
      all:
        - fact: assistance
          where: {relationship_status: established}
    because: The partnership is established.
    recommend: [Review it.]
    cite: [{ref: sam2020}]
""",
        encoding="utf-8",
    )  # LEV-08 added (LEV-M1, cut off with it, does not fire for 2020 either way)
    diff = diff_json(run_cli)
    assert _change(diff, "LEV-08")["causes"] == [
        {
            "kind": "rule added",
            "details": ["LEV-08 is new in this rule set"],
        }
    ]
    assert _change(diff, "LEV-08")["status"] == "added"


def test_removed_rule(run_cli, repo):
    path = repo / "rules/assistance_design.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: PLAN-M2")
    path.write_text(text[:start], encoding="utf-8")
    diff = diff_json(run_cli)
    change = _change(diff, "PLAN-M2")
    assert change["status"] == "removed"
    assert change["causes"] == [
        {
            "kind": "rule removed",
            "details": ["PLAN-M2 is not in this rule set"],
        }
    ]
    # PLAN-M2 was a mitigation: without it the planning lens keeps one mitigation (PLAN-M1).
    assert diff["lens_changes"] == []


def test_profile_value_change_names_field_values_and_line(run_cli, repo):
    shutil.copy(repo / "tunisia/2020.yaml", repo / "tunisia/2020b.yaml")
    edit_file(
        repo / "tunisia/2020b.yaml",
        "support_for_military_rule_pct: 47",
        "support_for_military_rule_pct: 35",
    )
    result = run_cli("diff", "tunisia/2020.yaml", "tunisia/2020b.yaml", "--format", "json")
    assert result.exit_code == 0, result.stderr
    change = _change(json.loads(result.stdout), "CMR-02")
    assert change["status"] == "removed"
    assert change["causes"] == [
        {
            "kind": "profile changed",
            "details": [
                "civil_military.support_for_military_rule_pct: 47 → 35 (tunisia/2020b.yaml:22)"
            ],
        }
    ]


def test_wording_only_change(run_cli, repo):
    edit_file(
        repo / "rules/civil_military.yaml",
        "supports military\n      rule, and the armed",
        "backs military\n      rule, and the armed",
    )
    change = _change(diff_json(run_cli), "CMR-02")
    assert change["status"] == "changed"
    [cause] = change["causes"]
    assert cause["kind"] == "wording only"
    assert cause["details"][0].startswith("because: ")


def test_markdown_diff_counts_unchanged_findings_and_is_deterministic(run_cli, repo):
    edit_file(
        repo / "rules/civil_military.yaml",
        "support_for_military_rule_pct: {gte: 40}",
        "support_for_military_rule_pct: {gte: 50}",
    )
    args = SAME_PROFILE_V1_VS_NOW
    first, second = run_cli(*args), run_cli(*args)
    assert first.stdout == second.stdout
    text = first.stdout
    assert text.startswith("# What changed: Tunisia\n\nBefore: tunisia/2020.yaml under v1:rules")
    assert "## Findings removed (1)\n\n### CMR-02: Public support for military rule" in text
    assert "- when.all[0].where.support_for_military_rule_pct.gte: 40 → 50\n" in text
    assert text.endswith("39 findings unchanged.\n")


def test_diff_of_saved_assessments(run_cli, repo):
    assert run_cli("assess", "tunisia/2016.yaml", "--format", "json", "-o", "a.json").exit_code == 0
    assert run_cli("assess", "tunisia/2020.yaml", "--format", "json", "-o", "b.json").exit_code == 0
    result = run_cli("diff", "a.json", "b.json", "--format", "json")
    diff = json.loads(result.stdout)
    assert diff["overall"] == ["high risk — conditions required", "high risk — conditions required"]
    assert diff["overall_score"] == [35.0, 61.0]
    markdown = run_cli("diff", "a.json", "b.json").stdout.splitlines()
    assert markdown[4] == (
        "Overall rating unchanged: high risk — conditions required (score 35 → 61)."
    )
    html = run_cli("diff", "a.json", "b.json", "--format", "html").stdout.splitlines()
    assert (
        '<p class="overall">Overall rating unchanged: high risk — conditions required '
        "(score 35 → 61).</p>"
    ) in html
    assert {
        "lens": "human_rights",
        "title": "Human rights and repression",
        "before": "high",
        "after": "critical",
        "worse": True,
        "score_before": 41.0,
        "score_after": 100.0,
    } in diff["lens_changes"]
    assert _change(diff, "CMR-02")["causes"][0]["details"] == [
        "civil_military.support_for_military_rule_pct: (absent) → 47 (tunisia/2020.yaml:22)"
    ]


@pytest.mark.parametrize(("fail_on", "code"), [("any", 3), ("new-high", 3), ("rating-worse", 0)])
def test_fail_on_exit_codes(run_cli, repo, fail_on, code):
    # GOV-04 goes from moderate to high: a new high finding. Its lens is already rated high,
    # so no rating gets worse.
    edit_file(
        repo / "rules/governance_reform.yaml",
        "    title: Corruption in the security sector\n    severity: moderate",
        "    title: Corruption in the security sector\n    severity: high",
    )
    result = run_cli(*SAME_PROFILE_V1_VS_NOW, "--fail-on", fail_on)
    assert result.exit_code == code
    expected = f"ssa-risk: --fail-on {fail_on}: the change crosses this line\n" if code else ""
    assert result.stderr == expected


def test_fail_on_passes_when_nothing_changed(run_cli, repo):
    result = run_cli(*SAME_PROFILE_V1_VS_NOW, "--fail-on", "any")
    assert result.exit_code == 0
    assert "\nOverall rating unchanged: high risk — conditions required (score 61).\n" in (
        result.stdout
    )
    assert result.stdout.endswith("40 findings unchanged.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--rules-before", "nosuchtag"],
            "--rules-before: 'nosuchtag' is neither a folder nor a git revision — name a rules"
            " folder that exists, or a commit, branch or tag (see 'git log')\n",
        ),
        (
            ["--rules-before", "v1:nowhere"],
            "v1:nowhere: 'nowhere' is not a folder in revision v1"
            " — name the rules folder as it was in that revision, e.g. REV:rules\n",
        ),
    ],
    ids=["unknown-revision", "path-not-in-revision"],
)
def test_bad_revisions(run_cli, repo, args, message):
    result = run_cli("diff", "tunisia/2020.yaml", "tunisia/2020.yaml", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_json_that_is_not_an_assessment_or_of_another_version(run_cli, repo):
    (repo / "x.json").write_text('{"hello": 1}', encoding="utf-8")
    result = run_cli("diff", "x.json", "tunisia/2020.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "x.json: is not an assessment written by ssa-risk — pass a profile, or a file from"
        " 'ssa-risk assess --format json'\n"
    )
    (repo / "y.json").write_text('{"kind": "assessment", "schema_version": 9}', encoding="utf-8")
    result = run_cli("diff", "y.json", "tunisia/2020.yaml")
    assert result.stderr == (
        "y.json: is an assessment of schema_version 9; this version of ssa-risk reads"
        " schema_version 2 or 3 — re-run 'ssa-risk assess --format json' with this version"
        " of ssa-risk, or compare with the version that writes schema_version 9\n"
    )


def test_two_countries_cannot_be_compared(run_cli, repo):
    shutil.copy(repo / "tunisia/2010.yaml", repo / "other.yaml")
    edit_file(repo / "other.yaml", "country: Tunisia\niso3: TUN", "country: Morocco\niso3: MAR")
    result = run_cli("diff", "tunisia/2010.yaml", "other.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "other.yaml: assesses Morocco, but tunisia/2010.yaml assesses Tunisia"
        " — compare two assessments of the same country\n"
    )


def test_impact_lists_flips_per_profile(run_cli, repo):
    edit_file(
        repo / "rules/civil_military.yaml",
        "support_for_military_rule_pct: {gte: 40}",
        "support_for_military_rule_pct: {gte: 50}",
    )
    result = run_cli(
        "impact",
        "--before",
        "v1:rules",
        "--after",
        "rules",
        *(f"tunisia/{y}.yaml" for y in ("2010", "2013", "2016", "2020")),
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2] == "Before: v1:rules. After: rules. 4 profiles."
    assert lines[4:10] == [
        "| Profile | Before | After | Score | Added | Removed | Changed |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        "| tunisia/2010.yaml | suitable with safeguards | suitable with safeguards"
        " | 43 | 0 | 0 | 0 |",
        "| tunisia/2013.yaml | high risk — conditions required | high risk — conditions required"
        " | 61 | 0 | 0 | 0 |",
        "| tunisia/2016.yaml | high risk — conditions required | high risk — conditions required"
        " | 35 | 0 | 0 | 0 |",
        "| tunisia/2020.yaml | high risk — conditions required | high risk — conditions required"
        " | 61 → 57 | 0 | 1 | 0 |",
    ]
    assert "- overall: high risk — conditions required, unchanged (score 61 → 57)" in lines
    data = json.loads(
        run_cli(
            "impact", "--before", "v1:rules", "--after", "rules", "tunisia/2020.yaml",
            "--format", "json",
        ).stdout
    )  # fmt: skip
    assert [(p["profile"], p["diff"]["overall_score"]) for p in data["profiles"]] == [
        ("tunisia/2020.yaml", [61.0, 57.0])
    ]
    assert (
        "- removed: CMR-02 Public support for military rule alongside an elevated military;"
        " cause: rule edited"
    ) in lines
    fail = run_cli(
        "impact",
        "--before",
        "v1:rules",
        "--after",
        "rules",
        "tunisia/2020.yaml",
        "--fail-on",
        "any",
    )
    assert fail.exit_code == 3


def test_malformed_json_names_the_line(run_cli, repo):
    (repo / "bad.json").write_text('{\n  "kind": "assessment",\n  oops\n}\n', encoding="utf-8")
    result = run_cli("diff", "bad.json", "tunisia/2020.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "bad.json:3:3: not valid JSON (Expecting property name enclosed in double quotes)"
        " — pass an assessment written by 'ssa-risk assess --format json'\n"
    )


def test_editing_a_rule_that_concludes_a_signal_is_named_as_the_cause(run_cli, repo):
    path = repo / "rules/civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "political_role: {in: [rising, dominant]}", "political_role: {in: [dominant]}", 1
        ),
        encoding="utf-8",
    )
    changes = {c["rule_id"]: c for c in diff_json(run_cli)["changes"]}
    assert changes["CMR-02"]["causes"] == [
        {
            "kind": "rule edited",
            "details": [
                "CMR-01 (concludes signal military_elevated): when.all[0].where.political_role.in:"
                ' ["rising", "dominant"] → ["dominant"]'
            ],
        }
    ]


def test_overall_flip_from_a_scoring_change_counts_as_a_change(run_cli, repo):
    path = repo / "rules/scoring.yaml"
    text = path.read_text(encoding="utf-8")
    old = "minimum_assessed_lenses: 4"
    assert old in text
    path.write_text(text.replace(old, "minimum_assessed_lenses: 9"))
    args = ["impact", "--before", "v1:rules", "--after", "rules", "tunisia/2013.yaml"]
    result = run_cli(*args, "--fail-on", "any")
    assert result.exit_code == 3
    assert (
        "- overall: high risk — conditions required → insufficient evidence to assess"
        " (score 61; the scoring table (scoring.yaml) changed)"
    ) in result.stdout.splitlines()
    assert "No profile's findings or ratings change." not in result.stdout


def test_incomplete_assessment_json_is_an_input_error(run_cli, repo):
    assert run_cli("assess", "tunisia/2020.yaml", "--format", "json", "-o", "a.json").exit_code == 0
    data = json.loads((repo / "a.json").read_text(encoding="utf-8"))
    del data["facts"]
    (repo / "b.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("diff", "a.json", "b.json")
    assert result.exit_code == 2
    assert result.stderr == (
        "b.json:1:1: (top level): missing required field 'facts' — add 'facts:'\n"
    )


def test_a_signal_tested_as_a_fact_names_the_rule_that_concludes_it(run_cli, tmp_path, monkeypatch):
    # CMR-02 written with `fact: signal` and a name test, at v1 and now: editing CMR-01, which
    # concludes the signal, is still named as the cause.
    root = tmp_path / "written"
    shutil.copytree(DEFAULT_RULES, root / "rules")
    shutil.copytree(DEFAULT_PROFILES / "tunisia", root / "tunisia")
    edit_file(
        root / "rules/civil_military.yaml",
        "{gte: 40}\n        - signal: military_elevated\n",
        "{gte: 40}\n        - fact: signal\n          where: {name: military_elevated}\n",
    )
    commit_tagged(root)
    edit_file(
        root / "rules/civil_military.yaml",
        "political_role: {in: [rising, dominant]}",
        "political_role: {in: [dominant]}",
    )
    monkeypatch.chdir(root)
    changes = {c["rule_id"]: c for c in diff_json(run_cli)["changes"]}
    assert changes["CMR-02"]["causes"] == [
        {
            "kind": "rule edited",
            "details": [
                "CMR-01 (concludes signal military_elevated): when.all[0].where.political_role.in:"
                ' ["rising", "dominant"] → ["dominant"]'
            ],
        }
    ]


def test_an_overall_score_not_assessed_on_both_sides_is_said_once():
    same = Diff("X", "a", "b", ("2020", "2020"), ("r", "r"), (None, None), False, (), (), 0)
    assert (same.score_text, same.any_change) == ("score not assessed", False)
    one = replace(same, overall_score=(None, 40.5))
    assert (one.score_text, one.any_change) == ("score not assessed → 41", True)
    close = replace(same, overall_score=(60.8, 61.1))  # both shown as 61: no change
    assert (close.score_text, close.any_change) == ("score 61", False)


def _digest(recommend: list[object]) -> RuleDigest:
    return RuleDigest("R-1", "", "", json.dumps({"severity": "high", "recommend": recommend}))


def test_a_changed_recommendation_shows_its_text_and_tags():
    before = _digest(
        ["Vet every unit.", {"do": "Fund the committee.", "by": "agency", "stance": "engage"}]
    )
    after = _digest(
        [
            {"do": "Vet every unit.", "by": "agency", "stance": "condition"},
            {"do": "Fund the committees.", "by": "agency", "stance": "engage"},
            {"do": "Track the index.", "by": "programme", "stance": "monitor"},
        ]
    )
    # Plain text and its mapping with the default tags are the same recommendation.
    assert definition_changes(before, after) == [
        "recommend[1]: [agency, engage] Fund the committee. → [agency, engage] Fund the"
        " committees.",
        "recommend[2]: (absent) → [programme, monitor] Track the index.",
    ]
    retagged = _digest(
        [
            {"do": "Vet every unit.", "by": "agency", "stance": "withhold"},
            {"do": "Fund the committee.", "by": "programme", "stance": "engage"},
        ]
    )
    assert definition_changes(before, retagged) == [
        'recommend[0] "Vet every unit.": [agency, condition] → [agency, withhold]',
        'recommend[1] "Fund the committee.": [agency, engage] → [programme, engage]',
    ]


def test_impact_works_a_profile_out_once_for_both_rule_sets(monkeypatch):
    # The facts and values of one profile are the same under any rule set: impact reads the
    # profile once, works its facts out once and gives both assessments one copy of its
    # values, so the comparison names them once and finds no change in the profile.
    import ssa_risk.comparison.impact as impact_module
    from ssa_risk.assessment import assessor as assessor_module
    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.comparison.impact import ImpactOne
    from ssa_risk.profile.facts import profile_facts as real

    calls = []

    def counted(profile):
        calls.append(profile.path)
        return real(profile)

    def never(profile):
        raise AssertionError("the assessor worked the facts out again")

    monkeypatch.setattr(impact_module, "profile_facts", counted)
    monkeypatch.setattr(assessor_module, "profile_facts", never)
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    row, problems = ImpactOne(assessor, assessor, ("a", "b"))((TUNISIA_2020, "t.yaml"))
    assert problems == ()
    assert row is not None
    assert calls == ["t.yaml"]
    assert row.diff.changes == ()
    assert not row.diff.any_change
