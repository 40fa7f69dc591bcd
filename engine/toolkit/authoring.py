"""Text and JSON for the rule-authoring commands: list, show, test, coverage, explain.

Each function returns the text a command prints; the CLI only prints it.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.evaluation.compiler import CompiledRuleset
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.explain import (
    ConditionResult,
    Evaluator,
    Explanation,
    expected_text,
    fact_label,
    near_misses,
    signal_chain,
    where,
)
from ssa_risk.profile.derived import DERIVED, is_derived
from ssa_risk.profile.facts import (
    Fact,
    descriptive_fields,
    field_schemas,
    profile_facts,
)
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.rules.loader import Rule, RuleSet
from ssa_risk.rules.model import Ref
from ssa_risk.rules.narrative import narrative_references
from ssa_risk.rules.operators import MISSING, show
from ssa_risk.toolkit.examples import (
    ExampleResult,
    example_document,
    example_name,
    run_example,
)

# --- rules list / show --------------------------------------------------------------------


def rules_table(ruleset: RuleSet, lens: str | None) -> str:
    rules = [r for r in ruleset.rules if lens is None or r.lens == lens]
    rows = [("ID", "LENS", "SEVERITY", "TITLE")]
    rows += [(r.id, r.lens, _severity(r), r.title) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def rules_json(ruleset: RuleSet, lens: str | None) -> str:
    return json.dumps(
        [
            {
                "id": r.id,
                "lens": r.lens,
                "severity": r.severity,
                "effect": r.effect,
                "title": r.title,
                "file": r.file,
                "line": r.line,
            }
            for r in ruleset.rules
            if lens is None or r.lens == lens
        ],
        indent=2,
        ensure_ascii=False,
    )


def _severity(rule: Rule) -> str:
    if rule.severity is None:
        return f"signal {rule.conclude}"
    if rule.effect in ("mitigation", "protective"):
        return f"{rule.effect} ({rule.severity})"
    if rule.effect == "gate":
        return f"gate ({rule.scope})"
    return rule.severity


def rule_text(ruleset: RuleSet, rule: Rule) -> str:
    """A rule, readable: what it says, when it holds, why, what to do, and its examples."""
    lens = ruleset.lens(rule.lens)
    lines = [
        f"{rule.id}: {rule.title}",
        f"  lens: {lens.title} ({rule.lens})",
        (f"  severity: {_severity(rule)}" if rule.severity else "  finding: none")
        + (f"; concludes signal {rule.conclude}" if rule.conclude else ""),
        f"  defined at {rule.file}:{rule.line}",
        "",
        "When:",
    ]
    for group, patterns in (("all of", rule.all), ("any of", rule.any), ("none of", rule.none)):
        if not patterns:
            continue
        lines.append(f"  {group}:")
        for p in patterns:
            if p.signal is not None:
                lines.append(f"    - signal {p.signal}")
                continue
            name = "" if p.name.startswith("_") else f" (as {p.name})"
            tests = ", ".join(f"{t.field} {expected_text(t)}" for t in p.tests) or "any"
            lines.append(f"    - {p.fact}{name}: {tests}")
    if rule.because:
        lines += ["", "Because:", f"  {rule.because}"]
    if rule.recommend:
        lines += ["", "Recommend:"] + [f"  - {r.tags} {r.text}" for r in rule.recommend]
    lines += ["", "Cites:"] + [f"  - {c.text}" + (f" ({c.at})" if c.at else "") for c in rule.cite]
    if rule.examples:
        lines += ["", "Examples:"]
        for i, example in enumerate(rule.examples):
            named = f" {example.name}" if example.name else ""
            lines.append(f"  [{i}] expect {example.expect}{named} ({rule.file}:{example.line})")
    return "\n".join(lines)


# --- rules test -------------------------------------------------------------------------


@dataclass(frozen=True)
class TestRun:
    results: tuple[ExampleResult, ...]
    explanations: dict[str, str]  # example name → why-not text, for failures


def run_rule_tests(ruleset: RuleSet, compiled: CompiledRuleset, pattern: str | None) -> TestRun:
    """Every example (or those whose rule id or name matches `-k PATTERN`); InputError when
    there is none to run."""
    results = []
    explanations = {}
    for rule in ruleset.rules:
        for i in range(len(rule.examples)):
            if pattern and not _selected(pattern, rule, example_name(rule, i)):
                continue
            result = run_example(ruleset, compiled, rule, i)
            results.append(result)
            if not result.passed and not result.problems:
                doc = example_document(ruleset, rule, rule.examples[i])
                profile = Profile(doc)
                evaluator = Evaluator(ruleset, profile_facts(profile))
                explanations[result.name] = explanation_text(
                    profile, evaluator, evaluator.explain(rule)
                )
    if not results:
        raise InputError([_nothing_to_run(ruleset, pattern)])
    return TestRun(tuple(results), explanations)


def _nothing_to_run(ruleset: RuleSet, pattern: str | None) -> Problem:
    tested = [rule.id for rule in ruleset.rules if rule.examples]
    if not tested:
        return Problem(
            ruleset.directory,
            None,
            None,
            "no rule has examples",
            "add 'examples:' to a rule (see README, Rules)",
        )
    return Problem(
        f"-k {pattern}",
        None,
        None,
        "no example matches",
        did_you_mean(str(pattern).upper(), tested, f"try a rule id such as {tested[0]}"),
    )


def _selected(pattern: str, rule: Rule, name: str) -> bool:
    needle = pattern.lower()
    if any(ch in needle for ch in "*?["):
        return fnmatch.fnmatch(rule.id.lower(), needle) or fnmatch.fnmatch(name.lower(), needle)
    return needle in name.lower() or needle in rule.lens.lower()


def test_report(run: TestRun) -> str:
    lines = []
    for result in run.results:
        if result.passed:
            continue
        lines.append(f"FAIL {result.name} ({result.file}:{result.line})")
        if result.problems:
            lines.append("  the example is not a valid profile:")
            lines += [f"    {p}" for p in result.problems]
            continue
        wanted = "fire" if result.expect == "fires" else "stay silent"
        did = "fired" if result.fired else "stayed silent"
        lines.append(f"  expected {result.rule_id} to {wanted}; it {did}")
        why = run.explanations.get(result.name)
        if why:
            lines += ["  " + line for line in why.splitlines()]
    passed = sum(1 for r in run.results if r.passed)
    failed = len(run.results) - passed
    lines.append(f"{passed} passed, {failed} failed")
    return "\n".join(lines)


# --- coverage -------------------------------------------------------------------------------


def coverage_text(
    ruleset: RuleSet,
    compiled: CompiledRuleset,
    run: TestRun,
    profiles: Sequence[Path],
) -> str:
    """Per rule: fired in an example? in a profile of the project? And the profile fields
    no rule reads."""
    in_examples = {r.rule_id for r in run.results if r.fired}
    in_profiles: dict[str, list[str]] = {}
    for path in profiles:
        profile = load_profile(path)
        facts = profile_facts(profile)
        firings, _ = evaluate(compiled, facts)
        for firing in firings:
            in_profiles.setdefault(firing.rule_id, []).append(path.stem)
    width = max(len(r.id) for r in ruleset.rules)
    lines = [f"{'RULE'.ljust(width)}  EXAMPLE  PROFILES"]
    for rule in ruleset.rules:
        example = "yes" if rule.id in in_examples else "no"
        where_fired = ", ".join(sorted(set(in_profiles.get(rule.id, [])))) or "-"
        lines.append(f"{rule.id.ljust(width)}  {example.ljust(7)}  {where_fired}")
    unread = unread_fields(ruleset)
    lines += [
        "",
        f"Profile fields no rule reads and the schema does not mark descriptive ({len(unread)}):",
    ]
    lines += [f"  {name}" for name in unread] or ["  (none)"]
    fired_somewhere = sum(1 for r in ruleset.rules if r.id in in_examples or r.id in in_profiles)
    lines.append(
        f"{fired_somewhere} of {len(ruleset.rules)} rules fire in an example or a profile; "
        f"{len(in_profiles)} fire in a profile of the project"
    )
    return "\n".join(lines)


def fields_read(ruleset: RuleSet) -> set[tuple[str, str]]:
    """(fact kind, field) pairs the rules read: in their conditions, in their narratives, and
    through the derived fields they read (a derived field reads what it is computed from)."""
    read: set[tuple[str, str]] = set()
    for rule in ruleset.rules:
        kinds = {p.name: p.fact for p in rule.patterns}
        read |= {(p.fact, t.field) for p in rule.patterns for t in p.tests}
        # A join reads the field it compares with, too.
        read |= {
            (kinds[t.value.name], t.value.field)
            for p in rule.patterns
            for t in p.tests
            if isinstance(t.value, Ref) and t.value.name in kinds
        }
        try:
            _, attributes = narrative_references(rule.because)
        except TemplateError:  # rules lint reports it; coverage reads what it can
            attributes = set()
        read |= {(kinds[name], attr) for name, attr in attributes if name in kinds}
    for derived in DERIVED:
        if (derived.kind, derived.name) in read:
            read |= set(derived.reads)
    return read


def unread_fields(ruleset: RuleSet) -> list[str]:
    """Every field a profile collects (`kind.field`; derived fields are computed, not
    collected) that no rule reads and that the schema does not mark descriptive only, sorted."""
    read = fields_read(ruleset)
    descriptive = descriptive_fields()
    return sorted(
        f"{kind}.{name}"
        for kind, fields in field_schemas().items()
        if kind != "signal"
        for name in fields
        if (kind, name) not in read
        and name not in descriptive.get(kind, set())
        and not is_derived(kind, name)
    )


# --- explain --------------------------------------------------------------------------------


def explanation_text(profile: Profile, evaluator: Evaluator, explanation: Explanation) -> str:
    rule = explanation.rule
    if explanation.fired:
        lines = [f"{rule.id} fired: {rule.title}", "Matched:"]
        for name, fact in sorted(explanation.bindings[0].items()):
            lines += _fact_lines(profile, rule, name, fact)
        chain = signal_chain(evaluator, rule)
        if chain:
            lines.append("Signals it relied on:")
            for signal, source, bound in chain:
                lines.append(
                    f"  {signal}, concluded by {source.id} ({source.file}:{source.line}) from:"
                )
                for name, fact in sorted(bound.items()):
                    lines += ["  " + line for line in _fact_lines(profile, source, name, fact)]
        if len(explanation.bindings) > 1:
            lines.append(
                f"({len(explanation.bindings)} combinations of facts matched; first shown)"
            )
        return "\n".join(lines)
    lines = [f"{rule.id} did not fire: {rule.title}", "Conditions, failing first:"]
    for condition in explanation.conditions:
        lines += _condition_lines(profile, evaluator.ruleset, rule, condition)
    return "\n".join(lines)


def _fact_lines(profile: Profile, rule: Rule, name: str, fact: Fact) -> list[str]:
    if fact.kind == "signal":
        return [f"  signal {fact.fields['name']}"]
    pattern = next((p for p in rule.patterns if p.name == name), None)
    tests = pattern.tests if pattern else ()
    lines = [f"  {fact_label(fact)} ({where(profile, fact)})"]
    for test in tests:
        value = fact.fields.get(test.engine_field, MISSING)
        lines.append(f"    {test.field} = {show(value)} ({where(profile, fact, test.field)})")
    return lines


def _condition_lines(
    profile: Profile, ruleset: RuleSet, rule: Rule, condition: ConditionResult
) -> list[str]:
    mark = "ok  " if condition.held else "FAIL"
    pattern = condition.pattern
    rule_at = f"{rule.file}:{pattern.line}"
    if pattern.signal is not None:
        name = pattern.signal
        if condition.held:
            state = "concluded"
        else:
            sources = [r.id for r in ruleset.rules if r.conclude == name]
            state = "not concluded" + (
                f" ({', '.join(sources)} did not fire)" if sources else " by any rule"
            )
        return [f"  {mark} signal {name}: {state} ({rule_at})"]
    if condition.group == "none":
        if condition.held:
            return [f"  {mark} none: no {pattern.fact} matches ({rule_at})"]
        return [
            f"  {mark} none: {fact_label(condition.fact)} matches, which must be absent"
            f" ({rule_at}; {where(profile, condition.fact)})"
        ]
    if condition.fact is None:
        return [f"  {mark} {condition.group}: the profile has no {pattern.fact} ({rule_at})"]
    label = fact_label(condition.fact)
    what = pattern.fact if label == pattern.fact else f"{pattern.fact} {label}"
    lines = [f"  {mark} {condition.group}: {what} ({rule_at})"]
    for t in sorted(condition.tests, key=lambda t: t.passed):
        state = "ok  " if t.passed else "FAIL"
        if t.actual is MISSING:
            actual = "missing from the profile"
        else:
            actual = f"{show(t.actual)} (profile {where(profile, condition.fact, t.test.field)})"
        lines.append(
            f"    {state} {t.test.field}: expected {t.expected}, actual {actual}"
            f" (rule {rule.file}:{t.test.line})"
        )
    return lines


def explain_profile_text(profile: Profile, evaluator: Evaluator) -> str:
    """Without --rule: the rules that fired, and the near misses (all but one test held)."""
    ruleset = evaluator.ruleset
    fired = [r for r in ruleset.rules if r.id in evaluator.fired]
    lines = [f"{profile.country} {profile.as_of}: {len(fired)} rules fired"]
    lines += [f"  {r.id:8} {r.title}" for r in fired]
    misses = near_misses(evaluator)
    lines.append(f"Near misses ({len(misses)}): all but one test held")
    for explanation in misses:
        failing = next(c for c in explanation.conditions if not c.held)
        what = _miss(failing)
        lines.append(f"  {explanation.rule.id:8} {explanation.rule.title}: {what}")
    lines.append("Run `ssa-risk explain PROFILE --rule ID` for one rule's conditions.")
    return "\n".join(lines)


def _miss(condition: ConditionResult) -> str:
    if condition.pattern.signal is not None:
        return f"signal {condition.pattern.signal} not concluded"
    if condition.group == "none":
        return f"{fact_label(condition.fact)} is present"
    if condition.fact is None:
        return f"no {condition.pattern.fact} in the profile"
    failing = next(t for t in condition.tests if not t.passed)
    actual = "missing" if failing.actual is MISSING else show(failing.actual)
    return f"{failing.test.field} is {actual}, needs {failing.expected}"
