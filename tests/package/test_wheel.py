"""The wheel as a user installs it: built from a clean copy, installed into a fresh virtual
environment outside the checkout, run from folders that know nothing of the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, edit_file

pytestmark = pytest.mark.package

# What the wheel is built from; build/ and caches are left out, as in a fresh clone.
SOURCES = (
    "engine",
    "rules",
    "profiles",
    "proposals",
    "templates",
    "cli.py",
    "pyproject.toml",
    "README.md",
)


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built without network from a copy of the sources (not in-tree: a stale
    build/lib would keep deleted files)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    dist = work / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", dist, src)  # fmt: skip
    [built] = dist.glob("ssa_risk-*.whl")
    return built


@pytest.fixture(scope="module")
def ssa_risk(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `ssa-risk` command of a fresh virtual environment holding only the wheel; its
    dependencies come from this environment (a .pth file), which has no `ssa_risk` of its own
    on the path (the editable install's link tree is added by a .pth file, not processed
    from a folder a .pth file adds)."""
    fresh = tmp_path_factory.mktemp("venv") / "fresh"
    _run(sys.executable, "-m", "venv", "--without-pip", fresh)
    python = fresh / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    deps = Path(purelib.stdout.strip()) / "outer-dependencies.pth"
    deps.write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    where = _run(python, "-c", "import ssa_risk; print(ssa_risk.__file__)").stdout
    assert where.startswith(str(fresh)), where
    return fresh / "bin" / "ssa-risk"


def test_the_wheel_holds_one_import_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if ".dist-info/" not in n}
    assert top == {"ssa_risk"}
    for expected in (
        "ssa_risk/console/cli.py",
        "ssa_risk/reports/batch.py",
        "ssa_risk/schemas/profile.schema.json",
        "ssa_risk/defaults/rules/scoring.yaml",
        "ssa_risk/defaults/templates/report.md.j2",
        "ssa_risk/defaults/profiles/tunisia/2020.yaml",
        "ssa_risk/defaults/proposals/tunisia-2020.yaml",
        "ssa_risk/defaults/proposals/tunisia-2020.decision.yaml",
        "ssa_risk/py.typed",
    ):
        assert expected in names
    # Every module of the package is in the wheel.
    modules = {
        "ssa_risk/" + p.relative_to(REPO_ROOT / "engine").as_posix()
        for p in (REPO_ROOT / "engine").rglob("*.py")
    }
    assert modules <= set(names)


def test_assess_with_no_project_uses_the_bundled_data_from_any_folder(ssa_risk, tmp_path):
    result = _run(ssa_risk, "assess", cwd=tmp_path)
    assert result.stderr == ""
    assert (
        "Tunisia 2020-07: high risk — conditions required, score 61 (40 findings) → "
        "reports/tunisia-2020.md"
    ) in result.stdout.splitlines()
    assert len(result.stdout.splitlines()) == 20  # every bundled snapshot of nine countries
    report = (tmp_path / "reports" / "tunisia-2020.md").read_text(encoding="utf-8")
    assert "| Profile | `<bundled>/profiles/tunisia/2020.yaml` (sha256 " in report
    assert "| Rule set | `<bundled>/rules` (sha256 " in report
    assert "| Templates | `<bundled>/templates` (sha256 " in report
    assert "site-packages" not in report
    assert str(REPO_ROOT) not in report
    # The same report as the checkout gives, hashes included, but for the folder names.
    checkout = (REPO_ROOT / "tests" / "golden" / "tunisia-2020.md").read_text(encoding="utf-8")
    assert report.replace("<bundled>/", "") == checkout


def test_a_project_folder_uses_its_own_rules(ssa_risk, tmp_path):
    project = tmp_path / "project"
    (project / "country").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "rules", project / "house-rules")
    edit_file(
        project / "house-rules" / "civil_military.yaml",
        "title: Public support for military rule alongside an elevated military",
        "title: Edited in this project",
    )
    (project / "ssa-risk.toml").write_text('rules = "house-rules"\n', encoding="utf-8")
    shutil.copytree(REPO_ROOT / "profiles" / "tunisia", project / "country" / "tunisia")
    # From a subfolder of the project: the project file is found walking up.
    _run(ssa_risk, "assess", "tunisia/2020.yaml", "-o", "r.md", cwd=project / "country")
    report = (project / "country" / "r.md").read_text(encoding="utf-8")
    assert "Edited in this project" in report
    assert "| Profile | `country/tunisia/2020.yaml` (sha256 " in report
    assert "| Rule set | `house-rules` (sha256 " in report
    assert "| Templates | `<bundled>/templates` (sha256 " in report


def test_a_bad_project_file_stops_the_installed_command(ssa_risk, tmp_path):
    (tmp_path / "ssa-risk.toml").write_text('rules = "nowhere"\n', encoding="utf-8")
    result = subprocess.run(
        [str(ssa_risk), "rules", "list"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "ssa-risk.toml:1: rules folder 'nowhere' not found next to ssa-risk.toml — create it, "
        "or correct the path (it is relative to this file)\n"
    )
