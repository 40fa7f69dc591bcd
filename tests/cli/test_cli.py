"""The `ssa-risk` command as an assessor runs it."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from ssa_risk import __version__
from tests.helpers import TUNISIA_2020


def test_assess_bundled_profile_writes_report_with_expected_findings(run_cli, tmp_path):
    out = tmp_path / "tunisia-2020.md"
    result = run_cli("assess", str(TUNISIA_2020), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"Tunisia 2020-07: high risk — conditions required, score 61 (40 findings) → {out.name}\n"
    )
    report = out.read_text(encoding="utf-8")
    # Each finding is listed in the evidence annex by its rule id.
    for rule_id in ("CMR-02", "CMR-04", "RIV-01", "GOV-01", "GOV-02", "HR-01", "HR-09", "EXE-01"):
        assert re.search(rf"^\*\*A\.\d+ {rule_id}: ", report, re.M), rule_id
    # Rules whose conditions do not hold for Tunisia in 2020 stay silent.
    for rule_id in ("CMR-03", "PLAN-01", "PLAN-02"):
        assert f" {rule_id}: " not in report
    assert "47% of the public in Tunisia supports military rule" in report
    # No operational-share finding: FY2018-20 holds no recorded money, and the portfolio
    # stopping in FY2013 is said. The plan still mitigates.
    assert "The last programme recorded ends in fiscal year 2013, 7 years before" in report
    assert "### Joint action plan with benchmarks and an assessment line of effort\n" in report
    assert "The 2017 Bilateral Country Action Plan sets shared objectives" in report
    # Evidence names the profile path and line.
    assert (
        "- `civil_military.support_for_military_rule_pct` = 47 "
        "(profiles/tunisia/2020.yaml:22); sources: sam2020"
    ) in report.replace(str(TUNISIA_2020.parent.parent.parent) + "/", "")


def test_assess_without_arguments_assesses_every_bundled_profile(run_cli, tmp_path):
    result = run_cli("assess")
    assert result.exit_code == 0, result.stderr
    for year in ("2010", "2013", "2016", "2020"):
        assert (tmp_path / "reports" / f"tunisia-{year}.md").is_file()
    # Every snapshot of the nine bundled countries, in folder order.
    assert result.stdout.splitlines() == [
        "Colombia 2008-12: suitable with safeguards, score 11 (15 findings) → "
        "reports/colombia-2008.md",
        "Colombia 2019-06: suitable with safeguards, score 17 (17 findings) → "
        "reports/colombia-2019.md",
        "Iraq 2013-06: high risk — conditions required, score 68 (29 findings) → "
        "reports/iraq-2013.md",
        "Iraq 2019-06: high risk — conditions required, score 48 (27 findings) → "
        "reports/iraq-2019.md",
        "Jordan 2010-12: suitable with safeguards, score 34 (12 findings) → reports/jordan-2010.md",
        "Jordan 2020-06: high risk — conditions required, score 40 (16 findings) → "
        "reports/jordan-2020.md",
        "Lebanon 2010-12: suitable with safeguards, score 29 (14 findings) → "
        "reports/lebanon-2010.md",
        "Lebanon 2020-06: high risk — conditions required, score 41 (19 findings) → "
        "reports/lebanon-2020.md",
        "Morocco 2010-12: suitable with safeguards, score 23 (11 findings) → "
        "reports/morocco-2010.md",
        "Morocco 2020-06: high risk — conditions required, score 35 (19 findings) → "
        "reports/morocco-2020.md",
        "Oman 2010-12: suitable with safeguards, score 21 (8 findings) → reports/oman-2010.md",
        "Oman 2020-06: suitable with safeguards, score 29 (11 findings) → reports/oman-2020.md",
        "Philippines 2010-06: high risk — conditions required, score 55 (27 findings) → "
        "reports/philippines-2010.md",
        "Philippines 2019-06: high risk — conditions required, score 71 (41 findings) → "
        "reports/philippines-2019.md",
        "Tunisia 2010-12: suitable with safeguards, score 43 (13 findings) → "
        "reports/tunisia-2010.md",
        "Tunisia 2013-12: high risk — conditions required, score 61 (32 findings) → "
        "reports/tunisia-2013.md",
        "Tunisia 2016-12: high risk — conditions required, score 35 (31 findings) → "
        "reports/tunisia-2016.md",
        "Tunisia 2020-07: high risk — conditions required, score 61 (40 findings) → "
        "reports/tunisia-2020.md",
        "Yemen 2010-12: high risk — conditions required, score 67 (30 findings) → "
        "reports/yemen-2010.md",
        "Yemen 2014-06: high risk — conditions required, score 67 (28 findings) → "
        "reports/yemen-2014.md",
    ]


def test_same_input_gives_byte_identical_report(run_cli, tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    assert run_cli("assess", str(TUNISIA_2020), "-o", str(first)).exit_code == 0
    assert run_cli("assess", str(TUNISIA_2020), "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.yaml: file not found — check the path\n"),
        (
            "country: Tunisia\n  iso3: TUN\n",
            "bad.yaml:2:7: YAML syntax error: mapping values are not allowed here"
            " — fix the YAML syntax at this point\n",
        ),
        (
            "- just\n- a list\n",
            "bad.yaml:1:1: a profile must be a mapping of fields, but this file holds a list"
            " — start the file with 'schema_version: 1' and the profile's fields\n",
        ),
        ("", "bad.yaml:1:1: file is empty — write the YAML content it should hold\n"),
    ],
    ids=["missing-file", "yaml-syntax", "not-a-mapping", "empty"],
)
def test_bad_profile_exits_2_with_one_line_and_no_output(run_cli, tmp_path, content, message):
    name = "missing.yaml" if content is None else "bad.yaml"
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    out = tmp_path / "out.md"
    result = run_cli("assess", name, "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""
    assert not out.exists()
    assert list(tmp_path.glob(".out.md.*")) == []


def test_profile_with_several_problems_reports_all_in_one_pass(run_cli, tunisia_copy):
    path = tunisia_copy / "2020.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("iso3: TUN", "iso3: TUN\ncolour: green", 1)
    text = text.replace("satisfaction_with_democracy: low", "satisfaction_with_democracy: meh")
    path.write_text(text, encoding="utf-8")
    result = run_cli("assess", "tunisia/2020.yaml", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "tunisia/2020.yaml:11:1: colour: unknown key 'colour' — did you mean 'country'?",
        "tunisia/2020.yaml:80:3: political_context.satisfaction_with_democracy: 'meh' is not"
        " an allowed value — use one of: none, low, moderate, high, severe",
    ]
    assert not (tunisia_copy.parent / "out.md").exists()


def test_one_bad_profile_among_several_leaves_no_reports(run_cli, tmp_path):
    (tmp_path / "bad.yaml").write_text("[1, 2]\n", encoding="utf-8")
    result = run_cli("assess", str(TUNISIA_2020), "bad.yaml", "--out-dir", "out")
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_output_flag_with_several_profiles_is_a_user_error(run_cli):
    result = run_cli("assess", str(TUNISIA_2020), str(TUNISIA_2020), "-o", "x.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "-o names one report file but 2 profiles were given — "
        "pass one profile with -o, or use --out-dir\n"
    )


def test_output_flag_without_profiles_says_every_profile_would_be_assessed(run_cli, tmp_path):
    result = run_cli("assess", "-o", "x.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "-o names one report file but no profile was given, so every profile bundled with "
        "ssa-risk (20) would be assessed — pass one profile with -o, or use --out-dir\n"
    )
    shutil.copytree(TUNISIA_2020.parent, tmp_path / "profiles" / "tunisia")
    (tmp_path / "ssa-risk.toml").write_text('profiles = "profiles"\n', encoding="utf-8")
    in_project = run_cli("assess", "-o", "x.md")
    assert in_project.exit_code == 2
    assert in_project.stderr == (
        "-o names one report file but no profile was given, so every profile of the project "
        "(4) would be assessed — pass one profile with -o, or use --out-dir\n"
    )
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("assess", str(TUNISIA_2020), "--format", "json", "-o", "x.md"),
            "x.md: -o names a .md file but --format is json — give --format md, "
            "or name a .json file\n",
        ),
        (
            ("diff", str(TUNISIA_2020), str(TUNISIA_2020), "-o", "x.JSON"),
            "x.JSON: -o names a .JSON file but --format is md — give --format json, "
            "or name a .md file\n",
        ),
        (
            ("impact", "--before", "rules", "-o", "x.html"),
            "x.html: -o names a .html file but --format is md — name a .md file\n",
        ),
    ],
    ids=["assess", "diff", "impact-no-html"],
)
def test_output_name_that_contradicts_the_format_is_refused(run_cli, tmp_path, args, message):
    result = run_cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_value_exits_2(run_cli):
    result = run_cli("assess", str(TUNISIA_2020), "--format", "docx")
    assert result.exit_code == 2
    assert result.stderr == (
        "ssa-risk assess: Invalid value for '--format': 'docx' is not one of 'md', 'html',"
        " 'json', 'pdf' — see 'ssa-risk assess --help'\n"
    )


def test_a_mistyped_choice_gets_the_nearest_as_its_fix(run_cli, tmp_path):
    result = run_cli("assess", str(TUNISIA_2020), "--format", "pfd", "--paper", "a4")
    assert result.exit_code == 2
    assert result.stderr == (
        "ssa-risk assess: Invalid value for '--format': 'pfd' is not one of 'md', 'html',"
        " 'json', 'pdf' — did you mean 'pdf'?\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_missing_argument_is_one_sentence(run_cli):
    result = run_cli("validate")
    assert (result.exit_code, result.stderr) == (
        2,
        "ssa-risk validate: Missing argument 'PROFILES...' — see 'ssa-risk validate --help'\n",
    )


def test_unknown_command_exits_2_with_one_line(run_cli):
    result = run_cli("asses")
    assert result.exit_code == 2
    assert result.stderr == (
        "ssa-risk: No such command 'asses'. Did you mean 'assess'? — see 'ssa-risk --help'\n"
    )


def test_unexpected_error_is_exit_1_with_debug_hint(run_cli, monkeypatch):
    import ssa_risk.assessment.assessor

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ssa_risk.assessment.assessor, "profile_facts", broken)
    result = run_cli("assess", str(TUNISIA_2020), "-o", "x.md")
    assert result.exit_code == 1
    assert result.stderr == (
        "ssa-risk: internal error: RuntimeError: boom — this is a bug; "
        "rerun with --debug for the traceback and report it\n"
    )
    debug = run_cli("--debug", "assess", str(TUNISIA_2020), "-o", "x.md")
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.stderr


def test_version_and_help(run_cli):
    assert run_cli("--version").stdout == f"ssa-risk, version {__version__}\n"
    assert "assess" in run_cli("--help").stdout
    help_text = run_cli("assess", "--help").stdout
    assert "Assess PROFILES (default: every profile of the project)" in help_text
    assert "[default: (from ssa-risk.toml, else bundled)]" in " ".join(help_text.split())


def test_missing_rules_folder_is_a_user_error(run_cli, tmp_path):
    result = run_cli("assess", str(TUNISIA_2020), "--rules", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stderr == "nope: rules folder not found — check the path\n"


def test_report_written_atomically_replaces_existing_file(run_cli, tmp_path):
    out = tmp_path / "r.md"
    out.write_text("old", encoding="utf-8")
    assert run_cli("assess", str(TUNISIA_2020), "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Security assistance suitability")
    assert sorted(p.name for p in Path(tmp_path).iterdir() if p.name.startswith(".")) == []


def test_saved_assessment_or_timeline_passed_as_a_profile_is_one_line_each(run_cli, tmp_path):
    saved = run_cli("assess", str(TUNISIA_2020), "--format", "json", "-o", "saved.json")
    timeline = run_cli("assess", str(TUNISIA_2020.parent), "--format", "json", "-o", "tl.json")
    assert saved.exit_code == timeline.exit_code == 0
    (tmp_path / "notes.txt").write_text("schema_version: 1\n", encoding="utf-8")
    result = run_cli("assess", "saved.json", "tl.json", "notes.txt", "--out-dir", "out")
    assert result.exit_code == 2
    assert result.stdout == ""
    fix = (
        "this command takes profiles (.yaml files); to compare saved assessments use "
        "'ssa-risk diff OLD.json NEW.json'"
    )
    assert result.stderr.splitlines() == [
        "notes.txt: is not a profile: profiles are .yaml files — name a .yaml snapshot, e.g. "
        "profiles/tunisia/2020.yaml",
        f"saved.json: is a saved assessment, not a profile — {fix}",
        f"tl.json: is a saved timeline (a country folder's report), not a profile — {fix}",
    ]
    assert not (tmp_path / "out").exists()


FULL_DISK = (
    "ssa-risk: cannot write the output: No space left on device — "
    "free some space or write elsewhere\n"
)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ("rules", "list"),
        ("validate", str(TUNISIA_2020)),
        ("diff", str(TUNISIA_2020), str(TUNISIA_2020)),
        ("--help",),
    ],
    ids=["rules-list", "validate", "diff", "help"],
)
def test_output_to_a_full_disk_is_one_line_and_exit_2(tmp_path, args):
    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ssa_risk.console.cli", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            text=True,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == FULL_DISK


def test_output_write_failure_is_one_line_and_exit_2(run_cli, monkeypatch):
    real_echo = click.echo

    def echo(message: object = None, nl: bool = True, err: bool = False) -> None:
        if not err:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_echo(message, nl=nl, err=err)

    monkeypatch.setattr(click, "echo", echo)
    result = run_cli("rules", "list")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == FULL_DISK


def test_tipping_and_uncertainty_are_two_runs(run_cli, tmp_path):
    result = run_cli("assess", str(TUNISIA_2020), "--tipping", "--uncertainty", "10")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "--tipping and --uncertainty ask for two different runs — "
        "run the assessment once with each\n"
    )
    assert list(tmp_path.iterdir()) == []
