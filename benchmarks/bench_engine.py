"""Benchmark the rules engine as the assessment uses it against plain Python evaluations.

What is measured, on the facts of `--profiles` synthetic profiles (bench_assess.py's
generator, seeded) and of every bundled snapshot, against the bundled rule set:

- durable_rules through the wrapper (`ssa_risk.evaluation.durable.evaluate`): one batch of
  the profile's facts, every action run, the end marker, the completeness checks and the
  session deleted.
- A plain, indexed Python evaluation of the same rules (`PlainEvaluator` below): facts
  grouped by kind and signals by name, each condition's tests turned into tuples once, and
  the rules that read signals judged again only while new signals appear. It is the
  reference the issue compares the wrapper with; it is written here, not in the engine.
- The independent evaluator the engine's `--verify` and the tests use as an oracle
  (`ssa_risk.evaluation.explain.Evaluator`), which keeps every test's result so that it can
  explain a rule: slower by design.

Each is the best of `--rounds` rounds over all the fact sets, in milliseconds per profile.
The three must find the same findings (rule id and subject) on every profile, or the
benchmark stops. Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_engine.py [--profiles N] [--rounds R] [--seed S]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench_assess import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES, write_profiles

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.evaluation.verify import Findings, engine_findings, evaluator_findings
from ssa_risk.profile.facts import Fact, profile_facts
from ssa_risk.profile.reader import load_profile
from ssa_risk.profile.snapshots import folder_snapshots
from ssa_risk.rules.loader import Pattern, Ref, Rule, RuleSet
from ssa_risk.rules.operators import MISSING

# One test: (engine field, holds, whether a missing field passes, value, join or None).
Test = tuple[str, Callable[[Any, Any], bool], bool, Any, tuple[str, str] | None]
Condition = tuple[str, str, str | None, tuple[Test, ...]]  # kind, name, signal name, tests


def _condition(pattern: Pattern) -> Condition:
    tests = []
    for test in pattern.tests:
        value = test.value
        join = (value.name, value.engine_field) if isinstance(value, Ref) else None
        op = test.operator
        tests.append((test.engine_field, op.holds, op.passes_missing(value), value, join))
    signal = pattern.signal_test
    return pattern.fact, pattern.name, signal.value if signal else None, tuple(tests)


class PlainEvaluator:
    """The rules of a rule set, evaluated in plain Python with facts indexed by kind."""

    def __init__(self, ruleset: RuleSet) -> None:
        rules = [(rule, self._compile(rule)) for rule in ruleset.rules]
        # As the engine judges them: rules without `none` while facts and signals arrive, then
        # every rule once the end marker is in; after a first pass over a set, only the rules
        # that name a signal can change, and only while new signals appear.
        positive = [c for rule, c in rules if not rule.none]
        self.phases = [
            (positive, [c for c in positive if c[5]]),
            ([c for _, c in rules], [c for rule, c in rules if rule.signals_used]),
        ]

    @staticmethod
    def _compile(rule: Rule) -> tuple[Any, ...]:
        branches = [(*rule.all, alt) for alt in rule.any] if rule.any else [rule.all]
        return (
            rule.id,
            [tuple(_condition(p) for p in branch) for branch in branches],
            tuple(_condition(p) for p in rule.none),
            rule.conclude,
            rule.subject,
            bool(rule.signals_used),
        )

    def run(self, facts: Sequence[Fact]) -> Findings:
        by_kind: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            by_kind[fact.kind].append(fact)
        signals: dict[str, list[Fact]] = {}
        matches: dict[str, set[tuple[str, ...]]] = {}
        found: Findings = set()

        def candidates(condition: Condition) -> list[Fact]:
            kind, _, signal, _ = condition
            if kind == "signal":
                return (
                    signals.get(signal, [])
                    if signal
                    else [s for group in signals.values() for s in group]
                )
            return by_kind.get(kind, [])

        def passes(tests: tuple[Test, ...], fact: Fact, bound: dict[str, Fact]) -> bool:
            fields = fact.fields
            for field, holds, missing_passes, value, join in tests:
                actual = fields.get(field, MISSING)
                if actual is MISSING:
                    if not missing_passes:
                        return False
                    continue
                if join is not None:
                    other = bound.get(join[0])
                    value = MISSING if other is None else other.fields.get(join[1], MISSING)
                    if value is MISSING:
                        return False
                if not holds(actual, value):
                    return False
            return True

        def bind(branch: Sequence[Condition], bound: dict[str, Fact]) -> Any:
            if not branch:
                yield dict(bound)
                return
            first, rest = branch[0], branch[1:]
            used = {f.id for f in bound.values()}
            for fact in candidates(first):
                if fact.id not in used and passes(first[3], fact, bound):
                    bound[first[1]] = fact
                    yield from bind(rest, bound)
                    del bound[first[1]]

        def blocked(none: tuple[Condition, ...], bound: dict[str, Fact]) -> bool:
            used = {f.id for f in bound.values()}
            return any(
                fact.id not in used and passes(c[3], fact, bound)
                for c in none
                for fact in candidates(c)
            )

        def judge(rules: Sequence[tuple[Any, ...]]) -> bool:
            grew = False
            for rule_id, branches, none, conclude, subject, _ in rules:
                have = matches.setdefault(rule_id, set())
                for branch in branches:
                    if len(branch) == 1:  # most rules: one condition, no join to make
                        _, name, _, tests = branch[0]
                        found_here: Any = (
                            {name: fact}
                            for fact in candidates(branch[0])
                            if passes(tests, fact, {})
                        )
                    else:
                        found_here = bind(branch, {})
                    for bound in found_here:
                        if none and blocked(none, bound):
                            continue
                        key = tuple(sorted(f.id for f in bound.values()))
                        if key in have:
                            continue
                        have.add(key)
                        fact = bound.get(subject) if subject else None
                        found.add((rule_id, fact.id if fact else None))
                        if conclude and conclude not in signals:
                            signals[conclude] = [
                                Fact(f"signal:{rule_id}", "signal", (), {"name": conclude})
                            ]
                            grew = True
            return grew

        for every, readers in self.phases:
            if judge(every):
                while judge(readers):
                    pass
        return found


def best_ms(run: Callable[[list[Fact]], object], fact_sets: list[list[Fact]], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for facts in fact_sets:
            run(facts)
        best = min(best, (time.perf_counter() - start) / len(fact_sets) * 1000)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)

    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    ruleset, compiled = assessor.ruleset, assessor.compiled
    plain = PlainEvaluator(ruleset)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_profiles(Path(folder), args.profiles, args.seed)
        paths += [
            p for d in sorted(DEFAULT_PROFILES.iterdir()) for p in folder_snapshots(d, d.name)
        ]
        fact_sets = [profile_facts(load_profile(path)) for path in paths]

    # The three must agree before any of them is timed.
    for path, facts in zip(paths, fact_sets, strict=True):
        firings, _ = evaluate(compiled, facts)
        by_engine = engine_findings(ruleset, firings)
        by_oracle = evaluator_findings(ruleset, Evaluator(ruleset, facts))
        by_plain = plain.run(facts)
        if not by_engine == by_oracle == by_plain:
            print(f"{path.name}: the evaluations disagree", file=sys.stderr)
            print(f"  engine only: {sorted(by_engine - by_plain, key=str)}", file=sys.stderr)
            print(f"  plain only: {sorted(by_plain - by_engine, key=str)}", file=sys.stderr)
            return 1

    wrapper = best_ms(lambda facts: evaluate(compiled, facts), fact_sets, args.rounds)
    reference = best_ms(plain.run, fact_sets, args.rounds)
    oracle = best_ms(lambda facts: Evaluator(ruleset, facts), fact_sets, args.rounds)
    count = sum(len(f) for f in fact_sets) / len(fact_sets)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(
        f"{len(fact_sets)} fact sets ({args.profiles} synthetic, {len(fact_sets) - args.profiles}"
        f" bundled), {count:.0f} facts each on average, {len(ruleset.rules)} rules; best of "
        f"{args.rounds} rounds"
    )
    print(f"{'evaluation':58s} {'ms/profile':>10s} {'ratio':>6s}")
    rows = [
        ("durable_rules through the wrapper", wrapper),
        ("plain indexed Python (the reference)", reference),
        ("the independent evaluator (--verify, explain)", oracle),
    ]
    for name, ms in rows:
        print(f"{name:58s} {ms:10.3f} {ms / reference:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
