"""Compile rules into durable_rules' data-defined ruleset form.

Each condition becomes a named pattern whose first test is the fact kind, so a fact only
ever reaches the few nodes written for its kind (durable_rules fails a fact that passes
more than 64 nodes).

Negation needs care. durable_rules judges a `none` condition when the rule's other facts
arrive, and a matching fact asserted later does not undo the firing; a rule whose first
condition is negated never fires at all. So every rule with a `none` condition is anchored
first on an end-of-facts marker that the engine asserts only after every profile fact and
every concluded signal is in. Negating a signal that is itself concluded by a negating rule
would still depend on order, so the compiler refuses it (negation must be stratified).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError, Problem
from .facts import PROFILE_ID_FIELD
from .rules import FieldTest, Pattern, Ref, Rule, RuleSet

START_KIND = "$start"
END_KIND = "$end"
# Names of the internal anchor conditions: not facts a rule author bound.
ANCHOR_NAMES = frozenset({"_start", "_end"})
# Limits measured for durable_rules (see README, "Engine limits"), with headroom.
MAX_RULES = 4000
MAX_PATTERNS_PER_KIND = 60
MAX_TESTS_PER_PATTERN = 32

_COMPARE = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


@dataclass(frozen=True)
class CompiledRuleset:
    """A rule set in durable_rules' JSON form, named by the hash of that form."""

    name: str
    definition: dict[str, Any]  # engine rule name → antecedent
    conclusions: dict[str, str]  # rule id → signal it concludes
    rule_ids: dict[str, str] = field(default_factory=dict)  # engine rule name → rule id

    def rule_id(self, engine_name: str) -> str:
        return self.rule_ids.get(engine_name, engine_name)


def compile_ruleset(ruleset: RuleSet) -> CompiledRuleset:
    """Translate every rule; raise InputError if the set would exceed an engine limit."""
    problems: list[Problem] = []
    if len(ruleset.rules) > MAX_RULES:
        problems.append(
            Problem(
                ruleset.directory,
                None,
                None,
                f"{len(ruleset.rules)} rules, over the engine's limit of {MAX_RULES}",
                "merge or retire rules",
            )
        )
    per_kind: Counter[str] = Counter()
    definition: dict[str, Any] = {}
    rule_ids: dict[str, str] = {}
    for rule in ruleset.rules:
        for pattern in rule.patterns:
            per_kind[pattern.fact] += 1
            if len(pattern.tests) > MAX_TESTS_PER_PATTERN:
                problems.append(
                    Problem(
                        rule.file,
                        pattern.line,
                        None,
                        f"rule {rule.id}: {len(pattern.tests)} tests in one condition, "
                        f"over the limit of {MAX_TESTS_PER_PATTERN}",
                        "split the rule",
                    )
                )
        for engine_name, antecedent in compile_rule(rule).items():
            definition[engine_name] = antecedent
            rule_ids[engine_name] = rule.id
    problems.extend(_unstratified(ruleset))
    for kind, count in sorted(per_kind.items()):
        if count > MAX_PATTERNS_PER_KIND:
            problems.append(
                Problem(
                    ruleset.directory,
                    None,
                    None,
                    f"{count} conditions test '{kind}' facts, over the engine's limit of "
                    f"{MAX_PATTERNS_PER_KIND}",
                    "combine conditions into signals that other rules reuse",
                )
            )
    if problems:
        raise InputError(problems)
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:16]
    conclusions = {r.id: r.conclude for r in ruleset.rules if r.conclude}
    return CompiledRuleset(f"ssa-{digest}", definition, conclusions, rule_ids)


def _unstratified(ruleset: RuleSet) -> list[Problem]:
    # A signal is order-dependent if a negating rule concludes it, or if it is concluded from
    # such a signal, however many steps away.
    negating = {r.conclude for r in ruleset.rules if r.conclude and r.none}
    while True:
        more = {
            r.conclude
            for r in ruleset.rules
            if r.conclude
            and r.conclude not in negating
            and any(
                p.fact == "signal" and t.field == "name" and t.value in negating
                for p in r.all + r.any
                for t in p.tests
            )
        }
        if not more:
            break
        negating |= more
    out = []
    for rule in ruleset.rules:
        for pattern in rule.none:
            for test in pattern.tests:
                if pattern.fact == "signal" and test.field == "name" and test.value in negating:
                    out.append(
                        Problem(
                            rule.file,
                            pattern.line,
                            None,
                            f"rule {rule.id}: 'none' tests signal '{test.value}', which rests "
                            "on a rule that itself has a 'none' condition",
                            "rewrite one of the two rules without 'none'",
                        )
                    )
    return out


def compile_rule(rule: Rule) -> dict[str, dict[str, Any]]:
    """One rule as durable_rules rules: engine rule name → antecedent (actions come later).

    A rule with `any` alternatives becomes one engine rule per alternative (`ID#0`, `ID#1`,
    …). durable_rules' own `any` fires once for every combination of facts across the
    alternatives, so a rule with two alternatives over programmes fired for every pair of
    programmes: quadratic work and memory for no new finding. Rule ids cannot contain '#'.
    """
    anchor = [{"_end": {"fact": END_KIND}}] if rule.none else []
    base = [*anchor, *({p.name: _expression(p)} for p in rule.all)]
    nots = [{f"{p.name}$not": _expression(p)} for p in rule.none]
    if not rule.any:
        return {rule.id: {"all": base + nots}}
    return {
        f"{rule.id}#{i}": {"all": [*base, {alternative.name: _expression(alternative)}, *nots]}
        for i, alternative in enumerate(rule.any)
    }


def _expression(pattern: Pattern) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [{"fact": pattern.fact}]
    terms.extend(_test(t) for t in pattern.tests)
    return terms[0] if len(terms) == 1 else {"$and": terms}


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


def _field(test: FieldTest) -> str:
    return PROFILE_ID_FIELD if test.field == "id" else test.field


def _operand(value: Any) -> Any:
    if isinstance(value, Ref):
        field = PROFILE_ID_FIELD if value.field == "id" else value.field
        return {value.name: field}
    return value


def _test(test: FieldTest) -> dict[str, Any]:
    field = _field(test)
    if test.op == "eq":
        return {field: _operand(test.value)}
    if test.op in _COMPARE:
        return {_COMPARE[test.op]: {field: _operand(test.value)}}
    if test.op == "in":
        # Values in a list are distinct, so at most one branch can hold: no double firing.
        options = [{field: v} for v in dict.fromkeys(test.value)]
        return options[0] if len(options) == 1 else {"$or": options}
    if test.op == "exists":
        return {("$ex" if test.value else "$nex"): {field: 1}}
    if test.op == "matches":
        return {"$imt": {field: wildcard_pattern(str(test.value))}}
    if test.op == "contains":
        return {"$iany": {field: {"$i": _operand(test.value)}}}
    raise ValueError(f"operator {test.op} has no translation")
