"""What the assessments of one profile under two rule sets can share (an impact run).

A firing's evidence and narrative (assessment/builder.py: `_evidence`, `render_narrative`)
depend on the profile, the facts the firing bound, and of its rule only on what
`firing_inputs` returns: its conditions (the binding names, fact kinds, fields, operators and
values they test; not the lines they are written on) and its `because` text. So, for a rule
whose `firing_inputs` are the same in both rule sets, a firing with the same bindings has the
same evidence and the same narrative under either: worked out under the first rule set, it is
looked up under the second.

The key is the firing's own bindings, never the rule alone: a rule that did not change may
fire on other facts when a rule concluding a signal it reads did. A profile fact is known by
its id (both assessments hold the very same facts); a signal by its fields (its name and the
rule that concluded it), which are all that the evidence and narrative read of it: its id is
new at each evaluation (evaluation/durable.py).

Everything else of a finding (severity, points, age, staleness, title, recommendations,
citations) is worked out anew under each rule set: scoring and the signals' ages may differ.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ssa_risk.assessment.model import Evidence
from ssa_risk.evaluation.compiler import CompiledRuleset
from ssa_risk.evaluation.durable import SIGNAL_KIND
from ssa_risk.profile.facts import Fact
from ssa_risk.rules.loader import Rule, RuleSet
from ssa_risk.rules.model import Pattern

T = TypeVar("T")

# (rule id, (binding name, fact key) of each fact the firing bound)
FiringKey = tuple[str, tuple[tuple[str, str | tuple[Any, ...]], ...]]


def _conditions(patterns: tuple[Pattern, ...]) -> tuple[Any, ...]:
    # A value by its repr: 1, 1.0 and true are equal, but a `none` condition's evidence shows
    # its value as written.
    return tuple(
        (p.fact, p.name, tuple((t.field, t.op, repr(t.value)) for t in p.tests)) for p in patterns
    )


def firing_inputs(rule: Rule) -> tuple[Any, ...]:
    """What a firing's evidence and narrative read of its rule (see the module docstring)."""
    return (
        rule.id,
        _conditions(rule.all),
        _conditions(rule.any),
        _conditions(rule.none),
        rule.because,
    )


def shared_rules(first: RuleSet, second: RuleSet) -> frozenset[str]:
    """The ids of the rules whose firings have the same evidence and narrative under both
    (each id's rule as a firing finds it: `RuleSet.rule`, the first of that id)."""
    earlier, later = first.rules_by_id, second.rules_by_id
    return frozenset(
        rule_id
        for rule_id, rule in earlier.items()
        if rule_id in later and firing_inputs(later[rule_id]) == firing_inputs(rule)
    )


def same_logic(first: CompiledRuleset, second: CompiledRuleset) -> bool:
    """Whether the two compiled sets fire alike on any facts: the engine registers a ruleset
    once by its name, a hash of its conditions and the signals its rules conclude, so two
    sets of one name are evaluated by the very same engine rules and actions."""
    return first.name == second.name


@dataclass
class FiringMemo:
    """The evidence and narrative of the firings of the `rules` shared by two rule sets, for
    the assessments of one profile (a new memo for each profile)."""

    rules: frozenset[str]
    _evidence: dict[FiringKey, tuple[Evidence, ...]] = field(default_factory=dict)
    _narratives: dict[FiringKey, str] = field(default_factory=dict)

    def key(self, rule: Rule, bound: Mapping[str, Fact]) -> FiringKey | None:
        """A firing's key, from its rule and the facts it bound; None if its rule is not
        shared."""
        if rule.id not in self.rules:
            return None
        return (rule.id, tuple((name, _fact_key(fact)) for name, fact in bound.items()))

    def evidence(
        self, rule: Rule, bound: Mapping[str, Fact], work: Callable[[], tuple[Evidence, ...]]
    ) -> tuple[Evidence, ...]:
        """The firing's evidence: kept, or worked out by `work` (and kept if shared)."""
        return self._kept(self._evidence, rule, bound, work)

    def narrative(self, rule: Rule, bound: Mapping[str, Fact], work: Callable[[], str]) -> str:
        """The firing's narrative: kept, or worked out by `work` (and kept if shared)."""
        return self._kept(self._narratives, rule, bound, work)

    def _kept(
        self,
        store: dict[FiringKey, T],
        rule: Rule,
        bound: Mapping[str, Fact],
        work: Callable[[], T],
    ) -> T:
        key = self.key(rule, bound)
        if key is None:
            return work()
        found = store.get(key)
        if found is None:
            found = store[key] = work()
        return found


# For an assessment alone: nothing is shared, everything is worked out.
NOTHING_SHARED = FiringMemo(frozenset())


def _fact_key(fact: Fact) -> str | tuple[Any, ...]:
    """A profile fact by its id (both assessments hold the very same facts); a signal by
    what it holds (its name and the rule that concluded it): its id is new at each
    evaluation, and the evidence and narrative read only its fields."""
    if fact.kind != SIGNAL_KIND:
        return fact.id
    return (SIGNAL_KIND, *fact.fields.items())
