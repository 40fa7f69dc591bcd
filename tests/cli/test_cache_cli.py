"""The cache between runs seen from the command line, each run a fresh process: a report made
from the cache (the checked rule set, its compiled narratives, the compiled templates) is
byte for byte the report made without it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import DEFAULT_TEMPLATES, REPO_ROOT, TUNISIA_2020

RUN = "import sys; from ssa_risk.console.cli import main; sys.argv[0] = 'ssa-risk'; main()"


def ssa_risk(cache: Path | None, *args: str, cwd: Path = REPO_ROOT) -> str:
    """Run `ssa-risk ARGS…` in a fresh interpreter with `cache` as its cache folder (None: the
    cache turned off); its standard output."""
    env = dict(os.environ)
    env.pop("SSA_RISK_CACHE", None)
    if cache is None:
        env["SSA_RISK_CACHE"] = "off"
    else:
        env["SSA_RISK_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def kinds(cache: Path) -> dict[str, int]:
    return {kind.name: len(list(kind.glob("*.bin"))) for kind in sorted(cache.iterdir())}


def test_a_report_from_the_cache_is_the_report_without_it(tmp_path):
    cache = tmp_path / "cache"
    made = {}
    for run, folder in (("off", None), ("empty", cache), ("warm", cache), ("again", cache)):
        out = tmp_path / f"{run}.md"
        ssa_risk(folder, "assess", str(TUNISIA_2020), "-o", str(out))
        made[run] = out.read_bytes()
        if run == "empty":
            assert kinds(cache) == {
                "rules": 1,
                "compiled": 1,
                "templates": 2,
            }  # report.md.j2 and its include
    assert made["empty"] == made["off"]
    assert made["warm"] == made["off"]
    assert made["again"] == made["off"]
    assert kinds(cache) == {"rules": 1, "compiled": 1, "templates": 2}


def test_an_edited_template_is_compiled_again(tmp_path):
    cache = tmp_path / "cache"
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    out = tmp_path / "report.md"
    args = ("assess", str(TUNISIA_2020), "-o", str(out), "--templates", str(templates))
    ssa_risk(cache, *args)
    first = out.read_text(encoding="utf-8")
    report = templates / "report.md.j2"
    report.write_text("Edited.\n" + report.read_text(encoding="utf-8"), encoding="utf-8")
    ssa_risk(cache, *args)
    second = out.read_text(encoding="utf-8")
    assert second.startswith("Edited.\n")
    # Only the first line is new (the templates' hash in the provenance changes too).
    assert second.count("\n") == first.count("\n") + 1
