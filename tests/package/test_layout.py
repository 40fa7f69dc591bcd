"""pyproject.toml lists what setuptools and import-linter need: a sub-package missing from
`packages` is silently left out of the wheel, and one missing from the layers is unchecked."""

from __future__ import annotations

import ast
import tomllib

from tests.helpers import REPO_ROOT

ENGINE = REPO_ROOT / "engine"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _folders() -> list[str]:
    """Every folder of the package that holds files, as its import name."""
    return sorted(
        ".".join(["ssa_risk", *d.relative_to(ENGINE).parts])
        for d in [ENGINE, *ENGINE.rglob("*")]
        if d.is_dir()
        and d.name != "__pycache__"
        and any(f.is_file() and f.suffix != ".pyc" for f in d.iterdir())
    )


def test_every_folder_of_the_package_is_a_listed_package():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert sorted(set(_folders()) - listed) == []
    for folder in ENGINE.rglob("*"):
        if folder.is_dir() and any(folder.glob("*.py")):
            assert (folder / "__init__.py").is_file(), f"{folder} has no __init__.py"


def test_every_part_of_the_package_is_a_layer():
    [layers] = [
        c["layers"] for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    parts = {f"ssa_risk.{d.name}" for d in ENGINE.iterdir() if (d / "__init__.py").is_file()}
    parts |= {f"ssa_risk.{f.stem}" for f in ENGINE.glob("*.py") if f.stem != "__init__"}
    assert sorted(parts - set(layers)) == []
    assert "ssa_risk.console" in layers


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
