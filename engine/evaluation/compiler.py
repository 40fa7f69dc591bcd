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
from dataclasses import dataclass, field
from typing import Any

from ssa_risk.base.cache import read_pickled, write_pickled
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.rules.loader import FieldTest, Pattern, Ref, Rule, RuleSet

START_KIND = "$start"
END_KIND = "$end"
# Names of the internal anchor conditions: not facts a rule author bound.
ANCHOR_NAMES = frozenset({"_start", "_end"})
# durable_rules' limits (see README, "Engine limits"; benchmarks/probe_engine_limits.py).
INTERNAL_RULE_COUNT = 3  # the start, end and sentinel rules added at registration
MAX_RULES = 4096 - INTERNAL_RULE_COUNT  # MAX_ACTIONS; one more → error 106
MAX_CHILDREN = 511  # distinct tests under one node (NEXT_BUCKET_LENGTH 512); 512 hangs
MAX_LISTED = 128  # `in:` lists sharing a value, or `exists: false` tests, under one node; → 107
MAX_SHARING = 255  # conditions ending on one identical chain of tests; 256 crashes, then 108
MAX_EXPRESSIONS = 31  # per condition: 2 per test group, 2 per `in:` list, 1 per join; → 113
MAX_STACK = 64  # tests one fact can be passing at once (MAX_STACK_SIZE); → error 303
PEAK_RULES_NAMED = 8  # rules named when a fact kind passes the stack limit


@dataclass(frozen=True)
class CompiledRuleset:
    """A rule set in durable_rules' JSON form, named by the hash of that form."""

    name: str
    definition: dict[str, Any]  # engine rule name → antecedent
    conclusions: dict[str, str]  # rule id → signal it concludes
    rule_ids: dict[str, str] = field(default_factory=dict)  # engine rule name → rule id

    def rule_id(self, engine_name: str) -> str:
        return self.rule_ids.get(engine_name, engine_name)


# Entries of the cache of compiled rule sets (ssa_risk.base.cache), under the key of the
# checked rule set they were compiled from (RuleSet.cache_key).
_CACHE_KIND = "compiled"


def compile_ruleset(ruleset: RuleSet) -> CompiledRuleset:
    """Translate every rule; raise InputError if the set would exceed an engine limit.

    A rule set with a cache key (read from the cache of checked rule sets, or stored there)
    is compiled once: the result is kept under the same key, which covers the rule files and
    the code, and read back by later processes. One with problems is never stored."""
    key = ruleset.cache_key
    if key is not None:
        cached = _cached(key)
        if cached is not None:
            return cached
    compiled = _compile(ruleset)
    if key is not None:
        write_pickled(_CACHE_KIND, key, compiled)
    return compiled


def _cached(key: str) -> CompiledRuleset | None:
    compiled = read_pickled(_CACHE_KIND, key)
    return compiled if isinstance(compiled, CompiledRuleset) else None


