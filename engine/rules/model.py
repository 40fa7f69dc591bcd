"""The rule set as data: rules, their conditions and tests, lenses, and the set itself."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ssa_risk.base.source import Document, YamlPath, parse_yaml
from ssa_risk.profile.facts import engine_field
from ssa_risk.rules.approvals import Approvals
from ssa_risk.rules.operators import Operator, operator
from ssa_risk.rules.scoring import RATINGS, Scoring

SEVERITIES = RATINGS  # a finding's severity is on the scale its lens is rated on
EFFECTS = ("risk", "mitigation", "protective", "gate")
LOGIC_KEYS = ("when", "severity", "effect", "scope", "conclude", "subject")
WORDING_KEYS = ("title", "because", "recommend", "cite")

# Who must act on a recommendation, and what kind of action it is (for the report's
# consolidated conditions and recommendations).
RECOMMEND_BY = {
    "partner": "the partner government and its forces must act",
    "agency": "the assisting government's approving agency: decisions to fund, withhold, "
    "condition or vet",
    "programme": "the programme team: design, delivery, training content, monitoring and "
    "evaluation",
}
RECOMMEND_STANCES = {
    "withhold": "bar, suspend, do not fund, train or equip",
    "condition": "tie assistance to a benchmark or requirement",
    "engage": "fund, train, equip, advise or otherwise support someone",
    "monitor": "track, report, review or assess",
    "press": "raise with the partner or other donors: dialogue, public statements, coordination",
}
# What a recommendation written as plain text (without 'by:' and 'stance:') stands for.
DEFAULT_BY = "agency"
DEFAULT_STANCE = "condition"


def canonical_recommend(items: Any) -> Any:
    """A rule's `recommend:` as written, with each plain-text item in the mapping form it
    stands for, so that a plain string and its mapping with the default tags are the same
    wording; anything else is returned as it is."""
    if not isinstance(items, list):
        return items
    return [
        {"do": item, "by": DEFAULT_BY, "stance": DEFAULT_STANCE} if isinstance(item, str) else item
        for item in items
    ]


def _digest(definition: str, keys: tuple[str, ...]) -> str:
    data = json.loads(definition)
    part = {k: data[k] for k in keys if k in data}
    return hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()


def wording_digest(definition: str) -> str:
    """The wording hash of a rule's definition (canonical JSON), as Rule.wording_sha256."""
    return _digest(definition, WORDING_KEYS)


@dataclass(frozen=True)
class Ref:
    """A join: compare with the field of a fact bound earlier in the rule."""

    name: str
    field: str

    def __str__(self) -> str:
        """As a rule writes it: `unit.id` (what `show` and messages print)."""
        return f"{self.name}.{self.field}"

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
class Recommendation:
    """One action a finding calls for: its text, who acts and what kind of action it is."""

    text: str
    by: str  # one of RECOMMEND_BY
    stance: str  # one of RECOMMEND_STANCES

    @property
    def tags(self) -> str:
        """`[agency, withhold]`, as listings show a recommendation's tags."""
        return f"[{self.by}, {self.stance}]"


@dataclass(frozen=True)
class Example:
    """A small profile fragment and whether the rule should fire on it."""

    expect: str  # "fires" or "silent"
    profile: dict[str, Any]
    path: YamlPath  # where the fragment sits in the rule file
    line: int
    name: str | None = None  # a short name shown with its test results
    lines: tuple[dict[str, Any], ...] = ()  # proposal lines, for rules that judge lines


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
    recommend: tuple[Recommendation, ...]
    cite: tuple[Citation, ...]
    file: str
    line: int
    examples: tuple[Example, ...] = ()
    scope: str = "country"  # a gate bars assistance to the country, or only to one unit
    definition: str = "{}"  # the rule as written (without examples), canonical JSON

    # The hashes are worked out once per rule, on first use: a rule is frozen, so its
    # definition cannot change afterwards (dataclasses.replace makes a new rule).
    @cached_property
    def logic_sha256(self) -> str:
        """Hash of what decides whether and how the rule fires."""
        return _digest(self.definition, LOGIC_KEYS)

    @cached_property
    def wording_sha256(self) -> str:
        """Hash of what the rule says when it fires."""
        return wording_digest(self.definition)

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
class RuleDigest:
    """A rule as the assessment saw it, so that a diff can say how a rule changed."""

    id: str
    logic_sha256: str
    wording_sha256: str
    definition: str


@dataclass(frozen=True)
class Lens:
    id: str
    title: str
    question: str
    file: str


class ParsedLater(Mapping[str, Document]):
    """The parsed documents of a rule set read from the cache: parsed again from their texts
    (as loading parsed them) when first asked for, since an assessment never needs them."""

    def __init__(self, texts: tuple[tuple[str, str], ...]) -> None:
        self.texts = texts  # (the name a file is shown by, its text), as loading read them
        self._parsed: dict[str, Document] | None = None

    def _documents(self) -> dict[str, Document]:
        if self._parsed is None:
            self._parsed = {shown: parse_yaml(text, shown) for shown, text in self.texts}
        return self._parsed

    def __getitem__(self, shown: str) -> Document:
        return self._documents()[shown]

    def __iter__(self) -> Iterator[str]:
        return iter(self._documents())

    def __len__(self) -> int:
        return len(self.texts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ParsedLater, (self.texts,))


@dataclass(frozen=True)
class RuleSet:
    directory: str
    # rule file name shown → its parsed document (a ParsedLater when read from the cache)
    documents: Mapping[str, Document]
    lenses: tuple[Lens, ...]
    rules: tuple[Rule, ...]
    scoring: Scoring
    files: tuple[tuple[str, str], ...]  # (name, text) of every file read, for hashing
    approvals: Approvals | None = None  # approvals.yaml: how proposals are judged
    line_lens: Lens | None = None  # the lens of the rules that judge proposal lines
    # Its key in the cache of checked rule sets (ssa_risk.base.cache), which covers its files
    # and the code; None when a file changed while it was read. What is made from the rule
    # set alone may be cached under the same key.
    cache_key: str | None = field(default=None, compare=False, repr=False)

    def rule(self, rule_id: str) -> Rule:
        found = self.rules_by_id.get(rule_id)
        if found is not None:
            return found
        return next(r for r in self.rules if r.id == rule_id)  # StopIteration, as before

    @cached_property
    def rules_by_id(self) -> dict[str, Rule]:
        """Each rule id → its first rule: a firing names its rule, and a profile with many
        entries fires thousands of times."""
        index: dict[str, Rule] = {}
        for r in self.rules:
            index.setdefault(r.id, r)
        return index

    def lens(self, lens_id: str) -> Lens:
        return next(lens for lens in self.all_lenses if lens.id == lens_id)

    @property
    def all_lenses(self) -> tuple[Lens, ...]:
        """The country lenses, then the lens of proposal-line rules if there is one."""
        return self.lenses + ((self.line_lens,) if self.line_lens else ())

    def is_line_rule(self, rule: Rule) -> bool:
        return self.line_lens is not None and rule.lens == self.line_lens.id

    @cached_property
    def digests(self) -> tuple[RuleDigest, ...]:
        """The digest of every country rule (not the proposal-line rules), by id: the same
        for every assessment made with this rule set, so built once."""
        return tuple(
            RuleDigest(r.id, r.logic_sha256, r.wording_sha256, r.definition)
            for r in sorted(self.rules, key=lambda r: r.id)
            if not self.is_line_rule(r)
        )
