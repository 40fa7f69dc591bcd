"""A long-lived process that runs fuzz cases through the real CLI entry point, one at a time.

Protocol: the parent writes a pickled `Case` framed by its length on stdin; the worker answers
with a pickled result dict on the file descriptor that was stdout when it started (the CLI's own
output is captured, and anything else written to fd 1 goes to stderr). A crash or a hang is
seen by the parent, which restarts the worker.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ssa_risk.base.errors import InputError
from ssa_risk.console import cli
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_ruleset
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import load_profile
from ssa_risk.rules.loader import RuleSet, load_rules
from tests.fuzz.harness import Case, read_message, write_message

_RULESETS: dict[str, tuple[RuleSet, CompiledRuleset]] = {}


def _rules(directory: Path) -> tuple[RuleSet, CompiledRuleset]:
    """A rule set loaded and compiled, kept while its files stay the same."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    key = digest.hexdigest()
    if key not in _RULESETS:
        ruleset = load_rules(directory)
        _RULESETS[key] = (ruleset, compile_ruleset(ruleset))
    return _RULESETS[key]


def cross_check(profile: str, rules: str) -> dict[str, Any] | None:
    """The rules durable_rules fired and the rules the Python evaluator finds, or None if the
    profile or the rules do not load (then there is nothing to compare)."""
    try:
        ruleset, compiled = _rules(Path(rules))
        loaded = load_profile(Path(profile))
    except InputError:
        return None
    facts = profile_facts(loaded)
    try:
        firings, _ = evaluate(compiled, facts)
        engine = sorted({f.rule_id for f in firings})
        oracle = sorted(Evaluator(ruleset, facts).fired)
    except Exception:
        return {"error": traceback.format_exc(limit=8)}
    return {"engine": engine, "oracle": oracle}


def run_case(case: Case, root: Path) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="case-", dir=root))
    try:
        for rel, data in case.files.items():
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chdir(work)
        result = CliRunner().invoke(cli.main, case.args, catch_exceptions=True)
        escaped = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            escaped = "".join(traceback.format_exception(result.exception, limit=-8))
        created = sorted(
            str(p.relative_to(work))
            for p in work.rglob("*")
            if not p.is_dir() and str(p.relative_to(work)) not in case.files
        )
        cross = None
        if case.cross_check is not None and result.exit_code == 0:
            cross = cross_check(*case.cross_check)
        return {
            "exit": result.exit_code,
            "stdout": result.stdout,
            "stderr": result.stderr,
            "escaped": escaped,
            "created": created,
            "cross": cross,
        }
    finally:
        os.chdir(root)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray output from C code must not corrupt the replies
    requests = sys.stdin.buffer
    root = Path(tempfile.mkdtemp(prefix="ssa-fuzz-"))
    try:
        while (case := read_message(requests)) is not None:
            write_message(replies, run_case(case, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
