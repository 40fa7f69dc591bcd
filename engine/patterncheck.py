"""Which `matches` patterns durable_rules can compile, asked of the engine in a child process.

durable_rules turns a pattern into a state machine whose size is not a simple function of its
length or of its wildcards: `*a*a?` already fails (error 503), `*abc*abc*abc*abc*abc` too,
while `*a*b*c*d*e*f*g*h` compiles, and 127 `*` crash the process (segfault). The only exact
test is to compile the pattern, which is done here in a separate process with a timeout, so
that a pattern that crashes or hangs the engine is refused before the evaluating process
ever registers it. Answers are kept for the life of the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 20.0
REASONS = {
    "501": "the engine cannot parse it",
    "502": "too many transitions for the engine",
    "503": "too many states for the engine",
    "504": "too complex for the engine (its queue overflows)",
    "505": "too complex for the engine (its list overflows)",
    "506": "too complex for the engine (its set overflows)",
    "crash": "it crashes the engine",
    "hang": "the engine does not finish compiling it",
}

# Compiles each pattern on its own ruleset; prints one answer line per pattern, in order.
_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from engine.durable import compile_pattern
for i, pattern in enumerate(json.load(sys.stdin)):
    print(compile_pattern(i, pattern), flush=True)
"""
_ROOT = str(Path(__file__).resolve().parent.parent)

_known: dict[str, str] = {}


def pattern_problems(wildcards: list[str]) -> dict[str, str]:
    """Wildcard patterns the engine cannot compile, each with the reason (empty if all can)."""
    todo = [w for w in dict.fromkeys(wildcards) if w not in _known]
    while todo:
        answers = _compile(todo)
        for wildcard, answer in zip(todo, answers, strict=False):
            _known[wildcard] = answer
        todo = todo[len(answers) :]
    return {
        w: REASONS.get(_known[w], "the engine rejects it") for w in wildcards if _known[w] != "ok"
    }


def _compile(wildcards: list[str]) -> list[str]:
    """Answers for a prefix of `wildcards` (at least one): stops at a crash or a hang."""
    from .compiler import wildcard_pattern  # the compiler imports the rule loader

    patterns = [wildcard_pattern(w) for w in wildcards]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, _ROOT],
            input=json.dumps(patterns),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
        answers, failure = done.stdout.split(), "crash"
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        answers = (out.decode() if isinstance(out, bytes) else out).split()
        failure = "hang"
    if len(answers) < len(wildcards):
        answers.append(failure)
    return answers[: len(wildcards)]
