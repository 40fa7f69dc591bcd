"""`ssa-risk --help` and each command's --help import click and a small module of choices,
not the rules engine, the schemas, the templates or the PDF and chart libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import TUNISIA_2020

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


# Not needed by a Markdown assessment of a valid profile: charts, PDF, progress bar, Dask,
# and (with the checked rule set in the cache) the schema validator, which words problems.
NOT_FOR_ASSESS = ("matplotlib", "weasyprint", "rich", "dask", "distributed")


def _heavy(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in modules if any(n == h or n.startswith(f"{h}.") for h in names))


def test_a_markdown_assessment_imports_what_it_uses(tmp_path, monkeypatch):
    """An assessment imports neither the charts, the PDF writer nor the progress bar; once
    the rule set is in the cache, not jsonschema either (a valid profile needs no wording of
    its problems)."""
    monkeypatch.setenv("SSA_RISK_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "report.md"
    args = ("assess", str(TUNISIA_2020), "-o", str(out))
    code, output, cold = loaded_after(*args)
    assert code == 0
    assert output.startswith("Tunisia 2020-07: high risk")
    assert _heavy(cold, NOT_FOR_ASSESS) == []
    code, output, warm = loaded_after(*args)
    assert code == 0
    assert _heavy(warm, (*NOT_FOR_ASSESS, "jsonschema")) == []
    # The modules of other commands and formats stay out too.
    others = ("ssa_risk.toolkit", "ssa_risk.comparison.tipping", "ssa_risk.assessment.serialize")
    assert _heavy(warm, others) == []


def test_an_invalid_profile_is_still_worded_by_the_schema(tmp_path, monkeypatch, tunisia_copy):
    """jsonschema is imported when a profile has a problem, and words it as before."""
    monkeypatch.setenv("SSA_RISK_CACHE_DIR", str(tmp_path / "cache"))
    profile = tunisia_copy / "2020.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace("iso3: TUN\n", "iso3: TUNX\n", 1), encoding="utf-8")
    code, output, modules = loaded_after("validate", str(profile))
    assert code == 2
    assert output == (
        f"{profile}:10:1: iso3: 'TUNX' is not in the expected form — ISO 3166-1 alpha-3 "
        "country code, e.g. TUN\n1 problem in 1 of 1 profile\n"
    )
    assert "jsonschema" in modules
