"""Fuzzing through the real CLI entry point, in a worker subprocess (tests/fuzz/).

Each strategy runs a few derandomized cases here, so CI is reproducible and quick; `make fuzz`
runs 100,000. Properties: exit code 0, 2 or 3; exit 2 prints one `where: problem — fix` line per
problem and no traceback; a run writes its complete set of outputs or nothing, and never leaves
a temporary file; no case hangs or kills the process; when the profile and the rules load,
durable_rules and the Python evaluator fire the same rules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ssa_risk.assessment.batch import profiles_in
from tests.fuzz.harness import REPO_ROOT, Case, Worker, failures
from tests.fuzz.strategies import STRATEGIES
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES

PROFILES = profiles_in(DEFAULT_PROFILES)

BOUNDED = settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker(timeout=20)
    yield w
    w.stop()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_fuzz_strategy(worker: Worker, name: str) -> None:
    @BOUNDED
    @given(STRATEGIES[name](known=False))
    def holds(case: Case) -> None:
        assert failures(case, worker.run(case)) == []

    holds()


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_bundled_profiles_cross_check(worker: Worker, profile: Any) -> None:
    rel = str(profile.relative_to(REPO_ROOT))
    case = Case(
        "bundled",
        {},
        ["validate", str(profile)],
        cross_check=(str(profile), str(DEFAULT_RULES)),
        subject=rel,
    )
    result = worker.run(case)
    assert failures(case, result) == []
    assert result["cross"] is not None and result["cross"]["engine"]  # compared, and rules fired


# The harness itself: each property must be able to fail.

GOOD = {
    "exit": 0,
    "stdout": "",
    "stderr": "",
    "escaped": None,
    "created": ["o/r.md"],
    "cross": {"engine": ["A"], "oracle": ["A"]},
}
ASSESS = Case("t", {}, ["assess", "p.yaml"], outputs=["o/r.md"])


def signatures(result: dict[str, Any], case: Case = ASSESS) -> list[str]:
    return [sig for sig, _ in failures(case, {**GOOD, **result})]


def test_harness_accepts_a_good_run() -> None:
    assert signatures({}) == []
    assert signatures({"exit": 2, "created": [], "stderr": "p.yaml:3:1: bad — fix it\n"}) == []


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"exit": 1, "created": []}, "t: exit 1: (no message)"),
        ({"exit": 2, "created": [], "stderr": ""}, "t: exit 2 without a message"),
        (
            {"exit": 2, "created": [], "stderr": "p.yaml: bad — fix\n  in line 3\n"},
            "t: not a problem line:   in line N",
        ),
        ({"stderr": "Traceback (most recent call last):\n"}, "t: traceback printed"),
        ({"exit": 2, "stderr": "p.yaml: bad — fix"}, "t: partial output"),
        ({"created": ["o/r.md", "o/.r.md.x.tmp"]}, "t: temporary file left"),
        ({"created": []}, "t: incomplete output"),
        (
            {"cross": {"engine": ["A"], "oracle": ["B"]}},
            "t: cross-check: durable_rules and the evaluator disagree",
        ),
        ({"escaped": "Traceback\nKeyError: 'x'"}, "t: uncaught: KeyError: '…'"),
    ],
)
def test_harness_catches(result: dict[str, Any], expected: str) -> None:
    assert expected in signatures(result)


class _Scripted(Worker):
    """A worker whose process is a given script, to check how deaths and hangs are seen."""

    def __init__(self, script: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.script = script

    def _spawn(self) -> Any:
        import subprocess

        return subprocess.Popen(
            [sys.executable, "-c", self.script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )


def test_harness_catches_a_signal() -> None:
    worker = _Scripted("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", timeout=10)
    try:
        assert signatures(worker.run(ASSESS)) == ["t: died: signal 11"]
    finally:
        worker.stop()


def test_harness_catches_a_hang() -> None:
    worker = _Scripted("import time; time.sleep(30)", timeout=0.5)
    try:
        assert signatures(worker.run(ASSESS)) == ["t: hang"]
    finally:
        worker.stop()
