"""Files, paths and folders: only regular files are read, reports are written as a set, and
every file system error a user can cause is one line and exit 2. Each test failed before."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.errors import InputError
from ssa_risk.base.files import read_limited
from ssa_risk.reports import output
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, GIT_USER, REPO_ROOT, TUNISIA_2020

LONG = "a" * 300
TOO_LONG = (
    f"{LONG}.yaml: cannot be read (the name is too long)"
    " — use names of at most 255 bytes (4,096 for the whole path)\n"
)


class Stopped(BaseException):
    """Raised by the test's own SIGTERM handler, so that a signal does not end pytest."""


@contextmanager
def no_hang(seconds: int = 10) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block blocks, e.g. on a FIFO."""

    def alarm(signum: int, frame: object) -> None:
        raise AssertionError(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


# --- only regular files are read, within the size limit ---------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "link"])
def test_a_device_is_refused_before_reading(run_cli, tmp_path, device):
    if device == "link":
        (tmp_path / "p.yaml").symlink_to("/dev/zero")
        device, shown = "p.yaml", "p.yaml"
    else:
        shown = device
    with no_hang():
        result = run_cli("validate", device)
    assert result.exit_code == 2
    assert result.stdout == (
        f"{shown}: is a device, not a regular file — name a .yaml file\n"
        "1 problem in 1 of 1 profile\n"
    )


def test_a_fifo_is_refused_without_blocking_wherever_a_file_is_read(run_cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, rules)
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    profiles = tmp_path / "tunisia"
    shutil.copytree(TUNISIA_2020.parent, profiles)
    for fifo in ("p.yaml", "a.json", "rules/extra.yaml", "templates/extra.j2", "tunisia/2030.yaml"):
        os.mkfifo(tmp_path / fifo)
    fifo_fix = "is a named pipe (FIFO), not a regular file — "
    with no_hang():
        checks = [
            (("validate", "p.yaml"), f"p.yaml: {fifo_fix}name a .yaml file\n"),
            (("diff", "a.json", str(TUNISIA_2020)), f"a.json: {fifo_fix}name a .json file\n"),
            (
                ("rules", "list", "--rules", "rules"),
                f"rules/extra.yaml: {fifo_fix}name a .yaml file\n",
            ),
            (
                ("assess", str(TUNISIA_2020), "--templates", "templates"),
                f"templates/extra.j2: {fifo_fix}name a template file\n",
            ),
            (("assess", "tunisia"), f"tunisia/2030.yaml: {fifo_fix}name a .yaml file\n"),
        ]
        for args, message in checks:
            result = run_cli(*args)
            assert result.exit_code == 2, args
            assert (result.stderr or result.stdout).startswith(message), args
    assert not (tmp_path / "reports").exists()


def test_size_is_checked_before_reading_a_huge_sparse_file(run_cli, tmp_path):
    with open(tmp_path / "big.yaml", "wb") as handle:
        handle.truncate(3 * 1024**3)
    result = run_cli("validate", "big.yaml")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        "big.yaml: file is 3,221,225,472 bytes, over the 2,097,152-byte limit"
        " — split it or remove unrelated content"
    )


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat
    # The file reports 10 bytes when checked, and holds 10 bytes more than the limit of 15.
    path.write_bytes(b"x" * 25)
    monkeypatch.setattr(
        os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:]))
    )
    with pytest.raises(InputError) as info:
        read_limited(path, "p.yaml", 15)
    assert [str(p) for p in info.value.problems] == [
        "p.yaml: file is 16 bytes, over the 15-byte limit — split it or remove unrelated content"
    ]


def test_deeply_nested_json_is_an_input_error(run_cli, tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    result = run_cli("diff", "deep.json", "deep.json")
    assert result.exit_code == 2
    assert result.stderr == (
        "deep.json:1:65: nesting deeper than 64 levels"
        " — pass an assessment written by 'ssa-risk assess --format json'\n"
    )


# --- -o and symlinks --------------------------------------------------------------------


def test_report_never_writes_through_a_symlink_to_a_profile(run_cli, tunisia_copy, tmp_path):
    before = (tunisia_copy / "2016.yaml").read_bytes()
    (tmp_path / "out.md").symlink_to("tunisia/2016.yaml")
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    (tmp_path / "n.md").symlink_to("notes.txt")
    for args in (
        ("assess", "tunisia/2020.yaml", "-o", "out.md"),
        ("diff", "tunisia/2020.yaml", "tunisia/2020.yaml", "-o", "out.md"),
    ):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert result.stderr == (
            "out.md: is a symlink to tunisia/2016.yaml, which is not a .md report"
            " — name another file, or remove the link\n"
        )
    result = run_cli("assess", "tunisia/2020.yaml", "-o", "n.md")
    assert result.exit_code == 2
    assert result.stderr.startswith("n.md: is a symlink to notes.txt, which is not a .md report")
    assert (tunisia_copy / "2016.yaml").read_bytes() == before
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "notes"


def test_a_dangling_symlink_as_output_is_refused(run_cli, tmp_path):
    (tmp_path / "r.md").symlink_to("nowhere/deep/r.md")
    for args in (
        ("assess", str(TUNISIA_2020), "-o", "r.md"),
        ("impact", "--before", str(DEFAULT_RULES), str(TUNISIA_2020), "-o", "r.md"),
    ):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert result.stderr == (
            "r.md: is a symlink to 'nowhere/deep/r.md', which does not exist"
            " — remove the link, or name another file\n"
        )
    assert not (tmp_path / "nowhere").exists()
    result = run_cli("new-profile", "X", "--as-of", "2020-01", "--iso3", "XXX", "-o", "r.md")
    assert result.exit_code == 2
    assert result.stderr.startswith("r.md: already exists")
    assert not (tmp_path / "nowhere").exists()


# --- a set of reports is written whole, or not at all -----------------------------------


def _old_set(folder: Path, count: int) -> list[tuple[Path, str]]:
    folder.mkdir()
    items = []
    for i in range(count):
        (folder / f"r{i}.md").write_text("old", encoding="utf-8")
        items.append((folder / f"r{i}.md", "new"))
    return items


def test_stop_signal_while_reports_are_written_leaves_the_old_set(tmp_path, monkeypatch):
    items = _old_set(tmp_path / "reports", 6)
    stage = output._stage

    def stage_then_stop(path, real, text, staged):
        stage(path, real, text, staged)
        if len(staged) == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(output, "_stage", stage_then_stop)
    with sigterm_raises():
        ours = signal.getsignal(signal.SIGTERM)
        with pytest.raises(Stopped):
            output.write_all(items, "md")
        assert signal.getsignal(signal.SIGTERM) is ours  # the previous handler is back
    assert [p.read_text(encoding="utf-8") for p, _ in items] == ["old"] * 6
    assert _leftovers(tmp_path) == []


def test_stop_signal_during_the_renames_waits_until_the_set_is_complete(tmp_path, monkeypatch):
    items = _old_set(tmp_path / "reports", 6)
    replace = os.replace
    calls = []

    def replace_then_stop(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_stop)
    with sigterm_raises(), pytest.raises(Stopped):
        output.write_all(items, "md")
    assert [p.read_text(encoding="utf-8") for p, _ in items] == ["new"] * 6
    assert _leftovers(tmp_path) == []


def test_sigterm_with_the_default_action_still_removes_temporary_files(tmp_path):
    items = _old_set(tmp_path / "reports", 4)
    script = f"""
