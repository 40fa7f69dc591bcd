"""ssa-risk diff: sides at a git revision, every cause of a change, list entries by identity,
and rating order taken from the scoring table rather than the bands' names."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.helpers import (
    DEFAULT_PROFILES,
    DEFAULT_RULES,
    SAME_PROFILE_V1_VS_NOW,
    commit_tagged,
    edit_file,
)


def _json(result: Result) -> Any:
    assert result.exit_code in (0, 3), result.stderr
    return json.loads(result.stdout)


def _change(diff, rule_id: str, subject: str | None = None):
    [change] = [
        c
        for c in diff["changes"]
        if c["rule_id"] == rule_id and (subject is None or c["subject"] == subject)
    ]
    return change


def test_a_profile_value_and_a_rule_threshold_both_reported(run_cli, repo):
    edit_file(
        repo / "rules/civil_military.yaml",
        "support_for_military_rule_pct: {gte: 40}",
        "support_for_military_rule_pct: {gte: 30}",
    )
    edit_file(
        repo / "tunisia/2020.yaml",
        "support_for_military_rule_pct: 47",
        "support_for_military_rule_pct: 35",
    )
    diff = _json(
        run_cli(
            "diff", "v1:tunisia/2020.yaml", "tunisia/2020.yaml",
            "--rules-before", "v1:rules", "--rules-after", "rules", "--format", "json",
        )
    )  # fmt: skip
    change = _change(diff, "CMR-02")
    assert change["status"] == "changed"  # 35 passes the new threshold of 30
    assert change["causes"] == [
        {
            "kind": "rule edited",
            "details": ["when.all[0].where.support_for_military_rule_pct.gte: 40 → 30"],
        },
        {
            "kind": "profile changed",
            "details": [
                "civil_military.support_for_military_rule_pct: 47 → 35 (tunisia/2020.yaml:22)"
            ],
        },
    ]
    assert diff["rule_changes"] == [
        {
            "rule_id": "CMR-02",
            "change": "edited",
            "details": ["when.all[0].where.support_for_military_rule_pct.gte: 40 → 30"],
        }
    ]
    assert diff["notes"] == [
        "the rules changed: CMR-02 edited"
        " (when.all[0].where.support_for_military_rule_pct.gte: 40 → 30)"
    ]


def test_both_causes_in_markdown(run_cli, repo):
    edit_file(
        repo / "rules/civil_military.yaml",
        "support_for_military_rule_pct: {gte: 40}",
        "support_for_military_rule_pct: {gte: 30}",
    )
    edit_file(
        repo / "tunisia/2020.yaml",
        "support_for_military_rule_pct: 47",
        "support_for_military_rule_pct: 35",
    )
    result = run_cli(
        "diff", "v1:tunisia/2020.yaml", "tunisia/2020.yaml",
        "--rules-before", "v1:rules", "--rules-after", "rules",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        "Before: v1:tunisia/2020.yaml under v1:rules (2020-07)."
        " After: tunisia/2020.yaml under rules (2020-07).\n"
    ) in result.stdout
    assert (
        "Also changed: the rules changed: CMR-02 edited"
        " (when.all[0].where.support_for_military_rule_pct.gte: 40 → 30).\n"
    ) in result.stdout
    assert (
        "### CMR-02: Public support for military rule alongside an elevated military\n\n"
        "Severity: high. Cause: **rule edited and profile changed**.\n\n"
        "- when.all[0].where.support_for_military_rule_pct.gte: 40 → 30\n"
        "- civil_military.support_for_military_rule_pct: 47 → 35 (tunisia/2020.yaml:22)\n"
    ) in result.stdout


def test_removing_one_list_entry_is_one_removal(run_cli, repo):
    path = repo / "tunisia/2020.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    - unit: internal_security\n      kind: torture")
    end = text.index("    - unit: police ")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    diff = _json(run_cli("diff", "v1:tunisia/2020.yaml", "tunisia/2020.yaml", "--format", "json"))
    removal = "human_rights.abuses[internal_security, torture]: removed (v1:tunisia/2020.yaml:106)"
    assert diff["profile_changes"] == [removal]
    assert [(c["status"], c["rule_id"], c["subject"]) for c in diff["changes"]] == [
        ("removed", "HR-01", "internal_security: torture"),
        ("removed", "HR-09", "internal_security"),
    ]
    for change in diff["changes"]:
        assert change["causes"] == [{"kind": "profile changed", "details": [removal]}]
    # The entries after it moved up one place, and nothing else about them changed.
    assert diff["unchanged"] == 38


def test_rev_path_reads_the_snapshots_it_extends_at_that_revision(run_cli, repo):
    edit_file(
        repo / "tunisia/2016.yaml",
        "current_coercive_centre: shared",
        "current_coercive_centre: presidency",
    )
    diff = _json(run_cli("diff", "HEAD:tunisia/2020.yaml", "tunisia/2020.yaml", "--format", "json"))
    assert diff["before"].startswith("HEAD:tunisia/2020.yaml under ")
    assert diff["profile_changes"] == [
        "civil_military.current_coercive_centre: shared → presidency (tunisia/2016.yaml:20)"
    ]
    same = _json(
        run_cli("diff", "HEAD:tunisia/2020.yaml", "HEAD:tunisia/2020.yaml", "--format", "json")
    )
    assert same["changes"] == [] and same["profile_changes"] == []


def test_rev_path_names_values_by_revision(run_cli, repo):
    edit_file(repo / "tunisia/2016.yaml", "status: stalled", "status: progressing")
    diff = _json(run_cli("diff", "HEAD:tunisia/2016.yaml", "tunisia/2016.yaml", "--format", "json"))
    assert diff["profile_changes"] == [
        "reform.status: stalled → progressing (tunisia/2016.yaml:37)"
    ]
    reverse = _json(
        run_cli("diff", "tunisia/2016.yaml", "HEAD:tunisia/2016.yaml", "--format", "json")
    )
    assert reverse["profile_changes"] == [
        "reform.status: progressing → stalled (HEAD:tunisia/2016.yaml:37)"
    ]


def test_saved_json_at_a_revision(run_cli, repo):
    assert run_cli("assess", "tunisia/2020.yaml", "--format", "json", "-o", "a.json").exit_code == 0
    env = ["-c", "user.name=T", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "add", "a.json"], check=True, capture_output=True)
    subprocess.run(["git", *env, "commit", "-qm", "saved"], check=True, capture_output=True)
    result = run_cli("diff", "HEAD:a.json", "tunisia/2020.yaml", "--fail-on", "any")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "# What changed: Tunisia\n\nBefore: HEAD:a.json (2020-07). After: tunisia/2020.yaml"
    )
    assert result.stdout.endswith("\n40 findings unchanged.\n")


@pytest.mark.parametrize(
    ("before", "message"),
    [
        (
            "nosuch:tunisia/2020.yaml",
            "nosuch:tunisia/2020.yaml: unknown git revision 'nosuch'"
            " — use a commit, branch or tag that exists (see 'git log')\n",
        ),
        (
            "v1:tunisia/2099.yaml",
            "v1:tunisia/2099.yaml: 'tunisia/2099.yaml' is not a file in revision v1"
            " — name the profile as it was in that revision"
            " (see 'git ls-tree -r --name-only v1')\n",
        ),
        (
            "v1:tunisia",
            "v1:tunisia: 'tunisia' is not a file in revision v1"
            " — name the profile as it was in that revision"
            " (see 'git ls-tree -r --name-only v1')\n",
        ),
        (
            "v1:nothing.json",
            "v1:nothing.json: 'nothing.json' is not a file in revision v1"
            " — name the file as it was in that revision (see 'git ls-tree -r --name-only v1')\n",
        ),
    ],
    ids=["unknown-revision", "missing-file", "a-folder", "missing-json"],
)
def test_bad_revision_sides_are_one_line(run_cli, repo, before, message):
    result = run_cli("diff", before, "tunisia/2020.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message


def test_a_saved_assessment_and_a_fresh_one_of_the_same_inputs_are_the_same(run_cli, repo):
    assert run_cli("assess", "tunisia/2020.yaml", "--format", "json", "-o", "a.json").exit_code == 0
    result = run_cli("diff", "a.json", "tunisia/2020.yaml", "--fail-on", "any")
    assert result.exit_code == 0, result.stdout
    assert "Also changed" not in result.stdout
    assert result.stdout.endswith("No lens rating changed.\n\n40 findings unchanged.\n")


_BANDS = {
    "not suitable at this time": "Stop",
    "high risk — conditions required": "Proceed only under conditions",
    "suitable with safeguards": "Acceptable with care",
    "suitable": "Go",
}


def test_rating_worse_follows_the_scoring_table_not_band_names(run_cli, tmp_path):
    renamed = tmp_path / "renamed"
    shutil.copytree(DEFAULT_RULES, renamed)
    scoring = renamed / "scoring.yaml"
    text = scoring.read_text(encoding="utf-8")
    for old, new in _BANDS.items():
        text = text.replace(f"  - rating: {old}\n", f"  - rating: {new}\n")
    scoring.write_text(text, encoding="utf-8")
    for path in renamed.glob("*.yaml"):  # no rule file names a band
        rules_text = path.read_text(encoding="utf-8")
        assert not any(f": {name}\n" in rules_text for name in _BANDS), path
    # A laxer table: a high overall score or a critical lens no longer calls for conditions.
    # Lens ratings are the same.
    lax = tmp_path / "lax"
    shutil.copytree(renamed, lax)
    edit_file(lax / "scoring.yaml", "when: {score_at_least: 45}", "when: {score_at_least: 95}")
    edit_file(
        lax / "scoring.yaml",
        "when: {lenses_at_least: critical}",
        "when: {lenses_at_least: critical, count_at_least: 20}",
    )
    profile = str(DEFAULT_PROFILES / "tunisia/2013.yaml")

    def diff(before: Path, after: Path) -> Result:
        result: Result = run_cli(
            "diff", profile, profile, "--rules-before", str(before), "--rules-after", str(after),
            "--fail-on", "rating-worse",
        )  # fmt: skip
        return result

    better = diff(renamed, lax)
    assert better.exit_code == 0, better.stderr
    assert (
        "**Overall rating: Proceed only under conditions → Acceptable with care (score 61).**"
    ) in (better.stdout)
    assert "No lens rating changed." in better.stdout
    worse = diff(lax, renamed)
    assert worse.exit_code == 3
    assert (
        "**Overall rating: Acceptable with care → Proceed only under conditions (score 61).**"
    ) in (worse.stdout)
    assert worse.stderr == "ssa-risk: --fail-on rating-worse: the change crosses this line\n"


def test_ratings_that_no_scoring_table_orders_count_as_worse(run_cli, tmp_path):
    renamed = tmp_path / "renamed"
    shutil.copytree(DEFAULT_RULES, renamed)
    for when in ("{score_at_least: 45}", "{lenses_at_least: critical}"):
        edit_file(
            renamed / "scoring.yaml",
            f"  - rating: high risk — conditions required\n    when: {when}",
            f"  - rating: Proceed only under conditions\n    when: {when}",
        )
    profile = str(DEFAULT_PROFILES / "tunisia/2020.yaml")
    result = run_cli(
        "diff", profile, profile, "--rules-after", str(renamed), "--fail-on", "rating-worse",
    )  # fmt: skip
    assert result.exit_code == 3
    assert (
        "Also changed: the scoring table (scoring.yaml) changed; 'Proceed only under conditions'"
        " is not a band of the earlier scoring table, nor 'high risk — conditions required' of"
        " the later one, so which is worse is not known (--fail-on rating-worse counts it as"
        " worse).\n"
    ) in result.stdout


def test_rev_path_outside_a_repository(run_cli):
    profile = str(DEFAULT_PROFILES / "tunisia/2020.yaml")
    result = run_cli("diff", "HEAD:tunisia/2020.yaml", profile)
    assert result.exit_code == 2
    assert result.stderr == (
        "HEAD:tunisia/2020.yaml: is not a profile, and this is not inside a git repository"
        " — name a profile that exists, or run inside the project's repository\n"
    )


def test_a_plain_path_is_the_working_copy_whatever_revision_the_rules_come_from(run_cli, repo):
    edit_file(
        repo / "tunisia/2020.yaml",
        "support_for_military_rule_pct: 47",
        "support_for_military_rule_pct: 35",
    )
    diff = _json(
        run_cli(
            "diff", "tunisia/2020.yaml", "tunisia/2020.yaml",
            "--rules-before", "v1:rules", "--rules-after", "rules", "--format", "json",
        )
    )  # fmt: skip
    assert diff["changes"] == [] and diff["profile_changes"] == []
    assert diff["hints"] == [
        "tunisia/2020.yaml is the working copy, which differs from v1"
        " (write v1:tunisia/2020.yaml to compare it as it was at v1)"
    ]
    assert diff["notes"] == []  # the working copy is no change between the two sides
    for form, note in [
        ("md", "\n\nNote: tunisia/2020.yaml is the working copy, which differs from v1"),
        ("html", "<p>Note: tunisia/2020.yaml is the working copy, which differs from v1"),
    ]:
        shown = run_cli(
            "diff", "tunisia/2020.yaml", "tunisia/2020.yaml",
            "--rules-before", "v1:rules", "--rules-after", "rules", "--format", form,
        )  # fmt: skip
        assert shown.exit_code == 0, shown.stderr
        assert note + " (write v1:tunisia/2020.yaml to compare it as it was at v1).\n" in (
            shown.stdout.replace("</p>", "\n")
        )
        assert "Also changed" not in shown.stdout
    as_it_was = _json(
        run_cli(
            "diff", "v1:tunisia/2020.yaml", "tunisia/2020.yaml",
            "--rules-before", "v1:rules", "--rules-after", "rules", "--format", "json",
        )
    )  # fmt: skip
    assert as_it_was["hints"] == []
    # 35% is below CMR-02's 40% and still above CMR-09's 30%, whose narrative names the figure.
    assert [c["rule_id"] for c in as_it_was["changes"]] == ["CMR-02", "CMR-09"]


def test_no_note_when_the_working_copy_is_as_it_was(run_cli, repo):
    result = run_cli(*SAME_PROFILE_V1_VS_NOW, "--format", "json")
    assert json.loads(result.stdout)["hints"] == []


def test_a_bare_revision_names_the_project_rules_folder_at_that_revision(
    run_cli, tmp_path, monkeypatch
):
    # A project in a sub-folder of its repository, with its rules in policy/: `--before v1`
    # means v1:team/policy, not a `rules` folder at the top of the repository.
    team = tmp_path / "repo" / "team"
    shutil.copytree(DEFAULT_RULES, team / "policy")
    shutil.copytree(DEFAULT_PROFILES / "tunisia", team / "tunisia")
    (team / "ssa-risk.toml").write_text('rules = "policy"\n', encoding="utf-8")
    commit_tagged(team.parent)
    edit_file(
        team / "policy" / "civil_military.yaml",
        "support_for_military_rule_pct: {gte: 40}",
        "support_for_military_rule_pct: {gte: 30}",
    )
    monkeypatch.chdir(team)
    result = run_cli("impact", "tunisia/2020.yaml", "--before", "v1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    impact = json.loads(result.stdout)
    assert impact["before"] == "v1:team/policy"
    assert [(c["rule_id"], c["change"]) for c in impact["rule_changes"]] == [("CMR-02", "edited")]


def test_mistyped_rules_folder_is_named_as_written(run_cli, repo):
    # In a project inside the repository a bare word is tried as a revision of its rules folder
    # (v1 → v1:rules); one that is no revision is reported as the user wrote it.
    (repo / "ssa-risk.toml").write_text('rules = "rules"\n', encoding="utf-8")
    result = run_cli("impact", "tunisia", "--before", "rulez")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "--before: 'rulez' is neither a folder nor a git revision — did you mean 'rules'?\n"
    )
    result = run_cli("impact", "tunisia", "--before", "v1")
    assert result.exit_code == 0, result.stderr
    assert "v1:rules" in result.stdout


def _commit_all(root: Path) -> None:
    commit_tagged(root)


def test_rev_path_of_a_profile_at_the_top_of_the_repository(run_cli, tmp_path, monkeypatch):
    root = tmp_path / "snapshots"
    shutil.copytree(DEFAULT_PROFILES / "tunisia", root)
    _commit_all(root)
    monkeypatch.chdir(root)
    diff = _json(run_cli("diff", "HEAD:2016.yaml", "HEAD:2020.yaml", "--format", "json"))
    assert diff["before"].startswith("HEAD:2016.yaml under ")
    assert diff["after"].startswith("HEAD:2020.yaml under ")
    assert diff["as_of"] == ["2016-12", "2020-07"]


def test_dot_slash_is_relative_to_the_working_folder_as_in_git(run_cli, repo, monkeypatch):
    edit_file(repo / "tunisia/2016.yaml", "status: stalled", "status: progressing")
    monkeypatch.chdir(repo / "tunisia")
    diff = _json(run_cli("diff", "HEAD:./2016.yaml", "2016.yaml", "--format", "json"))
    assert diff["before"].startswith("HEAD:tunisia/2016.yaml under ")
    assert diff["profile_changes"] == ["reform.status: stalled → progressing (2016.yaml:37)"]
    rules = _json(
        run_cli(
            "diff", "2016.yaml", "2016.yaml", "--rules-before", "v1:../rules",
            "--rules-after", "../rules", "--format", "json",
        )
    )  # fmt: skip
    assert rules["before"] == "2016.yaml under v1:rules"


@pytest.mark.parametrize(
    ("before", "message"),
    [
        (
            "HEAD:./2099.yaml",
            "HEAD:./2099.yaml: 'tunisia/2099.yaml' is not a file in revision HEAD"
            " — name the profile as it was in that revision"
            " (see 'git ls-tree -r --name-only HEAD')\n",
        ),
        (
            "HEAD:../../x.yaml",
            "HEAD:../../x.yaml: '../../x.yaml' leads outside the repository"
            " — name a path inside it, from its top (e.g. REV:profiles/x/2020.yaml)"
            " or from here with ./\n",
        ),
    ],
    ids=["missing", "outside"],
)
def test_dot_slash_mistakes_are_one_line(run_cli, repo, monkeypatch, before, message):
    monkeypatch.chdir(repo / "tunisia")
    result = run_cli("diff", before, "2020.yaml")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


_NO_BARE = "names a revision, but the rules in use are"


@pytest.mark.parametrize(
    ("toml", "args", "message"),
    [
        (
            None,
            ["impact", "tunisia", "--before", "HEAD"],
            f"--before: 'HEAD' {_NO_BARE} the bundled ones, outside this repository"
            " — write --before HEAD:rules --after rules,"
            " or add an ssa-risk.toml naming your rules folder\n",
        ),
        (
            None,
            ["diff", "tunisia/2020.yaml", "tunisia/2020.yaml", "--rules-before", "v1"],
            f"--rules-before: 'v1' {_NO_BARE} the bundled ones, outside this repository"
            " — write --rules-before v1:rules --rules-after rules,"
            " or add an ssa-risk.toml naming your rules folder\n",
        ),
        (
            'profiles = "tunisia"\n',
            ["impact", "tunisia", "--after", "v1", "--before", "rules"],
            f"--after: 'v1' {_NO_BARE} the bundled ones, outside this repository"
            " — write --after v1:rules --before rules,"
            ' or name your rules folder in ssa-risk.toml (e.g. rules = "rules")\n',
        ),
        (
            'rules = "../elsewhere"\n',
            ["impact", "tunisia", "--before", "v1"],
            f"--before: 'v1' {_NO_BARE} those ssa-risk.toml names, outside this repository"
            " — write --before v1:rules --after rules,"
            " or name a rules folder inside the repository in ssa-risk.toml\n",
        ),
    ],
    ids=["impact-bundled", "diff-bundled", "project-file-without-rules", "rules-elsewhere"],
)
def test_a_bare_revision_is_refused_when_the_rules_are_outside_the_repository(
    run_cli, repo, toml, args, message
):
    # Without it, `--before HEAD` compared HEAD:rules with the bundled rules, two unrelated
    # rule sets, and reported whatever differed between them.
    if toml is not None:
        shutil.copytree(DEFAULT_RULES, repo.parent / "elsewhere")
        (repo / "ssa-risk.toml").write_text(toml, encoding="utf-8")
    result = run_cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def _notes_of_working_copy(run_cli, profile: str) -> list[str]:
    diff = _json(
        run_cli(
            "diff", profile, profile, "--rules-before", "v1:rules", "--rules-after", "rules",
            "--format", "json",
        )
    )  # fmt: skip
    notes: list[str] = diff["hints"]
    return notes


def test_the_working_copy_note_looks_only_at_the_profile_and_what_it_extends(run_cli, repo):
    # 2020.yaml extends 2016.yaml (which extends 2013 and 2010); 2016.yaml reads no 2020.yaml.
    edit_file(repo / "tunisia/2020.yaml", "status: stalled", "status: progressing")
    assert _notes_of_working_copy(run_cli, "tunisia/2016.yaml") == []
    edit_file(repo / "tunisia/2010.yaml", "country: Tunisia", "country: Tunisia  # edited")
    assert _notes_of_working_copy(run_cli, "tunisia/2016.yaml") == [
        "tunisia/2016.yaml is the working copy, which differs from v1"
        " (write v1:tunisia/2016.yaml to compare it as it was at v1)"
    ]


def test_a_bare_revision_means_the_other_sides_rules_folder_at_that_revision(run_cli, repo):
    # No ssa-risk.toml here: `--after rules` names the folder in use, so `--before v1` is
    # v1:rules (the same folder as it was), not refused.
    impact = run_cli(
        "impact", "tunisia/2020.yaml", "--before", "v1", "--after", "rules", "--format", "json"
    )
    assert impact.exit_code == 0, impact.stderr
    assert json.loads(impact.stdout)["before"] == "v1:rules"
    diff = run_cli(
        "diff", "tunisia/2020.yaml", "tunisia/2020.yaml",
        "--rules-before", "v1", "--rules-after", "rules", "--format", "json",
    )  # fmt: skip
    assert diff.exit_code == 0, diff.stderr
    assert json.loads(diff.stdout)["before"].endswith("under v1:rules")
