"""assess, impact and backtest give the same output on every core, on one, and on a Dask
cluster; a problem in one item is reported exactly as a serial run reports it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ssa_risk.base import parallel
from tests.helpers import DEFAULT_RULES, TUNISIA_2020, edit_file

# Three copies of the Tunisia snapshots: 12 profiles.
COUNTRIES = ("tunisia", "tunisia-b", "tunisia-c")


@pytest.fixture(autouse=True)
def pooled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small jobs go to the worker processes too (the tests keep them small); counts the
    jobs that did, so that a test can tell that it ran in parallel."""
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 2)
    calls: list[int] = []
    real = parallel._on_processes

    def counted(task, items, workers, progress):
        calls.append(workers)
        return real(task, items, workers, progress)

    monkeypatch.setattr(parallel, "_on_processes", counted)
    return calls


@pytest.fixture
def profiles(tmp_path: Path) -> list[str]:
    """Twelve profile files in three country folders of the working folder."""
    for name in COUNTRIES:
        shutil.copytree(TUNISIA_2020.parent, tmp_path / "profiles" / name)
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("profiles/*/*.yaml"))


@pytest.fixture
def new_rules(tmp_path: Path) -> Path:
    """The bundled rules with the first high rule of civil_military lowered to moderate."""
    target = tmp_path / "rules-new"
    shutil.copytree(DEFAULT_RULES, target)
    edit_file(target / "civil_military.yaml", "severity: high", "severity: moderate")
    return target


def _reports(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_assess_on_two_workers_writes_the_same_reports_as_one(
    run_cli, profiles, tmp_path, fmt, pooled
):
    runs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}"
        # Files one by one, and a folder as a timeline.
        args = ["assess", *profiles, "profiles/tunisia-b", "--format", fmt, "--out-dir", str(out)]
        result = run_cli(*args, "--workers", workers)
        assert result.exit_code == 0, result.stderr
        runs[workers] = (result.stdout.replace(f"out-{workers}", "out"), _reports(out))
    assert runs["1"] == runs["2"]
    assert len(runs["2"][1]) == len(profiles) + 1
    assert pooled == [2]


def test_impact_on_two_workers_is_byte_identical_to_one(run_cli, profiles, new_rules, pooled):
    args = ("impact", "profiles", "--before", "rules-new", "--format", "json")
    serial = run_cli(*args, "--after", str(DEFAULT_RULES), "--workers", "1")
    two = run_cli(*args, "--after", str(DEFAULT_RULES), "--workers", "2")
    assert serial.exit_code == 0, serial.stderr
    rows = json.loads(serial.stdout)["profiles"]
    assert len(rows) == 12 and any(row["diff"]["changes"] for row in rows)
    assert two.stdout == serial.stdout
    assert pooled == [2]
    assert two.exit_code == serial.exit_code


def test_backtest_on_two_workers_is_byte_identical_to_one(run_in_checkout, pooled):
    serial = run_in_checkout("backtest", "cases", "--format", "json", "--workers", "1")
    two = run_in_checkout("backtest", "cases", "--format", "json", "--workers", "2")
    assert serial.exit_code == 0, serial.stderr
    assert serial.stdout.count('"case":') == 12
    assert two.stdout == serial.stdout
    assert pooled == [2]


@pytest.mark.parametrize("command", ["assess", "impact"])
def test_a_bad_profile_in_a_parallel_run_is_reported_as_in_a_serial_one(
    run_cli, profiles, tmp_path, command, pooled
):
    edit_file(
        tmp_path / "profiles/tunisia-b/2016.yaml",
        "current_coercive_centre: shared",
        "current_coercive_centre: sharred",
    )
    extra = ["--before", str(DEFAULT_RULES)] if command == "impact" else []
    serial = run_cli(command, *profiles, *extra, "--workers", "1")
    two = run_cli(command, *profiles, *extra, "--workers", "2")
    assert serial.exit_code == two.exit_code == 2
    assert two.stderr == serial.stderr
    assert two.stderr.startswith("profiles/tunisia-b/2016.yaml:20:")
    assert "sharred" in two.stderr
    assert two.stdout == ""
    assert not (tmp_path / "reports").exists()
    assert pooled == [2]


