"""`ssa-risk rules lint`: what loading already refuses, plus warnings a careful reviewer gives.

Errors are the rule set's load problems (unknown fields, values, operators, joins, duplicate
ids, signals no rule concludes, narratives that use unbound names or fail to render for the
values the profile schema allows), and narratives that fail to render on an example that
fires. Warnings are legal but suspect: a signal concluded and never used, a condition that
can never hold, a rule without an example that fires and one that stays silent, a reference
nobody cites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.paths import display_path
from ssa_risk.evaluation.compiler import compile_ruleset
from ssa_risk.rules.loader import FieldTest, Pattern, Ref, Rule, RuleSet, load_rules
from ssa_risk.toolkit.examples import run_example


@dataclass(frozen=True)
class LintResult:
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    ruleset: RuleSet | None


def lint_rules(directory: Path) -> LintResult:
    """Errors (the rule set does not load) or the warnings of a rule set that does."""
    try:
        ruleset = load_rules(directory)
        compile_ruleset(ruleset)  # the engine's limits on the set as a whole
    except InputError as exc:
        return LintResult(tuple(exc.problems), (), None)
    errors = _narration_errors(ruleset)
    if errors:
        return LintResult(tuple(sorted(set(errors))), (), ruleset)
    warnings: list[Problem] = []
    warnings += _unused_signals(ruleset)
    for rule in ruleset.rules:
        for pattern in rule.patterns:
            warnings += _impossible(rule, pattern)
        warnings += _examples(rule)
    warnings += _unused_references(ruleset, directory)
    return LintResult((), tuple(sorted(set(warnings))), ruleset)


def _narration_errors(ruleset: RuleSet) -> list[Problem]:
    """Narratives that fail to render on the examples written to make a rule fire."""
    try:
        compiled = compile_ruleset(ruleset)
    except InputError as exc:
        return list(exc.problems)
    return [
        problem
        for rule in ruleset.rules
        for i, example in enumerate(rule.examples)
        if example.expect == "fires"
        for problem in run_example(ruleset, compiled, rule, i).narration_problems
    ]


def _unused_signals(ruleset: RuleSet) -> list[Problem]:
    used = {
        str(t.value)
        for rule in ruleset.rules
        for p in rule.patterns
        if p.fact == "signal"
        for t in p.tests
        if t.field == "name"
    }
    return [
        Problem(
            rule.file,
            rule.line,
            None,
            f"warning: rule {rule.id} concludes signal '{rule.conclude}' but no rule uses it",
            "use it in another rule's conditions, or remove 'conclude'",
        )
        for rule in ruleset.rules
        if rule.conclude and rule.conclude not in used
    ]


def _impossible(rule: Rule, pattern: Pattern) -> list[Problem]:
    """Tests on one field that no value can pass together."""
    by_field: dict[str, list[FieldTest]] = {}
    for test in pattern.tests:
        if not isinstance(test.value, Ref):
            by_field.setdefault(test.field, []).append(test)
    out = []
    for field, tests in by_field.items():
        if len(tests) < 2:
            continue
        low, high = -math.inf, math.inf
        low_open = high_open = False
        allowed: set[object] | None = None
        absent = any(t.op == "exists" and t.value is False for t in tests)
        for t in tests:
            if t.op in ("gt", "gte") and isinstance(t.value, int | float):
                if t.value > low or (t.value == low and t.op == "gt"):
                    low, low_open = t.value, t.op == "gt"
            elif t.op in ("lt", "lte") and isinstance(t.value, int | float):
                if t.value < high or (t.value == high and t.op == "lt"):
                    high, high_open = t.value, t.op == "lt"
            elif t.op in ("eq", "in"):
                values = set(t.value) if t.op == "in" else {t.value}
                allowed = values if allowed is None else allowed & values
        empty_range = low > high or (low == high and (low_open or high_open))
        if allowed is not None and (low, high) != (-math.inf, math.inf):
            allowed = {
                v
                for v in allowed
                if isinstance(v, int | float)
                and (v > low if low_open else v >= low)
                and (v < high if high_open else v <= high)
            }
        others = [t for t in tests if not (t.op == "exists" and t.value is False)]
        if empty_range or allowed == set() or (absent and others):
            out.append(
                Problem(
                    rule.file,
                    tests[-1].line,
                    None,
                    f"warning: rule {rule.id}: no value of '{field}' can pass all of "
                    + ", ".join(f"{t.op} {_show(t.value)}" for t in tests),
                    "the condition can never hold; correct the bounds or values",
                )
            )
    return out


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _examples(rule: Rule) -> list[Problem]:
    kinds = {e.expect for e in rule.examples}
    missing = [k for k in ("fires", "silent") if k not in kinds]
    if not missing:
        return []
    wanted = " and ".join(
        f"one that {'fires' if k == 'fires' else 'stays silent'}" for k in missing
    )
    return [
        Problem(
            rule.file,
            rule.line,
            None,
            f"warning: rule {rule.id} has no example {wanted.replace('one that ', 'that ', 1)}",
            f"add {wanted} under 'examples:'",
        )
    ]


def _unused_references(ruleset: RuleSet, directory: Path) -> list[Problem]:
    cited = {c.ref for rule in ruleset.rules for c in rule.cite}
    refs = ruleset.documents.get(display_path(directory / "references.yaml"))
    if refs is None:
        return []
    return [
        refs.problem(
            ("references", key),
            f"warning: reference '{key}' is not cited by any rule",
            "cite it or remove it",
        )
        for key in refs.data.get("references", {})
        if key not in cited
    ]