import os, signal
from pathlib import Path
from ssa_risk.reports import output
stage = output._stage
def stage_then_stop(path, real, text, staged):
    stage(path, real, text, staged)
    if len(staged) == 2:
        os.kill(os.getpid(), signal.SIGTERM)
output._stage = stage_then_stop
output.write_all([(Path(p), "new") for p in {[str(p) for p, _ in items]!r}], "md")
print("not reached")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, timeout=60
    )
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert done.stdout == b""
    assert [p.read_text(encoding="utf-8") for p, _ in items] == ["old"] * 4
    assert _leftovers(tmp_path) == []


def test_write_error_names_the_report_and_leaves_no_temporary_file(tmp_path):
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.RLIM_INFINITY))

    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "cli.py"), "assess", str(TUNISIA_2020)],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        preexec_fn=small_files,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode() == (
        "reports/tunisia-2020.md: cannot write here (File too large)"
        " — raise the file size limit (ulimit -f) or free space\n"
    )
    assert list((tmp_path / "reports").iterdir()) == []


# --- file system errors are input errors, for every path --------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("validate", f"{LONG}.yaml"),
        ("explain", f"{LONG}.yaml"),
        ("diff", f"{LONG}.yaml", str(TUNISIA_2020)),
    ],
    ids=["validate", "explain", "diff"],
)
def test_a_name_over_255_bytes_is_an_input_error(run_cli, args):
    result = run_cli(*args)
    assert result.exit_code == 2
    assert (result.stderr or result.stdout).startswith(TOO_LONG)


