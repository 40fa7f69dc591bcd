"""Regression tests for hostile but plausible input found in review: each failed before."""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.errors import InputError
from ssa_risk.evaluation.compiler import compile_ruleset
from ssa_risk.profile.reader import check_profile
from ssa_risk.rules.loader import load_rules
from ssa_risk.rules.patterns import wildcard_pattern
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT, TUNISIA_2020


def _problems(call) -> list[str]:
    with pytest.raises(InputError) as info:
        call()
    return [str(p) for p in info.value.problems]


# --- YAML values ------------------------------------------------------------------------


def test_impossible_date_and_control_characters_are_input_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(
        'schema_version: 1\ncountry: "T\\0x"\niso3: TST\nas_of: 2020-02-30\n'
        'sources: [{id: s, title: "\\ud800"}]\n',
        encoding="utf-8",
    )
    assert [str(p) for p in check_profile(Path("p.yaml"))] == [
        "p.yaml:2:10: text contains a control character or an unpaired surrogate"
        " — remove it; only printable text, tabs and line breaks are allowed",
        "p.yaml:4:8: '2020-02-30' is not a real date — write a date that exists",
        "p.yaml:5:26: text contains a control character or an unpaired surrogate"
        " — remove it; only printable text, tabs and line breaks are allowed",
    ]


# --- snapshots --------------------------------------------------------------------------


def test_extending_snapshot_cannot_silently_drop_inherited_entries(tunisia_copy, monkeypatch):
    monkeypatch.chdir(tunisia_copy)
    path = tunisia_copy / "2016.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  - id: presidency\n",
        "  - {id: armed_forces, budget_trend: stable}\n  - id: presidency\n",
        1,
    )
    text += "  programmes:\n    - {name: New, kind: other, from_fy: 2015, to_fy: 2015}\n"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    new = lines.index("    - {name: New, kind: other, from_fy: 2015, to_fy: 2015}") + 1
    twice = lines.index("  - {id: armed_forces, budget_trend: stable}") + 1
    problems = [str(p) for p in check_profile(Path("2016.yaml"))]
    assert problems == [
        f"2016.yaml:{twice}:6: institutions[1].id: duplicate id 'armed_forces' (also entry 0)"
        " — merge the two entries into one, or give each its own id",
        f"2016.yaml:{new}:7: assistance.programmes[0]: the inherited entries have ids but this"
        " one has none, so it would replace them all — give it an 'id:' (a new one to add it,"
        " an inherited one to change it)",
    ]


def test_extending_a_file_that_is_not_a_mapping(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "2010.yaml").write_text("- a list\n", encoding="utf-8")
    (tmp_path / "2015.yaml").write_text("extends: 2010.yaml\n", encoding="utf-8")
    assert [str(p) for p in check_profile(Path("2015.yaml"))] == [
        "2010.yaml:1:1: a snapshot that others extend must be a mapping of fields"
        " — fix this file, or extend another snapshot"
    ]


# --- rule files -------------------------------------------------------------------------

EXTRA_RULES = """\
  - id: LEV-90
    title: Donor listed
    severity: low
    when:
      all:
        - fact: assistance
          as: aid
          where:
            other_donors: {contains: Donor B}
            patron: {matches: "United*"}
            relationship_status: {exists: true}
    because: Another donor is active.
    recommend: [Coordinate.]
    cite: [{ref: rand-epp}]
"""


def test_contains_matches_and_exists_work_end_to_end(rules_copy, tunisia_copy, monkeypatch):
    monkeypatch.chdir(tunisia_copy.parent)
    with (rules_copy / "leverage.yaml").open("a", encoding="utf-8") as f:
        f.write(EXTRA_RULES)
    with (tunisia_copy / "2020.yaml").open("a", encoding="utf-8") as f:
        f.write("  other_donors: [Donor A, Donor B]\n")
    assessment = Assessor.load(rules_copy, DEFAULT_TEMPLATES).assess(tunisia_copy / "2020.yaml")
    [finding] = [f for f in assessment.findings if f.rule_id == "LEV-90"]
    values = {e.path: e.value for e in finding.evidence}
    assert values["assistance.other_donors"] == ("Donor A", "Donor B")
    assert values["assistance.patron"] == "United States"


@pytest.mark.parametrize(
    ("wildcard", "pattern"),
    [("United*", "United.*"), ("a?c", "a.c"), ("(x)[1]%.", "%(x%)%[1%]%%%.")],
)
def test_matches_is_a_wildcard_with_every_special_character_escaped(wildcard, pattern):
    assert wildcard_pattern(wildcard) == pattern


def test_negation_of_a_signal_resting_on_negation_is_refused_however_deep(rules_copy):
    with (rules_copy / "assistance_design.yaml").open("a", encoding="utf-8") as f:
        f.write(
            """\
  - id: PLAN-90
    title: Second step
    conclude: no_plan_2
    when:
      all:
        - signal: no_plan
    cite: [{ref: rand-epp}]
  - id: PLAN-91
    title: First step
    conclude: no_plan
    when:
      all:
        - fact: assistance
      none:
        - fact: framework
    cite: [{ref: rand-epp}]
  - id: PLAN-92
    title: Uses the negation of the second step
    severity: low
    when:
      all:
        - fact: assistance
      none:
        - signal: no_plan_2
    because: x
    recommend: [x]
    cite: [{ref: rand-epp}]
"""
        )
    problems = _problems(lambda: compile_ruleset(load_rules(rules_copy)))
    assert len(problems) == 1
    assert problems[0].endswith(
        "rule PLAN-92: 'none' tests signal 'no_plan_2', which rests on a rule that itself has"
        " a 'none' condition — rewrite one of the two rules without 'none'"
    )


