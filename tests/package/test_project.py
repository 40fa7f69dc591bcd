"""Project discovery: ssa-risk.toml from the working folder up, and how paths are shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssa_risk.base.errors import InputError
from ssa_risk.base.paths import bundled_root, display_path, display_paths, terminal_path
from ssa_risk.base.project import bundled_project, find_project
from tests.helpers import (
    DEFAULT_PROFILES,
    DEFAULT_RULES,
    DEFAULT_TEMPLATES,
    REPO_ROOT,
    TUNISIA_2020,
    edit_file,
)


def _project(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "ssa-risk.toml").write_text(text, encoding="utf-8")
    return root


def _problems(start: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(start)
    with pytest.raises(InputError) as info:
        find_project()
    return [str(p) for p in info.value.problems]


def test_the_checkout_is_a_project_naming_its_own_folders():
    found = find_project(REPO_ROOT / "engine" / "base")
    assert found.file == REPO_ROOT / "ssa-risk.toml"
    assert (found.rules, found.profiles, found.templates) == (
        REPO_ROOT / "rules",
        REPO_ROOT / "profiles",
        REPO_ROOT / "templates",
    )


def test_the_nearest_project_file_wins_walking_up(tmp_path):
    outer = _project(tmp_path / "outer", 'rules = "r"\n')
    (outer / "r").mkdir()
    inner = _project(outer / "inner", 'templates = "t"\n')
    (inner / "t").mkdir()
    deep = inner / "a" / "b"
    deep.mkdir(parents=True)
    found = find_project(deep)
    assert found.file == inner / "ssa-risk.toml"
    assert found.templates == inner / "t"
    # A folder the project file leaves out is the bundled one.
    assert found.rules == bundled_project().rules
    (outer / "a").mkdir()
    assert find_project(outer / "a").rules == outer / "r"


def test_without_a_project_file_everything_is_bundled(tmp_path):
    found = find_project(tmp_path)
    assert found.file is None
    assert found == bundled_project()
    assert sorted(p.name for p in found.rules.glob("*.yaml")) == sorted(
        p.name for p in DEFAULT_RULES.glob("*.yaml")
    )
    assert sorted(p.relative_to(found.profiles) for p in found.profiles.glob("*/*.yaml")) == sorted(
        p.relative_to(DEFAULT_PROFILES) for p in DEFAULT_PROFILES.glob("*/*.yaml")
    )
    assert (found.templates / "report.md.j2").is_file()


def test_bad_project_file_names_each_line_and_the_fix(tmp_path, monkeypatch):
    root = _project(
        tmp_path / "p",
        '# folders\nrules = "rulez"\nprofile = "p"\ntemplates = 3\nprofiles = ""\n',
    )
    assert _problems(root, monkeypatch) == [
        "ssa-risk.toml:2: rules folder 'rulez' not found next to ssa-risk.toml — create it, or "
        "correct the path (it is relative to this file)",
        "ssa-risk.toml:3: unknown key 'profile' — did you mean 'profiles'? the keys are "
        "profiles, rules, templates, cases, each a folder path",
        "ssa-risk.toml:4: 'templates' must be a folder path in quotes, not a number — write it "
        'as templates = "templates"',
        "ssa-risk.toml:5: 'profiles' must be a folder path in quotes, not an empty string — "
        'write it as profiles = "profiles"',
    ]


def test_project_file_that_is_not_toml(tmp_path, monkeypatch):
    root = _project(tmp_path / "p", 'rules = "rules"\ntemplates = templates\n')
    assert _problems(root, monkeypatch) == [
        "ssa-risk.toml:2:13: not valid TOML: invalid value — write one folder per line, the "
        'path in quotes, e.g. rules = "rules"'
    ]


def test_bad_project_file_is_one_message_and_exit_2(run_cli, tmp_path):
    _project(tmp_path, "[rules]\n")
    result = run_cli("assess", str(TUNISIA_2020))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "ssa-risk.toml:1: 'rules' must be a folder path in quotes, not a table — write it as "
        'rules = "rules"\n'
    )
    assert not (tmp_path / "reports").exists()


def test_cli_uses_the_project_rules_and_an_explicit_option_wins(run_cli, tmp_path):
    shutil.copytree(DEFAULT_RULES, tmp_path / "my-rules")
    edit_file(
        tmp_path / "my-rules" / "civil_military.yaml",
        "title: Public support for military rule alongside an elevated military",
        "title: Edited in this project",
    )
    _project(tmp_path, 'rules = "my-rules"\n')
    (tmp_path / "sub").mkdir()
    assert run_cli("assess", str(TUNISIA_2020), "-o", "r.md").exit_code == 0
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "Edited in this project" in report
    assert "| Rule set | `my-rules` (sha256 " in report
    assert "| Templates | `<bundled>/templates` (sha256 " in report

    result = run_cli("assess", str(TUNISIA_2020), "-o", "s.md", "--rules", str(DEFAULT_RULES))
    assert result.exit_code == 0, result.stderr
    report = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "Edited in this project" not in report
    assert f"| Rule set | `{DEFAULT_RULES}` (sha256 " in report


def test_explicit_folders_need_no_usable_project_file(run_cli, tmp_path):
    _project(tmp_path, "rules = 1\n")
    result = run_cli(
        "assess",
        str(TUNISIA_2020),
        "-o",
        "r.md",
        "--rules",
        str(DEFAULT_RULES),
        "--templates",
        str(DEFAULT_TEMPLATES),
    )
    assert result.exit_code == 0, result.stderr


def test_display_path_is_relative_to_the_project_root_from_any_folder_in_it(monkeypatch):
    for folder in (REPO_ROOT, REPO_ROOT / "engine" / "base", REPO_ROOT / "profiles"):
        monkeypatch.chdir(folder)
        assert display_path(TUNISIA_2020) == "profiles/tunisia/2020.yaml"
        assert display_path(Path("/")) == "/"


def test_display_path_outside_a_project_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path)
    assert display_path(Path("a/b.yaml")) == "a/b.yaml"
    assert display_path(tmp_path / "a") == "a"
    assert display_path(TUNISIA_2020) == str(TUNISIA_2020)


def test_bundled_data_is_shown_with_a_stable_label(tmp_path, monkeypatch):
    for folder in (tmp_path, REPO_ROOT):
        monkeypatch.chdir(folder)
        assert display_path(bundled_root() / "rules") == "<bundled>/rules"
        assert display_path(bundled_project().rules / "scoring.yaml") == (
            "<bundled>/rules/scoring.yaml"
        )


def test_display_paths_shows_each_path_as_display_path_does(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    paths = [
        TUNISIA_2020,
        Path("a/b.yaml"),
        tmp_path / "a",
        bundled_root() / "rules" / "scoring.yaml",
        bundled_root(),
        Path("/"),
        tmp_path / "missing" / "c.yaml",
    ]
    for folder in (tmp_path, REPO_ROOT, REPO_ROOT / "profiles"):
        monkeypatch.chdir(folder)
        assert display_paths(paths) == [display_path(p) for p in paths]
    # From a folder of the project: relative to its root, the project's path too.
    shown = ["profiles/tunisia/2020.yaml", "profiles/a/b.yaml", str(tmp_path / "a")]
    assert display_paths(paths)[:3] == shown
    assert display_paths(paths)[3:5] == ["<bundled>/rules/scoring.yaml", "<bundled>"]
    assert display_paths([]) == []


def test_new_profile_goes_into_the_project_profiles_folder(run_cli, tmp_path):
    (tmp_path / "countries").mkdir()
    _project(tmp_path, 'profiles = "countries"\n')
    result = run_cli("new-profile", "Testland", "--as-of", "2024-01", "--iso3", "TST")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "wrote countries/testland/2024-01.yaml; "
        "check it with: ssa-risk validate countries/testland/2024-01.yaml\n"
    )
    assert (tmp_path / "countries" / "testland" / "2024-01.yaml").is_file()


def test_new_profile_never_writes_into_the_bundled_profiles(run_cli, tmp_path, monkeypatch):
    # The project file names only the rules: the profile goes to profiles/ next to it.
    (tmp_path / "policy").mkdir()
    _project(tmp_path, 'rules = "policy"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = run_cli("new-profile", "Testland", "--as-of", "2024-01", "--iso3", "TST")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "profiles" / "testland" / "2024-01.yaml").is_file()
    assert not (bundled_project().profiles / "testland").exists()


def test_empty_profiles_folder_is_an_input_error_not_silence(run_cli, tmp_path):
    (tmp_path / "countries" / "empty").mkdir(parents=True)
    _project(tmp_path, 'profiles = "countries"\n')
    expected = (
        "countries: no profiles found (no <country>/<as-of>.yaml snapshot in this folder) — add"
        " a snapshot with 'ssa-risk new-profile COUNTRY --as-of YYYY-MM --iso3 XXX', or name the"
        " profiles to use\n"
    )
    for args in (["assess"], ["impact", "--before", str(DEFAULT_RULES)]):
        result = run_cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)
    assert not (tmp_path / "reports").exists()


def test_terminal_path_is_relative_to_the_working_folder_else_absolute(tmp_path, monkeypatch):
    _project(tmp_path, "")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert terminal_path(tmp_path / "sub" / "reports" / "a.md") == "reports/a.md"
    assert terminal_path(Path("reports/a.md")) == "reports/a.md"
    assert terminal_path(tmp_path / "profiles" / "a.yaml") == str(tmp_path / "profiles/a.yaml")
    # Reports and problems stay relative to the project root, whatever the working folder.
    assert display_path(Path("reports/a.md")) == "sub/reports/a.md"


def test_paths_printed_in_a_project_sub_folder_work_from_there(run_cli, tmp_path, monkeypatch):
    _project(tmp_path, "")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    created = run_cli("new-profile", "Jordan", "--as-of", "2024-06", "--iso3", "JOR")
    target = tmp_path / "profiles" / "jordan" / "2024-06.yaml"
    assert created.exit_code == 0, created.stderr
    assert created.stdout == f"wrote {target}; check it with: ssa-risk validate {target}\n"
    # The comment in the file names it from the project root, wherever it was written from.
    assert "#   ssa-risk validate profiles/jordan/2024-06.yaml\n" in target.read_text("utf-8")
    again = run_cli("new-profile", "Jordan", "--as-of", "2024-06", "--iso3", "JOR")
    assert again.exit_code == 2
    assert again.stderr == (
        f"{target}: already exists — choose another --as-of or -o, or remove the file first\n"
    )
    assert run_cli("validate", str(target)).stdout == "profiles/jordan/2024-06.yaml: valid\n"
    shutil.copytree(TUNISIA_2020.parent, tmp_path / "sub" / "tunisia")
    assessed = run_cli("assess", "tunisia/2020.yaml")
    assert assessed.exit_code == 0, assessed.stderr
    assert assessed.stdout == (
        "Tunisia 2020-07: high risk — conditions required, score 61 (40 findings) → "
        "reports/tunisia-2020.md\n"
    )
    # The report names the profile from the project root, as it would from anywhere in it.
    report = (tmp_path / "sub" / "reports" / "tunisia-2020.md").read_text("utf-8")
    assert "(sub/tunisia/2020.yaml:22)" in report


def test_a_folder_that_is_a_file(tmp_path, monkeypatch):
    shutil.copytree(DEFAULT_PROFILES / "tunisia", tmp_path / "p" / "profiles" / "tunisia")
    root = _project(
        tmp_path / "p",
        'templates = "profiles/tunisia/2020.yaml"\nrules = "profiles/tunisia/2020.yaml"\n',
    )
    assert _problems(root, monkeypatch) == [
        "ssa-risk.toml:1: templates folder 'profiles/tunisia/2020.yaml' is a file, not a folder"
        " — name the folder that holds the templates (relative to this file)",
        "ssa-risk.toml:2: rules folder 'profiles/tunisia/2020.yaml' is a file, not a folder"
        " — name the folder that holds the rule files (relative to this file)",
    ]


def test_a_rules_folder_that_is_no_rule_set_is_one_line(run_cli, tmp_path):
    shutil.copytree(DEFAULT_PROFILES / "tunisia", tmp_path / "profiles" / "tunisia")
    _project(tmp_path, 'rules = "profiles"\n')
    result = run_cli("assess", "profiles/tunisia/2020.yaml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "profiles: not a rules folder (no scoring.yaml or references.yaml in it)"
        " — name the folder that holds the rule files\n"
    )
