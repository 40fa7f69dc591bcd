from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ssa_risk.console import cli
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT, TUNISIA_2020, commit_tagged

# The cache between runs (ssa_risk.base.cache) of this test session: a folder of its own, so
# the tests never read or write the user's cache, and the commands they start share it.
_CACHE_FOLDER = tempfile.mkdtemp(prefix="ssa-risk-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    os.environ["SSA_RISK_CACHE_DIR"] = _CACHE_FOLDER
    os.environ.pop("SSA_RISK_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_FOLDER, ignore_errors=True)


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own, in place of the session's, and switched on."""
    monkeypatch.setenv("SSA_RISK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SSA_RISK_CACHE", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `ssa-risk ARGS…` in a fresh working folder; stdout and stderr kept apart."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def run_in_checkout(monkeypatch: pytest.MonkeyPatch):
    """Run `ssa-risk ARGS…` in the checkout, a project: its rules/, shown relative to it.

    Only for commands that write nothing."""
    monkeypatch.chdir(REPO_ROOT)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """An editable copy of the bundled rule set."""
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, target)
    return target


@pytest.fixture
def tunisia_copy(tmp_path: Path) -> Path:
    """An editable copy of the Tunisia snapshots (which extend one another)."""
    target = tmp_path / "tunisia"
    shutil.copytree(TUNISIA_2020.parent, target)
    return target


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding the bundled rules at tag v1, and the Tunisia snapshots."""
    root = tmp_path / "repo"
    shutil.copytree(DEFAULT_RULES, root / "rules")
    shutil.copytree(TUNISIA_2020.parent, root / "tunisia")
    commit_tagged(root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def templates_dir() -> Path:
    return DEFAULT_TEMPLATES