def test_workers_and_scheduler_together_are_refused(run_cli):
    result = run_cli("backtest", "cases", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert result.stderr == (
        "--workers 2 sets local processes but --scheduler sends the work to a Dask cluster — "
        "give one of them\n"
    )


def test_zero_workers_is_a_usage_error(run_cli):
    result = run_cli("impact", "--before", "rules", "--workers", "0")
    assert result.exit_code == 2
    assert "--workers" in result.stderr and "0" in result.stderr


def test_an_unreachable_scheduler_is_one_line_and_exit_2(run_cli, profiles, monkeypatch):
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    monkeypatch.setattr(parallel, "SCHEDULER_TIMEOUT", 0.5)
    result = run_cli("assess", *profiles, "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "--scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler ("
    )
    assert result.stderr.endswith(
        "— start one ('dask scheduler', then 'dask worker ADDRESS'), check the address, or "
        "leave out --scheduler to use the local cores\n"
    )
    assert len(result.stderr.splitlines()) == 1


@pytest.fixture(scope="module")
def dask_scheduler():
    """A Dask cluster of two worker processes on the loopback interface, for this module."""
    distributed = pytest.importorskip(
        "dask.distributed", reason="dask[distributed] is not installed (the dev extra has it)"
    )
    cluster = distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    yield cluster.scheduler_address
    cluster.close()


def test_impact_on_a_dask_cluster_matches_the_serial_run(
    run_cli, profiles, new_rules, dask_scheduler
):
    args = ("impact", "profiles", "--before", "rules-new", "--after", str(DEFAULT_RULES))
    serial = run_cli(*args, "--format", "json", "--workers", "1")
    on_dask = run_cli(*args, "--format", "json", "--scheduler", dask_scheduler)
    assert serial.exit_code == 0, serial.stderr
    assert on_dask.stderr == serial.stderr
    assert on_dask.stdout == serial.stdout


def test_a_bad_profile_on_a_dask_cluster_is_reported_as_in_a_serial_run(
    run_cli, profiles, tmp_path, dask_scheduler
):
    edit_file(tmp_path / "profiles/tunisia-c/2020.yaml", "schema_version: 1", "schema_version: 7")
    serial = run_cli("assess", *profiles, "--workers", "1")
    on_dask = run_cli("assess", *profiles, "--scheduler", dask_scheduler)
    assert serial.exit_code == on_dask.exit_code == 2
    assert on_dask.stderr == serial.stderr
    assert on_dask.stderr.startswith("profiles/tunisia-c/2020.yaml:")


def test_uncertainty_samples_on_two_workers_are_byte_identical_to_one(run_cli, tmp_path, pooled):
    fixture = DEFAULT_RULES.parent / "tests" / "fixtures" / "profiles" / "uncertain" / "tunisia"
    shutil.copytree(fixture, tmp_path / "tunisia")
    args = ("assess", "tunisia/2020.yaml", "--uncertainty", "60", "--format", "json")
    for workers in ("1", "2"):
        result = run_cli(*args, "-o", f"w{workers}.json", "--workers", workers)
        assert result.exit_code == 0, result.stderr
    assert (tmp_path / "w2.json").read_bytes() == (tmp_path / "w1.json").read_bytes()
    assert json.loads((tmp_path / "w2.json").read_text("utf-8"))["uncertainty"]["samples"] == 60
    assert pooled == [2]


def test_tipping_on_two_workers_is_byte_identical_to_one(run_cli, pooled):
    fixtures = DEFAULT_RULES.parent / "tests" / "fixtures" / "tipping"
    args = [
        *("tipping", str(fixtures / "profile.yaml"), "--rules", str(fixtures / "rules")),
        *("--format", "json", "--max-changes", "2"),
    ]
    serial = run_cli(*args, "--workers", "1")
    two = run_cli(*args, "--workers", "2")
    assert serial.exit_code == 0, serial.stderr
    assert any(len(p["changes"]) == 2 for p in json.loads(serial.stdout)["worse"])
    assert two.stdout == serial.stdout
    assert len(pooled) >= 1 and set(pooled) == {2}  # the single changes (and pairs) pooled
