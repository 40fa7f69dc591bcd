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
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from ssa_risk.base.cache import read_pickled, write_pickled
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.profile.derived import derived_of
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

    def __init__(
        self, op: str = "", prop: str = "", literal: bool = False, value: Any = None
    ) -> None:
        self.op = op
        self.prop = prop
        self.literal = literal  # an equality with a constant: one per property can hold
        self.value = value  # the constant it compares with (a literal's, a comparison's)
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
            return self._child(parent, self._fresh(key), key, ""), 0
        if key.startswith("$"):
            ((prop, operand),) = value.items()
            node = self._child(parent, json.dumps([key, prop, operand]), key, prop, value=operand)
            return node, 0
        join = isinstance(value, dict)
        # findAlpha never finds a join to share: readIdentifier stores the other fact's name
        # and field as new strings, and compareValue compares where they are stored. So two
        # conditions with the same join test (a `none` repeating an `any`, say) each get
        # their own node, and a fact passes both.
        node_key = self._fresh("$eq") if join else json.dumps(["$eq", key, value])
        node = self._child(parent, node_key, "$eq", key, not join, None if join else value)
        return node, 1 if join else 0

    def _fresh(self, op: str) -> str:
        """The key of a test the engine never shares: a node of its own every time."""
        self.fresh += 1
        return f"{op}#{self.fresh}"

    def _child(
        self,
        parent: _Node,
        key: str,
        op: str,
        prop: str,
        literal: bool = False,
        value: Any = None,
    ) -> _Node:
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
            node = _Node(op, prop, literal, value)
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

        As events.c handleAlpha does: it pops a test, pushes the tests under it that the fact
        passes, and evaluates the last one pushed first. Under the root every test is on
        `fact`, so they share one run of hash slots and are pushed in the order they were
        made; only the kind's own equality can hold among them.
        """
        top = self.root.hashed.get(json.dumps(["$eq", "fact", kind]))
        matching = [c for c in self.root.hashed.values() if c is top or not c.literal]
        memo: dict[int, tuple[int, list[_Node], _Node | None]] = {}
        places = _field_places(kind)
        best = (1, 0)
        for position, child in enumerate(matching, 1):
            best = max(best, (position - 1 + _stack(child, places, memo)[0], position))
        peak, index = best
        if not index:
            return 1, []
        # The tests on the stack, with those passed on the way to the peak.
        pushed = matching[:index]
        node: _Node | None = matching[index - 1]
        while node is not None:
            _, below, node = _stack(node, places, memo)
            pushed += below if node is None else [*below, node]
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


def _field_places(kind: str) -> dict[str, int]:
    """Where a fact of `kind` has its fields (profile/facts.py Fact.engine_form): first the
    fields written in the profile, in the profile's order (place 0: any order); then the
    derived fields, in the order they are declared; then id, fact and sid."""
    derived = [d.name for d in derived_of(kind)]
    return {
        **{name: i for i, name in enumerate(derived, 1)},
        **{name: len(derived) + i for i, name in enumerate(("id", "fact", "sid"), 1)},
    }


def _stack(
    node: _Node, places: dict[str, int], memo: dict[int, tuple[int, list[_Node], _Node | None]]
) -> tuple[int, list[_Node], _Node | None]:
    """The most entries the engine's stack can hold from this node's place up while a fact
    is tested under it; the tests then below the next one on the path to that peak, and
    that next one (None: the peak is this node itself, and no tests are below it).

    events.c handleAlpha pops the node, then pushes the tests under it that the fact passes:
    first its list (`exists: false` tests, passed when the field is missing, and the
    forwards of `in:` lists, always passed), in list order; then its hashed tests, property
    by property in the order of the fact's fields (`places`), and for one property in the
    order the tests were made. So below a hashed test are the list, the tests on the fields
    before its own, and its own field's earlier tests; the tests on later fields are pushed
    above it and done with first. Which tests of one field hold together follows from one
    value of that field (`_passing`). A field is either present (its hashed tests can pass)
    or missing (its `exists: false` tests pass), whichever gives the higher stack.
    """
    if id(node) in memo:
        return memo[id(node)]
    groups: dict[str, list[_Node]] = {}
    for child in node.hashed.values():
        groups.setdefault(child.prop, []).append(child)
    missing: dict[str, list[_Node]] = {}
    for child in node.listed:
        if child.op == "$nex":
            missing.setdefault(child.prop, []).append(child)
    passing = {prop: _passing(tests) for prop, tests in groups.items()}
    # Per field, the most tests below a test on a later field (none when it is missing).
    filler = {
        prop: max([*passing.get(prop, []), missing.get(prop, [])], key=len)
        for prop in dict.fromkeys([*groups, *missing])
    }
    # The node itself (it is popped before its tests are pushed), unless a test passes.
    best: tuple[int, list[_Node], _Node | None] = (1, [], None)
    if node.hashed or node.listed:
        best = (0, [], None)
    # A test in the list: below it, the list's earlier tests (all can pass at once).
    for position, child in enumerate(node.listed, 1):
        height = position - 1 + _stack(child, places, memo)[0]
        if height > best[0]:
            best = (height, node.listed[: position - 1], child)
    # A hashed test: below it, the list as the fact can pass it, the tests on the fields
    # that can come before its own (a field written in the profile can come after every
    # other such field), then its own field's earlier tests. A later field's `exists: false`
    # tests are below it too, if that field is missing.
    for prop in groups:
        place = places.get(prop, 0)
        others = [
            chosen if places.get(other, 0) <= place else missing.get(other, [])
            for other, chosen in filler.items()
            if other != prop
        ]
        chosen_nodes = {id(t) for chosen in others for t in chosen}
        listed = [t for t in node.listed if t.op != "$nex" or id(t) in chosen_nodes]
        under = [*listed, *(t for chosen in others for t in chosen if t.op != "$nex")]
        for passed in passing[prop]:
            for position, child in enumerate(passed):
                height = len(under) + position + _stack(child, places, memo)[0]
                if height > best[0]:
                    best = (height, [*under, *passed[:position]], child)
    memo[id(node)] = best
    return best


def _passing(tests: list[_Node]) -> list[list[_Node]]:
    """The sets of one field's tests (in push order) that one value of the field passes, for
    every value that matters: each constant they compare with, a number between each two and
    beyond them, and a value equal to none (joins, `exists`, `matches` and `contains` are
    taken to hold for any value)."""
    if not any(t.op in _COMPARE for t in tests):
        # Equalities with constants, one of which holds: each with every other test.
        always = [t for t in tests if not t.literal]
        if len(always) == len(tests):
            return [tests]
        first = next(t for t in tests if t.literal)
        out = [[t for t in tests if not t.literal or t is first]]
        seen = 0  # tests before this one that are not equalities with constants
        for t in tests:
            if not t.literal:
                seen += 1
            elif t is not first:
                out.append([*always[:seen], t])
        return out
    constants = [t.value for t in tests if t.literal or (t.op in _COMPARE and _is_number(t.value))]
    numbers = sorted({v for v in constants if _is_number(v)})
    between = [(a + b) / 2 for a, b in itertools.pairwise(numbers)]
    values = [*constants, *between, *([numbers[0] - 1, numbers[-1] + 1] if numbers else [])]
    found: dict[tuple[int, ...], list[_Node]] = {}
    for value in [*values, _NONE_EQUAL]:
        passed = [t for t in tests if _passes(t, value)]
        found.setdefault(tuple(id(t) for t in passed), passed)
    return list(found.values())


_NONE_EQUAL = object()  # a value no constant equals, and no number
_COMPARE = {"$lt": float.__lt__, "$lte": float.__le__, "$gt": float.__gt__, "$gte": float.__ge__}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _passes(test: _Node, value: Any) -> bool:
    """Whether a field holding `value` passes `test`."""
    if test.literal:
        return (
            _is_number(value) == _is_number(test.value)
            and bool(value == test.value)
            and (isinstance(value, bool) == isinstance(test.value, bool))
        )
    compare = _COMPARE.get(test.op)
    if compare is None or not _is_number(test.value):
        return True  # taken to hold: the model never counts fewer tests than can hold
    return _is_number(value) and compare(float(value), float(test.value))


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