@pytest.mark.parametrize(
    "args",
    [
        ("assess", f"{LONG}.yaml"),
        ("assess", str(TUNISIA_2020), "-o", f"{LONG}.md"),
        ("assess", str(TUNISIA_2020), "--out-dir", LONG),
        ("assess", str(TUNISIA_2020), "--rules", LONG),
        ("assess", str(TUNISIA_2020), "--templates", LONG),
        ("rules", "lint", LONG),
        ("diff", str(TUNISIA_2020), str(TUNISIA_2020), "--rules-before", LONG),
        ("impact", "--before", LONG),
        ("impact", "--before", str(DEFAULT_RULES), f"{LONG}.yaml"),
        ("new-profile", "X", "--as-of", "2020-01", "--iso3", "XXX", "-o", f"{LONG}.yaml"),
    ],
)
def test_a_long_name_is_exit_2_for_every_path_option(run_cli, tmp_path, args):
    result = run_cli(*args)
    assert result.exit_code == 2
    assert "the name is too long" in result.output
    assert "— use names of at most 255 bytes (4,096 for the whole path)\n" in result.output
    assert "internal error" not in result.output


def test_a_folder_that_cannot_be_listed_is_an_input_error(run_cli, tmp_path, monkeypatch):
    shutil.copytree(DEFAULT_RULES, tmp_path / "rules")
    scandir = os.scandir

    def denied(path):
        if Path(path).name == "rules":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    result = run_cli("rules", "list", "--rules", "rules")
    assert result.exit_code == 2
    assert result.stderr == (
        "rules: folder cannot be listed (permission denied)"
        " — check the permissions of the file and its folders\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root enters every folder")
