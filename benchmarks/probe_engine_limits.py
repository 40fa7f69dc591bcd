"""Probe durable_rules' limits: run the engine just below and just above each one.

Each run happens in a child process with a timeout, so a segfault or an endless loop in the
C extension is reported instead of killing the probe. Prints a Markdown table: the limit, the
largest value that works, what happens one above it, and where the limit is in the C source
(durable_rules 2.0.28, src/rules).

    .venv/bin/python benchmarks/probe_engine_limits.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

TIMEOUT = 15.0

# Registers one ruleset and asserts facts; prints the rules that fired or the engine error.
_CHILD = r"""
import json, sys
from durable import engine
class Host(engine.Host):
    def _run(self):
        pass
spec = json.load(sys.stdin)
fired = []
rules = spec["rules"]
for name, rule in rules.items():
    rule["run"] = (lambda n: (lambda c: fired.append(n)))(name)
host = Host()
try:
    host.register_rulesets({"probe": rules})
except Exception as exc:
    print(json.dumps({"error": "register: " + str(exc)}))
    sys.exit(0)
try:
    host.assert_facts("probe", spec["facts"])
except Exception as exc:
    print(json.dumps({"error": "assert: " + str(exc)}))
    sys.exit(0)
print(json.dumps({"fired": sorted(set(fired))}))
"""

Spec = tuple[dict[str, Any], list[dict[str, Any]], Callable[[list[str]], bool]]


def run(spec: Spec) -> str:
    """'ok', or what went wrong: an engine error, a crash, a hang or a wrong result."""
    rules, facts, expected = spec
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=json.dumps({"rules": rules, "facts": facts}),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"hang (no answer in {TIMEOUT:.0f} s)"
    if done.returncode < 0:
        return f"crash (signal {-done.returncode})"
    if done.returncode != 0:
        return f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if "error" in answer:
        text = str(answer["error"]).replace("Could not create ruleset, ", "")
        return text.replace("Could not assert facts, ", "").split(": [", 1)[0][:80]
    if not expected(answer["fired"]):
        return f"silently wrong (fired: {answer['fired'][:3]})"
    return "ok"


def _fires(rule: str) -> Callable[[list[str]], bool]:
    return lambda fired: rule in fired


def rules_per_set(n: int) -> Spec:
    # Spread over several kinds and codes so that no node gets too many children.
    rules = {
        f"r{i}": {"all": [{"m": {"$and": [{"fact": f"k{i // 400}"}, {"code": f"c{i % 400}"}]}}]}
        for i in range(n)
    }
    return rules, [{"id": "f", "fact": "k0", "code": "c0"}], _fires("r0")


def children_per_node(n: int) -> Spec:
    options = [{"code": f"c{i}"} for i in range(n)]
    rules = {"r": {"all": [{"m": {"$and": [{"fact": "k"}, {"$or": options}]}}]}}
    return rules, [{"id": "f", "fact": "k", "code": "c0"}], _fires("r")


def rules_sharing_condition(n: int) -> Spec:
    rules = {f"r{i}": {"all": [{"m": {"$and": [{"fact": "k"}, {"code": "a"}]}}]} for i in range(n)}
    return rules, [{"id": "f", "fact": "k", "code": "a"}], _fires("r0")


def lists_sharing_value(n: int) -> Spec:
    rules = {
        f"r{i}": {
            "all": [{"m": {"$and": [{"fact": "k"}, {"$or": [{"code": "a"}, {"code": f"b{i}"}]}]}}]
        }
        for i in range(n)
    }
    return rules, [{"id": "f", "fact": "k", "code": f"b{n - 1}"}], _fires(f"r{n - 1}")


def lists_per_condition(n: int) -> Spec:
    terms: list[dict[str, Any]] = [{"fact": "k"}]
    terms += [{"$or": [{f"f{i}": 1}, {f"f{i}": 2}]} for i in range(n)]
    rules = {"r": {"all": [{"m": {"$and": terms}}]}}
    fact: dict[str, Any] = {"id": "f", "fact": "k", **{f"f{i}": 1 for i in range(n)}}
    return rules, [fact], _fires("r")


def conditions_per_rule(n: int) -> Spec:
    rules = {"r": {"all": [{f"m{i}": {"fact": f"k{i}"}} for i in range(n)]}}
    facts = [{"id": f"f{i}", "fact": f"k{i}"} for i in range(n)]
    return rules, facts, _fires("r")


def nodes_passed(n: int) -> Spec:
    # n conditions on one kind whose second tests can all hold for one fact.
    rules = {
        f"r{i}": {"all": [{"m": {"$and": [{"fact": "k"}, {"$gt": {"v": i}}]}}]} for i in range(n)
    }
    return rules, [{"id": "f", "fact": "k", "v": 10_000}], _fires("r0")


def properties_per_fact(n: int) -> Spec:
    rules = {"r": {"all": [{"m": {"fact": "k"}}]}}
    fact: dict[str, Any] = {"id": "f", "fact": "k", **{f"p{i}": i for i in range(n - 2)}}
    return rules, [fact], _fires("r")


def text_bytes(n: int) -> Spec:
    rules: dict[str, Any] = {
        "r": {"all": [{"m": {"$and": [{"fact": "k"}, {"$imt": {"t": "x.*"}}]}}]}
    }
    rules["any"] = {"all": [{"m": {"$ex": {"fact": 1}}}]}  # so an unmatched fact is handled
    return rules, [{"id": "f", "fact": "k", "t": "x" * n}], _fires("r")


def text_bytes_utf8(n: int) -> Spec:
    # 'é' is two bytes in UTF-8: n bytes of text in n // 2 characters.
    rules: dict[str, Any] = {
        "r": {"all": [{"m": {"$and": [{"fact": "k"}, {"$imt": {"t": "é.*"}}]}}]}
    }
    rules["any"] = {"all": [{"m": {"$ex": {"fact": 1}}}]}  # so an unmatched fact is handled
    return rules, [{"id": "f", "fact": "k", "t": "é" * (n // 2)}], _fires("r")


def pattern_stars(n: int) -> Spec:
    rules = {"r": {"all": [{"m": {"$and": [{"fact": "k"}, {"$imt": {"t": ".*" * n}}]}}]}}
    return rules, [{"id": "f", "fact": "k", "t": "x"}], _fires("r")


def pattern_length(n: int) -> Spec:
    rules = {"r": {"all": [{"m": {"$and": [{"fact": "k"}, {"$imt": {"t": "a" * n}}]}}]}}
    return rules, [{"id": "f", "fact": "k", "t": "a" * n}], _fires("r")


PROBES: list[tuple[str, Callable[[int], Spec], int, str]] = [
    ("rules in one set (incl. 2 internal)", rules_per_set, 4096, "rete.c createTree, MAX_ACTIONS"),
    (
        "distinct tests under one node (`in:` values)",
        children_per_node,
        511,
        "rete.c findAlpha/linkAlpha, NEXT_BUCKET_LENGTH 512 (rules.h)",
    ),
    (
        "conditions sharing one identical test chain",
        rules_sharing_condition,
        255,
        "rete.c linkAlpha, BETA_LIST_LENGTH 256 (rules.h)",
    ),
    (
        "`in:` lists holding one same value",
        lists_sharing_value,
        128,
        "rete.c linkAlpha, NEXT_LIST_LENGTH 128 (rules.h)",
    ),
    (
        "`in:` lists (of 2+ values) in one condition",
        lists_per_condition,
        14,
        "rete.c APPEND_EXPRESSION, MAX_SEQUENCE_EXPRESSIONS 32 (rete.h)",
    ),
    ("conditions in one rule", conditions_per_rule, 16, "state.c, MAX_MESSAGE_FRAMES 16 (state.h)"),
    (
        "condition nodes one fact passes at once",
        nodes_passed,
        64,
        "events.c handleAlpha, MAX_STACK_SIZE 64",
    ),
    (
        "properties of one fact (incl. id, fact)",
        properties_per_fact,
        253,
        "events.c/json.c, MAX_OBJECT_PROPERTIES 255 (state.h)",
    ),
    (
        "bytes of text a `matches` reads (ASCII)",
        text_bytes,
        65535,
        "events.c: unsigned short leftLength; regex.c evaluateRegex",
    ),
    (
        "bytes of text a `matches` reads (UTF-8)",
        text_bytes_utf8,
        65534,
        "events.c: unsigned short leftLength; regex.c evaluateRegex",
    ),
    ("`*` in one pattern", pattern_stars, 126, "regex.c (NFA to DFA), MAX_QUEUE/MAX_LIST"),
    ("characters in a literal pattern", pattern_length, 4094, "regex.c, MAX_STATES 4096"),
]


def main() -> None:
    print("| limit | largest value that works | one above it | where (src/rules) |")
    print("| --- | --- | --- | --- |")
    for name, build, value, where in PROBES:
        at = run(build(value))
        above = run(build(value + 1 if build is not text_bytes_utf8 else value + 2))
        shown = value if at == "ok" else f"{value} ({at})"
        print(f"| {name} | {shown} | {above} | {where} |", flush=True)


if __name__ == "__main__":
    main()
