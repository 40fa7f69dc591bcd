"""The progress bar of long runs: on a terminal only, never with --quiet, never in stdout."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from ssa_risk.console import cli
from tests.helpers import TUNISIA_2020


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch):
    """What the bar draws, on a terminal (forced) or not; shown from the first result on."""
    drawn = io.StringIO()

    def use(terminal: bool) -> io.StringIO:
        console = Console(file=drawn, force_terminal=terminal, width=120)
        monkeypatch.setattr(cli, "_progress_console", lambda: console)
        monkeypatch.setattr(cli, "PROGRESS_AFTER", 0.0)
        return drawn

    return use


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    folder = tmp_path / "tunisia"
    shutil.copytree(TUNISIA_2020.parent, folder)
    return folder


def test_a_terminal_shows_counts_and_rate(run_cli, screen, snapshots):
    drawn = screen(True)
    result = run_cli("assess", *map(str, sorted(snapshots.glob("*.yaml"))), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    text = drawn.getvalue()
    assert "Assessing" in text
    assert "4/4" in text
    assert "/s" in text and "elapsed," in text and "left" in text
    assert "Assessing" not in result.stdout


def test_not_a_terminal_shows_nothing(run_cli, screen, snapshots):
    drawn = screen(False)
    result = run_cli("assess", str(snapshots), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert drawn.getvalue() == ""


def test_quiet_shows_nothing_on_a_terminal(run_cli, screen, snapshots):
    drawn = screen(True)
    result = run_cli("assess", str(snapshots), "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert drawn.getvalue() == ""


def test_a_short_run_shows_nothing(run_cli, screen, snapshots, monkeypatch):
    drawn = screen(True)
    monkeypatch.setattr(cli, "PROGRESS_AFTER", 60.0)
    result = run_cli("assess", str(snapshots), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert drawn.getvalue() == ""


def test_the_backtest_of_impact_restarts_the_count(screen):
    drawn = screen(True)
    bar = cli._ProgressBar("Comparing")
    for done in (1, 2, 3):
        bar(done, 3)
    bar(1, 12)
    assert bar.bar.tasks[0].total == 12 and bar.bar.tasks[0].completed == 1
    bar.close()
    assert "3/3" in drawn.getvalue()


@pytest.mark.parametrize("no_color", [False, True])
def test_no_color_draws_the_bar_without_colours(run_cli, screen, snapshots, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._progress_console().no_color is no_color
    drawn = screen(True)
    result = run_cli("assess", str(snapshots), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert "4/4" in drawn.getvalue()
    colours = re.findall(r"\x1b\[[0-9;]*[34]8;|\x1b\[3[0-9]m|\x1b\[9[0-9]m", drawn.getvalue())
    assert bool(colours) is not no_color