def test_a_profile_in_a_folder_the_user_cannot_enter(run_cli, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(TUNISIA_2020, locked / "p.yaml")
    locked.chmod(0)
    try:
        result = run_cli("assess", "locked/p.yaml")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2
    assert result.stderr.startswith("locked/p.yaml: ")


def test_symlink_loops_in_rules_and_templates_folders(run_cli, tmp_path):
    shutil.copytree(DEFAULT_RULES, tmp_path / "rules")
    shutil.copytree(DEFAULT_TEMPLATES, tmp_path / "templates")
    (tmp_path / "rules" / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "templates" / "loop.j2").symlink_to("loop.j2")
    (tmp_path / "templates" / "again").symlink_to(".")
    loop = "too many levels of symbolic links: a symlink loop"
    fix = " — fix or remove the link"
    result = run_cli("rules", "lint", "rules")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == f"rules/loop.yaml: cannot be read ({loop}){fix}"
    result = run_cli("assess", str(TUNISIA_2020), "--templates", "templates")
    assert result.exit_code == 2
    assert result.stderr == f"templates/loop.j2: {loop}{fix}\n"


def test_an_os_error_that_slips_through_is_still_one_line_and_exit_2(run_cli, monkeypatch):
    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/shared/rules")

    monkeypatch.setattr(Assessor, "load", denied)
    result = run_cli("assess", str(TUNISIA_2020))
    assert result.exit_code == 2
    assert result.stderr == (
        "/srv/shared/rules: permission denied — check the permissions of the file and its folders\n"
    )


# --- rules from git ---------------------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_USER, *args], cwd=repo, check=True, capture_output=True)


def test_rules_from_git_are_named_by_revision_and_non_ascii_names_are_read(run_cli, repo):
    (repo / "rules" / "sécurité.yaml").write_text("lens: [\n", encoding="utf-8")
    (repo / "rules" / "leverage.yaml").unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "v2")
    _git(repo, "tag", "v2")
    from_folder = run_cli(
        "diff", "tunisia/2020.yaml", "tunisia/2020.yaml", "--rules-before", "rules"
    )
    from_git = run_cli(
        "diff", "tunisia/2020.yaml", "tunisia/2020.yaml", "--rules-before", "v2:rules"
    )
    assert from_folder.exit_code == from_git.exit_code == 2
    assert from_git.stderr == from_folder.stderr.replace("rules/", "v2:rules/")
    # The unreadable file may be the one that defines the leverage lens: no claim it is missing.
    assert from_git.stderr == (
        "v2:rules/sécurité.yaml:2:1: YAML syntax error: expected the node content, but found"
        " '<stream end>' — fix the YAML syntax at this point\n"
    )
    assert tempfile.gettempdir() not in from_git.stderr


@pytest.mark.parametrize("option", ["--before", "--after"])
def test_an_empty_rules_option_is_refused(run_cli, repo, option):
    args = {"--before": "v1:rules", "--after": "rules", option: ""}
    result = run_cli("impact", "--before", args["--before"], "--after", args["--after"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{option}: is empty — give a rules folder (e.g. rules) or a git revision (e.g. v1.0)\n"
    )


def test_rules_exported_from_git_are_removed_when_the_run_is_stopped(
    run_cli, repo, tmp_path, monkeypatch
):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def stop(*args: object, **kwargs: object) -> None:
        assert [p.name[:15] for p in scratch.iterdir()] == ["ssa-risk-rules-"]
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(Assessor, "load", stop)
    with sigterm_raises(), pytest.raises(Stopped):
        run_cli("impact", "--before", "v1:rules", "--after", "rules", "tunisia/2020.yaml")
    assert list(scratch.iterdir()) == []


# --- impact and new-profile ------------------------------------------------------------


def test_impact_reports_every_bad_profile_and_accepts_a_folder(run_cli, repo):
    (repo / "a.yaml").write_text("schema_version: 1\ncountry: [\n", encoding="utf-8")
    (repo / "b.yaml").write_text("schema_version: 1\ncountry: [\n", encoding="utf-8")
    result = run_cli("impact", "--before", "v1:rules", "--after", "rules", "a.yaml", "b.yaml")
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["a.yaml", "b.yaml"]
    result = run_cli(
        "impact", "--before", "v1:rules", "--after", "rules", "tunisia", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert '"profile": "tunisia/2010.yaml"' in result.stdout
    assert '"profile": "tunisia/2020.yaml"' in result.stdout


def test_new_profile_writes_under_the_working_folder(run_cli, tmp_path):
    result = run_cli("new-profile", "Testland", "--as-of", "2024-06", "--iso3", "TST")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "wrote profiles/testland/2024-06.yaml;"
        " check it with: ssa-risk validate profiles/testland/2024-06.yaml\n"
    )
    assert (tmp_path / "profiles" / "testland" / "2024-06.yaml").is_file()
    assert not (REPO_ROOT / "profiles" / "testland").exists()
