"""`ssa-risk --help` and each command's --help import click and a small module of choices,
not the rules engine, the schemas, the templates or the PDF and chart libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Imported only when a command runs: each costs tens of milliseconds at start.
HEAVY = (
    "ssa_risk.api",
    "jinja2",
    "jsonschema",
    "durable",
    "durable_rules_engine",
    "yaml",
    "matplotlib",
    "weasyprint",
    "rich",
)

# Runs the command as the console script does (pyproject: ssa_risk.console.cli:main), in a
# fresh interpreter, and prints its exit code, its output and the modules then loaded.
PROBE = """
import json, sys
from click.testing import CliRunner
from ssa_risk.console.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps([result.exit_code, result.output, sorted(sys.modules)]))
"""


def loaded_after(*args: str) -> tuple[int, str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    code, output, modules = json.loads(done.stdout)
    return code, output, modules


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("assess", "--help"),
        ("proposal", "--help"),
        ("tipping", "--help"),
        ("backtest", "--help"),
        ("rules", "list", "--help"),
    ],
    ids=lambda args: " ".join(args),
)
def test_help_imports_no_heavy_module(args):
    code, output, modules = loaded_after(*args)
    assert code == 0
    assert output.startswith("Usage: ssa-risk") or output.startswith("ssa-risk, version")
    heavy = sorted(
        name for name in modules if any(name == h or name.startswith(f"{h}.") for h in HEAVY)
    )
    assert heavy == []


def test_a_command_still_finds_the_library():
    """The library is imported on first use: a real command runs it."""
    code, output, modules = loaded_after("rules", "show", "NO-SUCH-RULE")
    assert code == 2
    assert output == "unknown rule 'NO-SUCH-RULE' — see 'ssa-risk rules list'\n"
    assert "ssa_risk.api" in modules
