"""Why a rule fired or did not: every condition evaluated in Python, with its values.

durable_rules says which rules fired, not which condition failed, so this module evaluates
the same conditions itself. It follows the engine's semantics as the compiler uses them: a
missing field fails every test but `exists: false`; `none` conditions are judged after every
fact and signal is in; signals concluded by rules without `none` are available to all rules.
Because it is an independent evaluation, tests also use it as an oracle: on every bundled
profile and rule example, it must find exactly the rules the engine fired.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ssa_risk.base.source import format_path
from ssa_risk.profile.facts import Fact, engine_field
from ssa_risk.profile.reader import Profile
from ssa_risk.rules.loader import FieldTest, Pattern, Ref, Rule, RuleSet
from ssa_risk.rules.operators import MISSING, show


@dataclass(frozen=True)
class TestResult:
    """One test of one condition against one fact."""

    test: FieldTest
    expected: str
    actual: Any  # MISSING when the fact has no such field
    passed: bool


@dataclass(frozen=True)
class ConditionResult:
    """A condition and the fact that came closest to meeting it (or that blocked a `none`)."""

    group: str  # all / any / none
    pattern: Pattern
    fact: Fact | None
    tests: tuple[TestResult, ...]
    held: bool

    @property
    def failed(self) -> int:
        if self.group == "none":
            return 0 if self.held else 1
        return sum(1 for t in self.tests if not t.passed) + (0 if self.fact else 1)


@dataclass(frozen=True)
class Explanation:
    rule: Rule
    fired: bool
    conditions: tuple[ConditionResult, ...]
    bindings: tuple[dict[str, Fact], ...]  # every combination of facts that fired the rule

    @property
    def failing(self) -> int:
        """How many tests stand between this rule and firing (0 if it fired)."""
        return 0 if self.fired else sum(c.failed for c in self.conditions if not c.held)

    @property
    def passing(self) -> int:
        """How many tests already hold."""
        return sum(1 for c in self.conditions for t in c.tests if t.passed)


class Evaluator:
    """All rules of a rule set evaluated against one profile's facts, signals included."""

    def __init__(self, ruleset: RuleSet, facts: Sequence[Fact]) -> None:
        self.ruleset = ruleset
        self.facts = list(facts)
        self.signals: dict[str, list[Fact]] = {}  # name → signal facts
        self.matches: dict[str, list[dict[str, Fact]]] = {}
        positive = [r for r in ruleset.rules if not r.none]
        self._fixpoint(positive)
        # The engine's end marker: from here on every rule, negating ones included, is judged
        # whenever a new signal arrives. Matches are never withdrawn, as in the engine.
        self._fixpoint(list(ruleset.rules))

    def _fixpoint(self, rules: Sequence[Rule]) -> None:
        while True:
            grew = False
            for rule in rules:
                found = list(self._match(rule))
                if len(found) > len(self.matches.get(rule.id, [])):
                    grew |= self._record(rule, found)
            if not grew:
                return

    def _record(self, rule: Rule, found: list[dict[str, Fact]]) -> bool:
        self.matches[rule.id] = found
        if not (rule.conclude and found):
            return False
        have = self.signals.setdefault(rule.conclude, [])
        if have:
            return False
        have.append(Fact(f"signal:{rule.id}", "signal", (), {"name": rule.conclude, "by": rule.id}))
        return True

    @property
    def fired(self) -> set[str]:
        return {rule_id for rule_id, found in self.matches.items() if found}

    def _candidates(self, pattern: Pattern) -> list[Fact]:
        if pattern.fact == "signal":
            return [f for facts in self.signals.values() for f in facts]
        return [f for f in self.facts if f.kind == pattern.fact]

    def _match(self, rule: Rule) -> Iterable[dict[str, Fact]]:
        branches: list[tuple[Pattern, ...]] = (
            [(*rule.all, alt) for alt in rule.any] if rule.any else [rule.all]
        )
        seen: set[tuple[tuple[str, str], ...]] = set()
        for patterns in branches:
            for bound in self._bind(patterns, {}):
                if any(self._blocker(p, bound) for p in rule.none):
                    continue
                key = tuple(sorted((name, f.id) for name, f in bound.items()))
                if key not in seen:
                    seen.add(key)
                    yield bound

    def _bind(
        self, patterns: Sequence[Pattern], bound: dict[str, Fact]
    ) -> Iterable[dict[str, Fact]]:
        if not patterns:
            yield dict(bound)
            return
        first, rest = patterns[0], patterns[1:]
        used = {f.id for f in bound.values()}
        for fact in self._candidates(first):
            # Like the engine, one fact never fills two conditions of a rule.
            if fact.id in used:
                continue
            if all(r.passed for r in self.test_fact(first, fact, bound)):
                bound[first.name] = fact
                yield from self._bind(rest, bound)
                del bound[first.name]

    def _blocker(self, pattern: Pattern, bound: Mapping[str, Fact]) -> Fact | None:
        used = {f.id for f in bound.values()}
        for fact in self._candidates(pattern):
            if fact.id in used:  # a fact the rule bound cannot also block it
                continue
            if all(r.passed for r in self.test_fact(pattern, fact, bound)):
                return fact
        return None

    def test_fact(
        self, pattern: Pattern, fact: Fact, bound: Mapping[str, Fact]
    ) -> list[TestResult]:
        return [_run_test(t, fact, bound) for t in pattern.tests]

    def explain(self, rule: Rule) -> Explanation:
        """Each condition of `rule` with its closest fact; failing conditions first."""
        found = self.matches.get(rule.id, [])
        best = found[0] if found else self._closest_bindings(rule)
        results: list[ConditionResult] = []
        for group, patterns in (("all", rule.all), ("any", rule.any)):
            for pattern in patterns:
                fact = best.get(pattern.name)
                if fact is None:
                    fact, tests = self._closest(pattern, best)
                else:
                    tests = self.test_fact(pattern, fact, best)
                held = fact is not None and all(t.passed for t in tests)
                results.append(ConditionResult(group, pattern, fact, tuple(tests), held))
        if rule.any and not found:
            # Only one alternative needs to hold: show the closest one as the one that failed.
            alternatives = [r for r in results if r.group == "any"]
            closest = min(alternatives, key=lambda r: r.failed)
            results = [r for r in results if r.group == "all" or r is closest]
        for pattern in rule.none:
            blocker = self._blocker(pattern, best)
            tests = self.test_fact(pattern, blocker, best) if blocker else []
            results.append(ConditionResult("none", pattern, blocker, tuple(tests), blocker is None))
        ordered = sorted(results, key=lambda r: (r.held, _group_order(r.group)))
        return Explanation(rule, bool(found), tuple(ordered), tuple(found))

    def _closest(
        self, pattern: Pattern, bound: Mapping[str, Fact]
    ) -> tuple[Fact | None, list[TestResult]]:
        best: tuple[int, Fact | None, list[TestResult]] = (len(pattern.tests) + 1, None, [])
        # Another signal is never "close" to the one a rule needs: it was concluded or not.
        exact = pattern.fact == "signal"
        for fact in self._candidates(pattern):
            if exact and not all(t.passed for t in self.test_fact(pattern, fact, bound)):
                continue
            tests = self.test_fact(pattern, fact, bound)
            failed = sum(1 for t in tests if not t.passed)
            if failed < best[0]:
                best = (failed, fact, tests)
        if best[1] is None:
            return None, [_run_test(t, None, bound) for t in pattern.tests]
        return best[1], best[2]

    def _closest_bindings(self, rule: Rule) -> dict[str, Fact]:
        """For a rule that did not fire: the facts that come closest, condition by condition."""
        bound: dict[str, Fact] = {}
        for pattern in (*rule.all, *rule.any):
            fact, _ = self._closest(pattern, bound)
            if fact is not None:
                bound[pattern.name] = fact
        return bound