def _compile(ruleset: RuleSet) -> CompiledRuleset:
    problems: list[Problem] = []
    definition: dict[str, Any] = {}
    rule_ids: dict[str, str] = {}
    for rule in ruleset.rules:
        for engine_name, antecedent in compile_rule(rule).items():
            definition[engine_name] = antecedent
            rule_ids[engine_name] = rule.id
    if len(definition) > MAX_RULES:
        problems.append(
            Problem(
                ruleset.directory,
                None,
                None,
                f"{len(definition)} engine rules (a rule with 'any' counts once per "
                f"alternative), over the engine's limit of {MAX_RULES}",
                "merge or retire rules",
            )
        )
    problems.extend(_unstratified(ruleset))
    problems.extend(network_problems(ruleset, definition, rule_ids))
    if problems:
        raise InputError(problems)
    conclusions = {r.id: r.conclude for r in ruleset.rules if r.conclude}
    # The engine registers a name once (evaluation/durable.py) and its actions conclude the
    # signals: two rule sets that differ only in a signal concluded must not share a name.
    named = json.dumps([definition, conclusions], sort_keys=True)
    digest = hashlib.sha256(named.encode()).hexdigest()[:16]
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
            and any(signal in negating for signal in r.signals_needed)
        }
        if not more:
            break
        negating |= more
    out = []
    for rule in ruleset.rules:
        for pattern in rule.none:
            if pattern.signal in negating:
                out.append(
                    Problem(
                        rule.file,
                        pattern.line,
                        None,
                        f"rule {rule.id}: 'none' tests signal '{pattern.signal}', which rests "
                        "on a rule that itself has a 'none' condition",
                        "rewrite one of the two rules without 'none'",
                        rule=rule.id,
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


def _test(test: FieldTest) -> dict[str, Any]:
    value = test.value
    operand = {value.name: value.engine_field} if isinstance(value, Ref) else value
    return test.operator.compile(test.engine_field, operand)


class _Node:
    """One node of durable_rules' test network, as rete.c builds it (for counting only)."""

    def __init__(self, op: str = "", prop: str = "", literal: bool = False) -> None:
        self.op = op
        self.prop = prop
        self.literal = literal  # an equality with a constant: one per property can hold
        self.hashed: dict[str, _Node] = {}  # tests found by property (shared when identical)
        self.listed: list[_Node] = []  # `exists: false` tests and the ends of `in:` lists
        self.betas = 0  # conditions ending here
        self.first: tuple[Rule, Pattern | None] | None = None  # who made this node


class _Network:
    """Mirrors rete.c's createAlpha/findAlpha/linkAlpha to count what the engine limits."""

    def __init__(self) -> None:
        self.root = _Node()
        self.fresh = 0
        self.problems: dict[tuple[int, str], Problem] = {}
        self.where: tuple[Rule, Pattern | None] | None = None

    def condition(self, expression: dict[str, Any]) -> int:
        """Add one condition; return how many expressions the engine stores for it."""
        end, expressions = self._alpha(expression, self.root)
        end.betas += 1
        self._limit(end, "betas", end.betas, MAX_SHARING)
        return expressions

    def _alpha(self, expression: dict[str, Any], parent: _Node) -> tuple[_Node, int]:
        ((key, value),) = expression.items()
        if key == "$and":
            node, count = parent, 2
            for term in value:
                node, more = self._alpha(term, node)
                count += more
            return node, count
        if key == "$or":
            forward = _Node("forward")
            count = 2
            for option in value:
                node, more = self._alpha(option, parent)
                count += more
                node.listed.append(forward)
                self._limit(node, "listed", len(node.listed), MAX_LISTED)
            return forward, count
        if key in ("$iany", "$iall"):
            self.fresh += 1
            return self._child(parent, f"{key}#{self.fresh}", key, ""), 0
        if key.startswith("$"):
            ((prop, operand),) = value.items()
            return self._child(parent, json.dumps([key, prop, operand]), key, prop), 0
        join = isinstance(value, dict)
        node = self._child(parent, json.dumps(["$eq", key, value]), "$eq", key, not join)
        return node, 1 if join else 0

    def _child(self, parent: _Node, key: str, op: str, prop: str, literal: bool = False) -> _Node:
        if op == "$nex":
            for node in parent.listed:
                if node.op == op and node.prop == prop:
                    return node
            node = _Node(op, prop)
            parent.listed.append(node)
            self._limit(parent, "listed", len(parent.listed), MAX_LISTED)
        else:
            if key in parent.hashed:
                return parent.hashed[key]
            node = _Node(op, prop, literal)
            parent.hashed[key] = node
            self._limit(parent, "hashed", len(parent.hashed), MAX_CHILDREN)
        node.first = self.where
        return node

    def _limit(self, node: _Node, what: str, count: int, limit: int) -> None:
        if count <= limit or (id(node), what) in self.problems or self.where is None:
            return
        rule, pattern = self.where
        line = pattern.line if pattern is not None else rule.line
        message, fix = {
            "hashed": (
                f"more than {limit} different tests follow one test, over the engine's limit",
                "split the list into two rules or use a signal",
            ),
            "listed": (
                f"more than {limit} 'in' lists share a value (or 'exists: false' tests "
                "follow one test), over the engine's limit",
                "split the list into two rules or use a signal",
            ),
            "betas": (
                f"more than {limit} conditions are identical to this one, over the engine's limit",
                "conclude a signal from that condition once and test the signal",
            ),
        }[what]
        self.problems[(id(node), what)] = Problem(
            rule.file, line, None, f"rule {rule.id}: {message}", fix, rule=rule.id
        )

    def peak(self, kind: str) -> tuple[int, list[_Node]]:
        """Most tests a fact of `kind` can be passing at once (the engine's stack), and the
        tests on the stack when it is reached.

        The engine pushes the root's matching tests in the order they were made (all test
        `fact`, so they share one run of hash slots) and evaluates the last one pushed first.
        """
        top = self.root.hashed.get(json.dumps(["$eq", "fact", kind]))
        matching = [c for c in self.root.hashed.values() if c is top or not c.literal]
        if not matching:
            return 1, []
        memo: dict[int, int] = {}
        peak, index = max((i + _extra(c, memo), i) for i, c in enumerate(matching, 1))
        pushed = matching[:index]
        node = matching[index - 1]
        while children := [*node.hashed.values(), *node.listed]:
            pushed += children
            node = max(children, key=lambda c: _extra(c, memo))
        return peak, pushed

    @staticmethod
    def peak_rules(pushed: list[_Node]) -> list[Rule]:
        """The rules whose tests fill the stack at a peak (`pushed`, as `peak` gives them),
        those with the most tests there first (then in rule-set order)."""
        counts: dict[str, int] = {}
        rules: dict[str, Rule] = {}
        for node in pushed:
            if node.first is not None:
                rule = node.first[0]
                rules[rule.id] = rule
                counts[rule.id] = counts.get(rule.id, 0) + 1
        order = {rule_id: i for i, rule_id in enumerate(rules)}
        return [rules[r] for r in sorted(counts, key=lambda r: (-counts[r], order[r]))]


def _extra(node: _Node, memo: dict[int, int]) -> int:
    """How far the stack can grow above this node's place while its tests are evaluated."""
    if id(node) in memo:
        return memo[id(node)]
    literal_props = {c.prop for c in node.hashed.values() if c.literal}
    matching = len(literal_props) + sum(1 for c in node.hashed.values() if not c.literal)
    matching += len(node.listed)
    children = [*node.hashed.values(), *node.listed]
    result = matching - 1 + max(_extra(c, memo) for c in children) if matching else 0
    memo[id(node)] = result
    return result


def network_problems(
    ruleset: RuleSet, definition: dict[str, Any], rule_ids: dict[str, str]
) -> list[Problem]:
    """Every engine limit the compiled rule set would cross, computed exactly from its form."""
    network = _Network()
    problems: list[Problem] = []
    kinds = {START_KIND, END_KIND}
    for engine_name, compiled in definition.items():
        rule = ruleset.rule(rule_ids[engine_name])
        by_name = {p.name: p for p in rule.patterns}
        for branch in [compiled["all"]]:
            for item in branch:
                ((name, expression),) = item.items()
                pattern = by_name.get(name.removesuffix("$not"))
                network.where = (rule, pattern)
                if pattern is not None:
                    kinds.add(pattern.fact)
                count = network.condition(expression)
                if count > MAX_EXPRESSIONS and pattern is not None:
                    problems.append(
                        Problem(
                            rule.file,
                            pattern.line,
                            None,
                            f"rule {rule.id}: one condition needs {count} engine expressions "
                            f"(2 for the condition, 2 per 'in' list, 1 per join), over the "
                            f"engine's limit of {MAX_EXPRESSIONS}",
                            "split the rule",
                            rule=rule.id,
                        )
                    )
    # The start, end and sentinel rules are registered after the rule set's own
    # (ssa_risk.evaluation.durable).
    network.where = None
    network.condition({"fact": START_KIND})
    network.condition({"fact": END_KIND})
    network.condition({"$ex": {"fact": 1}})
    network.condition({"fact": "$never"})
    problems.extend(network.problems.values())
    for kind in sorted(kinds):
        peak, pushed = network.peak(kind)
        if peak > MAX_STACK:
            rules = network.peak_rules(pushed)
            named = ", ".join(r.id for r in rules[:PEAK_RULES_NAMED])
            if len(rules) > PEAK_RULES_NAMED:
                named += f" and {len(rules) - PEAK_RULES_NAMED} more"
            first = rules[0] if rules else None
            problems.append(
                Problem(
                    first.file if first else ruleset.directory,
                    first.line if first else None,
                    None,
                    f"{'an' if kind[0] in 'aeiou' else 'a'} '{kind}' fact can be passing "
                    f"{peak} condition tests at once, over the "
                    f"engine's limit of {MAX_STACK}; the tests are those of rules {named}",
                    f"split those rules' conditions on '{kind}': start them with an equality "
                    "test that tells facts apart (e.g. code), or conclude a signal once and "
                    "test the signal",
                    rule=first.id if first else None,
                )
            )
    return problems
