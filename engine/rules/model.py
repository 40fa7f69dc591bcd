"""The rule set as data: rules, their conditions and tests, lenses, and the set itself."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ssa_risk.base.source import Document, YamlPath
from ssa_risk.profile.facts import engine_field
from ssa_risk.rules.operators import Operator, operator
from ssa_risk.rules.scoring import RATINGS, Scoring

SEVERITIES = RATINGS  # a finding's severity is on the scale its lens is rated on
EFFECTS = ("risk", "mitigation", "protective", "gate")
LOGIC_KEYS = ("when", "severity", "effect", "scope", "conclude", "subject")
WORDING_KEYS = ("title", "because", "recommend", "cite")


def _digest(definition: str, keys: tuple[str, ...]) -> str:
    data = json.loads(definition)
    part = {k: data[k] for k in keys if k in data}
    return hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Ref:
    """A join: compare with the field of a fact bound earlier in the rule."""

    name: str
    field: str

    @property
    def engine_field(self) -> str:
        return engine_field(self.field)


@dataclass(frozen=True)
class FieldTest:
    field: str
    op: str
    value: Any
    line: int

    @property
    def operator(self) -> Operator:
        return operator(self.op)

    @property
    def engine_field(self) -> str:
        """The field's name in the engine's facts (the profile's `id` is stored as `key`)."""
        return engine_field(self.field)


@dataclass(frozen=True)
class Pattern:
    """Matches one fact of `fact` kind whose fields pass every test."""

    fact: str
    name: str
    tests: tuple[FieldTest, ...]
    line: int

    @property
    def signal_test(self) -> FieldTest | None:
        """The test naming the signal a signal condition needs (None for other conditions)."""
        if self.fact != "signal":
            return None
        return next((t for t in self.tests if t.field == "name" and t.op == "eq"), None)

    @property
    def signal(self) -> str | None:
        """The signal this condition needs, or None if it is not a signal condition."""
        test = self.signal_test
        return None if test is None else str(test.value)


@dataclass(frozen=True)
class Citation:
    ref: str
    text: str
    at: str | None


@dataclass(frozen=True)
class Example:
    """A small profile fragment and whether the rule should fire on it."""

    expect: str  # "fires" or "silent"
    profile: dict[str, Any]
    path: YamlPath  # where the fragment sits in the rule file
    line: int
    name: str | None = None  # a short name shown with its test results


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    lens: str
    severity: str | None
    effect: str
    all: tuple[Pattern, ...]
    any: tuple[Pattern, ...]
    none: tuple[Pattern, ...]
    conclude: str | None
    subject: str | None
    because: str
    recommend: tuple[str, ...]
    cite: tuple[Citation, ...]
    file: str
    line: int
    examples: tuple[Example, ...] = ()
    scope: str = "country"  # a gate bars assistance to the country, or only to one unit
    definition: str = "{}"  # the rule as written (without examples), canonical JSON

    @property
    def logic_sha256(self) -> str:
        """Hash of what decides whether and how the rule fires."""
        return _digest(self.definition, LOGIC_KEYS)

    @property
    def wording_sha256(self) -> str:
        """Hash of what the rule says when it fires."""
        return _digest(self.definition, WORDING_KEYS)

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        return self.all + self.any + self.none

    @property
    def signals_needed(self) -> tuple[str, ...]:
        """Signals that must be concluded for the rule to fire (its `all` and `any` signals)."""
        return _signals(self.all + self.any)

    @property
    def signals_used(self) -> tuple[str, ...]:
        """Every signal the rule's conditions name, negated (`none`) ones included."""
        return _signals(self.patterns)


def _signals(patterns: tuple[Pattern, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.signal for p in patterns if p.signal is not None))


@dataclass(frozen=True)
class Lens:
    id: str
    title: str
    question: str
    file: str


@dataclass(frozen=True)
class RuleSet:
    directory: str
    documents: dict[str, Document]  # rule file name shown → its parsed document
    lenses: tuple[Lens, ...]
    rules: tuple[Rule, ...]
    scoring: Scoring
    files: tuple[tuple[str, str], ...]  # (name, text) of every file read, for hashing

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def lens(self, lens_id: str) -> Lens:
        return next(lens for lens in self.lenses if lens.id == lens_id)
