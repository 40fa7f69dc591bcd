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
from typing import Any

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

# Compiles each test (the `matches` operator's compiled form) on its own ruleset; prints one
# answer line per test, in order. The child asks durable_rules' compiler directly (no host, no
# actions): 'ok' or the error code.
_CHILD = """
import json, sys
import durable_rules_engine
for i, test in enumerate(json.load(sys.stdin)):
    rule = {"all": [{"m": {"$and": [{"fact": "$probe"}, test]}}]}
    try:
        durable_rules_engine.create_ruleset(f"pattern-{i}", json.dumps({"r": rule}))
        answer = "ok"
    except Exception as exc:
        text = str(exc)
        answer = text.rsplit(" ", 1)[-1] if "error code" in text else "error"
    print(answer, flush=True)
"""

_known: dict[str, str] = {}


def pattern_problems(tests: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Wildcard patterns the engine cannot compile, each with the reason (empty if all can).

    `tests` maps each wildcard to the engine test the `matches` operator compiles it to.
    """
    wildcards = list(tests)
    todo = [w for w in wildcards if w not in _known]
    while todo:
        answers = _compile([tests[w] for w in todo])
        for wildcard, answer in zip(todo, answers, strict=False):
            _known[wildcard] = answer
        todo = todo[len(answers) :]
    return {
        w: REASONS.get(_known[w], "the engine rejects it") for w in wildcards if _known[w] != "ok"
    }


def _compile(tests: list[dict[str, Any]]) -> list[str]:
    """Answers for a prefix of `tests` (at least one): stops at a crash or a hang."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=json.dumps(tests),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
        answers, failure = done.stdout.split(), "crash"
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        answers = (out.decode() if isinstance(out, bytes) else out).split()
        failure = "hang"
    if len(answers) < len(tests):
        answers.append(failure)
    return answers[: len(tests)]


_PATTERN_SPECIALS = frozenset(".*+?()[]{}|%")


def wildcard_pattern(wildcard: str) -> str:
    """`counter*` (any text) and `?` (one character) in durable_rules' pattern dialect.

    That dialect gives meaning to many characters and rejects some escapes, so analysts write
    wildcards and every other special character is escaped here. Matching is of the whole
    value, ignoring case.
    """
    out = []
    for ch in wildcard:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch in _PATTERN_SPECIALS:
            out.append("%" + ch)
        else:
            out.append(ch)
    return "".join(out)


# The engine ignores the case of ASCII letters only: 'É' does not match 'é'.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def wildcard_matches(wildcard: str, text: str) -> bool:
    """Whether the whole of `text` matches `wildcard` (`*` any text, `?` one character),
    ignoring the case of ASCII letters as the engine does: the independent evaluation's
    reading of `matches`.

    One pass that remembers only the last `*`, so the work grows with the lengths of the two
    texts multiplied, never more: a regular expression of many `*` backtracks for minutes on
    a short text that does not match."""
    pattern, value = wildcard.translate(_ASCII_LOWER), text.translate(_ASCII_LOWER)
    p = t = 0
    star, resume = -1, 0  # the last `*` passed, and where in the text it last began to take
    while t < len(value):
        if p < len(pattern) and pattern[p] == "*":
            star, resume = p, t
            p += 1
        elif p < len(pattern) and pattern[p] in ("?", value[t]):
            p += 1
            t += 1
        elif star >= 0:  # let the last `*` take one more character, and try again after it
            resume += 1
            p, t = star + 1, resume
        else:
            return False
    return all(c == "*" for c in pattern[p:])
