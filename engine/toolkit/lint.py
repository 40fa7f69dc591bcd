"""`ssa-risk rules lint`: what loading already refuses, plus warnings a careful reviewer gives.

Errors are the rule set's load problems (unknown fields, values, operators, joins, duplicate
ids, signals no rule concludes, narratives that use unbound names or fail to render for the
values the profile schema allows), and narratives that fail to render on an example that
fires. Warnings are legal but suspect: a signal concluded and never used, a condition that
can never hold, a rule without an example that fires and one that stays silent, a reference
nobody cites.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.paths import display_path
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_ruleset
from ssa_risk.rules.loader import FieldTest, Pattern, Ref, Rule, RuleSet, load_rules
from ssa_risk.rules.model import DEFAULT_BY, DEFAULT_STANCE, RECOMMEND_BY, RECOMMEND_STANCES
from ssa_risk.rules.operators import show
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
        compiled = compile_ruleset(ruleset)  # the engine's limits on the set as a whole
    except InputError as exc:
        return LintResult(tuple(exc.problems), (), None)
    errors = _narration_errors(ruleset, compiled)
    if errors:
        return LintResult(tuple(sorted(set(errors))), (), ruleset)
    warnings: list[Problem] = []
    warnings += _unused_signals(ruleset)
    for rule in ruleset.rules:
        for pattern in rule.patterns:
            warnings += _impossible(rule, pattern)
        warnings += _examples(rule)
    warnings += _unused_references(ruleset, directory)
    warnings += _untagged_recommendations(ruleset)
    return LintResult((), tuple(sorted(set(warnings))), ruleset)


def _narration_errors(ruleset: RuleSet, compiled: CompiledRuleset) -> list[Problem]:
    """Narratives that fail to render on the examples written to make a rule fire."""
    return [
        problem
        for rule in ruleset.rules
        for i, example in enumerate(rule.examples)
        if example.expect == "fires"
        for problem in run_example(ruleset, compiled, rule, i).narration_problems
    ]


def _unused_signals(ruleset: RuleSet) -> list[Problem]:
    used = {signal for rule in ruleset.rules for signal in rule.signals_used}
    return [
        Problem(
            rule.file,
            rule.line,
            None,
            f"rule {rule.id} concludes signal '{rule.conclude}' but no rule uses it",
            "use it in another rule's conditions, or remove 'conclude'",
            "warning",
            rule.id,
        )
        for rule in ruleset.rules
        if rule.conclude and rule.conclude not in used
    ]


def _impossible(rule: Rule, pattern: Pattern) -> list[Problem]:
    """Tests on one field that no value can pass together (what each passes: its operator's
    limits)."""
    by_field: dict[str, list[FieldTest]] = {}
    for test in pattern.tests:
        if not isinstance(test.value, Ref):
            by_field.setdefault(test.field, []).append(test)
    out = []
    for field, tests in by_field.items():
        if len(tests) < 2:
            continue
        limits = reduce(lambda a, b: a.meet(b), (t.operator.limits(t.value) for t in tests))
        if limits.empty:
            out.append(
                Problem(
                    rule.file,
                    tests[-1].line,
                    None,
                    f"rule {rule.id}: no value of '{field}' can pass all of "
                    + ", ".join(f"{t.op} {show(t.value)}" for t in tests),
                    "the condition can never hold; correct the bounds or values",
                    "warning",
                    rule.id,
                    field,
                )
            )
    return out


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
            f"rule {rule.id} has no example {wanted.replace('one that ', 'that ', 1)}",
            f"add {wanted} under 'examples:'",
            "warning",
            rule.id,
        )
    ]


def _untagged_recommendations(ruleset: RuleSet) -> list[Problem]:
    """Recommendations written as plain text: they count as by: agency, stance: condition,
    which the report's consolidated recommendations group and rank them by."""
    out = []
    for doc in ruleset.documents.values():
        items = doc.data.get("rules") if isinstance(doc.data, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("recommend"), list):
                continue
            for j, action in enumerate(item["recommend"]):
                if isinstance(action, str):
                    out.append(
                        doc.problem(
                            ("rules", i, "recommend", j),
                            f"rule {item.get('id')}: recommendation has no 'by:' or 'stance:'",
                            f"write it as 'do: ...' with 'by:' ({_or(RECOMMEND_BY)}) and "
                            f"'stance:' ({_or(RECOMMEND_STANCES)}); until then it counts as "
                            f"by: {DEFAULT_BY}, stance: {DEFAULT_STANCE}",
                            "warning",
                            rule=str(item.get("id")),
                        )
                    )
    return out


def _or(names: Iterable[str]) -> str:
    words = list(names)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _unused_references(ruleset: RuleSet, directory: Path) -> list[Problem]:
    cited = {c.ref for rule in ruleset.rules for c in rule.cite}
    refs = ruleset.documents.get(display_path(directory / "references.yaml"))
    if refs is None:
        return []
    return [
        refs.problem(
            ("references", key),
            f"reference '{key}' is not cited by any rule",
            "cite it or remove it",
            "warning",
        )
        for key in refs.data.get("references", {})
        if key not in cited
    ]


def lint_json(result: LintResult) -> str:
    """Every problem as JSON, in file, line, column order: for editors and CI annotations."""
    problems = sorted(result.errors + result.warnings, key=_json_order)
    return json.dumps(
        {
            "format_version": 1,
            "problems": [
                p.as_json("file", "line", "column", "level", "rule", "message", "fix")
                for p in problems
            ],
        },
        indent=2,
        ensure_ascii=False,
    )


def _json_order(p: Problem) -> tuple[str, int, int, str, str, str]:
    return (p.file, p.line or 0, p.column or 0, p.level, p.message, p.fix)