def test_missing_references_file_is_one_message(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    (rules_copy / "references.yaml").unlink()
    assert _problems(lambda: load_rules(rules_copy)) == [
        "rules/references.yaml: file not found — check the path"
    ]


# --- output -----------------------------------------------------------------------------


def test_report_path_that_is_a_folder_leaves_no_partial_set(run_cli, tmp_path):
    (tmp_path / "reports" / "tunisia-2016.md").mkdir(parents=True)
    result = run_cli("assess")
    assert result.exit_code == 2
    assert (
        result.stderr == "reports/tunisia-2016.md: is a folder, not a file — name the report file\n"
    )
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["tunisia-2016.md"]


def test_two_profiles_with_one_report_name_are_refused(run_cli, tmp_path):
    other = tmp_path / "other" / "tunisia"
    shutil.copytree(TUNISIA_2020.parent, other)
    result = run_cli("assess", str(TUNISIA_2020), str(other / "2020.yaml"))
    assert result.exit_code == 2
    assert result.stderr == (
        "reports/tunisia-2020.md: two reports of this run would be written to this same file"
        " — use -o for one profile, or give the profiles distinct folders or names\n"
    )
    assert not (tmp_path / "reports").exists()


def test_report_never_overwrites_a_yaml_file(run_cli, tunisia_copy):
    before = (tunisia_copy / "2016.yaml").read_bytes()
    result = run_cli("assess", "tunisia/2020.yaml", "-o", "tunisia/2016.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "tunisia/2016.yaml: a report would overwrite a YAML file — name a .md file\n"
    )
    assert (tunisia_copy / "2016.yaml").read_bytes() == before


def test_report_follows_umask_and_writes_through_symlinks(run_cli, tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.md").symlink_to(real)
    old_umask = os.umask(0o022)
    try:
        assert run_cli("assess", str(TUNISIA_2020), "-o", "link.md").exit_code == 0
    finally:
        os.umask(old_umask)
    assert (tmp_path / "link.md").is_symlink()
    assert real.read_text(encoding="utf-8").startswith("# Security assistance suitability")
    assert stat.S_IMODE(real.stat().st_mode) == 0o644


# --- determinism and layering -----------------------------------------------------------


def test_report_is_identical_across_processes_working_folders_and_hash_seeds(tmp_path):
    # Anywhere inside the project, paths are shown relative to the project root.
    folders = [REPO_ROOT, REPO_ROOT / "profiles" / "tunisia", REPO_ROOT / "engine" / "base"]
    outputs = []
    for i, (cwd, seed) in enumerate(zip(folders, "123", strict=True)):
        out = tmp_path / f"r{i}.md"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "cli.py"),
                "assess",
                str(TUNISIA_2020),
                "-o",
                str(out),
            ],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"(profiles/tunisia/2020.yaml:22)" in outputs[0]


def test_compiled_form_is_identical_including_order():
    import json

    first = json.dumps(compile_ruleset(load_rules(DEFAULT_RULES)).definition)
    second = json.dumps(compile_ruleset(load_rules(DEFAULT_RULES)).definition)
    assert first == second


def test_engine_never_imports_click_or_prints():
    offenders = []
    for path in sorted((REPO_ROOT / "engine").glob("**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                if any(n == "click" or n.startswith("click.") for n in names):
                    offenders.append(f"{path.name}:{node.lineno} imports click")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                offenders.append(f"{path.name}:{node.lineno} prints")
    assert offenders == []


def test_reasoning_chain_shows_the_signals_a_finding_relied_on(run_cli, tmp_path):
    assert run_cli("assess", str(TUNISIA_2020), "-o", "r.md").exit_code == 0
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "Reasoning: signal `military_elevated` → CMR-02." in report
    assert "- signal `military_elevated`" in report


def test_unreadable_template_is_an_input_error(run_cli, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    (templates / "report.md.j2").write_bytes(b"caf\xe9 {{ a.country }}")
    result = run_cli("assess", str(TUNISIA_2020), "-o", "r.md", "--templates", "templates")
    assert result.exit_code == 2
    assert result.stderr == (
        "templates/report.md.j2:1: byte 0xe9 is not valid UTF-8 — save the file as UTF-8\n"
    )


def test_report_names_the_sections_a_profile_leaves_out(run_cli, tmp_path):
    (tmp_path / "thin.yaml").write_text(
        "schema_version: 1\ncountry: Thinland\niso3: THN\nas_of: 2020-01\n"
        "sources: [{id: s, title: S}]\nthreats: [{kind: terrorism, level: low}]\n",
        encoding="utf-8",
    )
    assert run_cli("assess", "thin.yaml", "-o", "r.md").exit_code == 0
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert (
        "**Not covered by this profile:** civil_military, institutions, rivalries, reform,"
        " political_context, human_rights, assistance."
    ) in report
    tunisia = run_cli("assess", str(TUNISIA_2020), "-o", "t.md")
    assert tunisia.exit_code == 0
    assert "Not covered by this profile" not in (tmp_path / "t.md").read_text(encoding="utf-8")
