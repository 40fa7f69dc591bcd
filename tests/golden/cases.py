"""The golden reports: which command produces each, and how to produce it in-process."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from click.testing import CliRunner

from ssa_risk.console import cli
from tests.helpers import REPO_ROOT

GOLDEN = Path(__file__).parent
CASES: dict[str, list[str]] = {
    "tunisia-2020.md": ["profiles/tunisia/2020.yaml"],
    "tunisia-2020.html": ["profiles/tunisia/2020.yaml", "--format", "html"],
    "tunisia-2020.json": ["profiles/tunisia/2020.yaml", "--format", "json"],
    "tunisia-timeline.md": ["profiles/tunisia"],
    "tunisia-timeline.html": ["profiles/tunisia", "--format", "html"],
}


def render_case(args: list[str]) -> str:
    """Run `ssa-risk assess ARGS -o FILE` from the project root and return the file's text."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / (
            "report." + (args[args.index("--format") + 1] if "--format" in args else "md")
        )
        old = Path.cwd()
        os.chdir(REPO_ROOT)
        try:
            result = CliRunner().invoke(cli.main, ["assess", *args, "-o", str(out)])
        finally:
            os.chdir(old)
        if result.exit_code != 0:
            raise RuntimeError(f"ssa-risk assess {' '.join(args)} failed: {result.stderr}")
        return out.read_text(encoding="utf-8")