def _group_order(group: str) -> int:
    return ("all", "any", "none").index(group)


def _value(fact: Fact | None, field: str) -> Any:
    if fact is None:
        return MISSING
    return fact.fields.get(engine_field(field), MISSING)


def _resolve(value: Any, bound: Mapping[str, Fact]) -> Any:
    if isinstance(value, Ref):
        return _value(bound.get(value.name), value.field)
    return value


def _run_test(test: FieldTest, fact: Fact | None, bound: Mapping[str, Fact]) -> TestResult:
    actual = _value(fact, test.field)
    target = _resolve(test.value, bound)
    operator = test.operator
    if actual is MISSING:
        passed = operator.passes_missing(test.value)
    elif target is MISSING:
        passed = False
    else:
        passed = operator.holds(actual, target)
    return TestResult(test, expected_text(test, bound), actual, passed)


def expected_text(test: FieldTest, bound: Mapping[str, Fact] | None = None) -> str:
    """`>= 40`, `one of [stalled, deadlocked]`, `= mil.id (armed_forces)`, `present`."""
    value = test.value
    if isinstance(value, Ref):
        resolved = _resolve(value, bound or {})
        shown = str(value)
        if resolved is not MISSING:
            shown += f" ({show(resolved)})"
        return test.operator.expected(value, shown)
    return test.operator.expected(value, show(value))


def where(profile: Profile, fact: Fact | None, field: str | None = None) -> str:
    """`file:line` of a fact's field in the profile, or of the fact when the field is absent."""
    if fact is None or fact.kind == "signal":
        return ""
    path = (*fact.path, field) if field else fact.path
    loc = profile.doc.locations.get(path) or profile.doc.location(fact.path)
    return f"{loc.file}:{loc.line}" if loc else profile.path


def fact_label(fact: Fact | None) -> str:
    if fact is None:
        return "(no such fact)"
    if fact.kind == "signal":
        return f"signal {fact.fields['name']}"
    return format_path(fact.path) or fact.kind


def near_misses(evaluator: Evaluator) -> list[Explanation]:
    """Rules that did not fire although all but one of their tests held (and some did)."""
    out = []
    for rule in evaluator.ruleset.rules:
        if rule.id in evaluator.fired:
            continue
        explanation = evaluator.explain(rule)
        if explanation.failing == 1 and explanation.passing >= 1:
            out.append(explanation)
    return out


def signal_chain(evaluator: Evaluator, rule: Rule) -> list[tuple[str, Rule, dict[str, Fact]]]:
    """The signals a fired rule relied on, back to the indicators they were concluded from."""
    chain: list[tuple[str, Rule, dict[str, Fact]]] = []
    todo = list(rule.signals_needed)
    seen: set[str] = set()
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        for source in evaluator.ruleset.rules:
            found = evaluator.matches.get(source.id, [])
            if source.conclude == name and found:
                chain.append((name, source, found[0]))
                todo += source.signals_needed
    return chain
