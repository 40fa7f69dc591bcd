"""Every operator a rule's `where:` can use, each declared once with all that is known of it.

An operator record says how rule files may write it (what it compares with, on which fields),
how explanations and evidence word it, how it compiles to durable_rules' rule JSON, how the
independent Python evaluation decides it, and which values it lets through (for lint's
"can never hold" warning and the narrative check's sample values). The parser, compiler,
evaluator, explanations, evidence and lint all read this registry, so adding an operator is
one record here (and its tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssa_risk.rules.patterns import wildcard_matches, wildcard_pattern


class _Missing:
    """The value of a field a fact does not have."""

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        # Pickled by name, so that a worker process's result still holds *the* MISSING,
        # which is compared by identity.
        return "MISSING"


MISSING: Any = _Missing()


def show(value: Any) -> str:
    """A value as a profile or rule author would write it: `true`, `[a, b]`, `40`."""
    if value is MISSING:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Operand:
    """What an operator compares a field with, as a rule file writes it."""

    fits: Callable[[Any], bool]  # whether the written value has the right shape
    wrong: str  # the problem when it has not ({op}: the operator, {raw}: the value)
    fix: str  # what to write instead ({op}: the operator)
    # Whose values the profile schema must allow: the field's ("field"), its list items
    # ("item"), or none ("").
    schema: str = ""
    many: bool = False  # a list of values; the engine bounds how many (parser.MAX_IN_VALUES)
    wildcard: bool = False  # a `*`/`?` pattern the engine must be able to compile
    # The field must hold numbers: the engine also orders text and true/false against a
    # number (`'abc' > 0` holds), which the independent evaluation rightly refuses.
    numeric: bool = False


VALUE = Operand(lambda raw: True, "", "", schema="field")
VALUES = Operand(
    lambda raw: isinstance(raw, list) and bool(raw),
    "'{op}' needs a list of values",
    "write [a, b]",
    schema="field",
    many=True,
)
ITEM = Operand(lambda raw: True, "", "", schema="item")
NUMBER = Operand(_number, "'{op}' compares numbers, got '{raw}'", "write a number", numeric=True)
FLAG = Operand(lambda raw: isinstance(raw, bool), "'{op}' takes true or false", "write {op}: true")
PATTERN = Operand(
    lambda raw: isinstance(raw, str) and bool(raw),
    "'{op}' takes a text pattern",
    "e.g. {op}: 'counter*'",
    wildcard=True,
)


@dataclass(frozen=True)
class Limits:
    """The values a test lets through: a range, a set of values, and presence of the field.

    Tests on one field hold together only if their limits meet in some value; lint warns when
    they cannot, and narratives are checked with values at the edges of these limits.
    """

    low: float = -math.inf
    low_open: bool = False  # the low end itself is excluded (gt)
    high: float = math.inf
    high_open: bool = False
    values: tuple[Any, ...] | None = None  # only these values (in order), or any value
    present: bool = False  # the field must be there
    absent: bool = False  # the field must not be there

    def meet(self, other: Limits) -> Limits:
        """What both let through."""
        if other.low > self.low or (other.low == self.low and other.low_open):
            low, low_open = other.low, other.low_open
        else:
            low, low_open = self.low, self.low_open
        if other.high < self.high or (other.high == self.high and other.high_open):
            high, high_open = other.high, other.high_open
        else:
            high, high_open = self.high, self.high_open
        values = self.values
        if other.values is not None:
            values = (
                other.values if values is None else tuple(v for v in values if v in other.values)
            )
        return Limits(
            low,
            low_open,
            high,
            high_open,
            values,
            self.present or other.present,
            self.absent or other.absent,
        )

    @property
    def bounded(self) -> bool:
        return (self.low, self.high) != (-math.inf, math.inf)

    @property
    def empty(self) -> bool:
        """No value can pass."""
        if self.low > self.high or (self.low == self.high and (self.low_open or self.high_open)):
            return True
        if self.present and self.absent:
            return True
        if self.values is None:
            return False
        if self.bounded:
            # true and false count as 1 and 0, as the engine compares them with numbers
            return not any(isinstance(v, int | float) and self._within(v) for v in self.values)
        return not self.values

    def _within(self, v: float) -> bool:
        above = v > self.low if self.low_open else v >= self.low
        below = v < self.high if self.high_open else v <= self.high
        return above and below


@dataclass(frozen=True)
class Operator:
    """One operator of a rule's `where:`: `field: {NAME: value}`."""

    name: str
    words: str  # explanations: "expected {words} {value}" (a flag: the state when true)
    symbol: str  # evidence: "{field} {symbol} {value}"
    operand: Operand
    # Which fields it applies to: "scalar" (not lists), "text" (text only), "list" (lists),
    # or "any".
    applies_to: str
    # durable_rules' test for (engine field name, operand): the operand is the value written,
    # or for a join the engine's reference to the other fact's field.
    compile: Callable[[str, Any], dict[str, Any]]
    # The independent evaluation: whether (the fact's value, the value compared with) pass.
    # A missing field passes only if `limits(value).absent`.
    holds: Callable[[Any, Any], bool]
    limits: Callable[[Any], Limits]
    joins: bool = False  # may compare with another fact's field ({ref: name.field})
    unwords: str = ""  # a flag operator's state when false, in explanations
    help: str = ""  # what the test asks, for editors (the published rule-file schema)

    def expected(self, value: Any, shown: str) -> str:
        """`>= 40`, `one of [a, b]`, `present`: what a test expects, `shown` being its value."""
        if self.operand is FLAG:
            return self.words if value else self.unwords
        return f"{self.words} {shown}"

    def passes_missing(self, value: Any) -> bool:
        """Whether a fact without the field passes the test."""
        return self.limits(value).absent


def _equal(field: str, operand: Any) -> dict[str, Any]:
    return {field: operand}


def _compare(engine_op: str) -> Callable[[str, Any], dict[str, Any]]:
    return lambda field, operand: {engine_op: {field: operand}}


def _one_of(field: str, values: Any) -> dict[str, Any]:
    # Values in a list are distinct, so at most one branch can hold: no double firing.
    options = [{field: v} for v in dict.fromkeys(values)]
    return options[0] if len(options) == 1 else {"$or": options}


def _exists(field: str, flag: Any) -> dict[str, Any]:
    return {("$ex" if flag else "$nex"): {field: 1}}


def _matches(field: str, wildcard: Any) -> dict[str, Any]:
    return {"$imt": {field: wildcard_pattern(str(wildcard))}}


def _contains(field: str, item: Any) -> dict[str, Any]:
    return {"$iany": {field: {"$i": item}}}


def _numbers(check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda actual, target: _number(actual) and _number(target) and check(actual, target)


def _bound(side: str, open_: bool) -> Callable[[Any], Limits]:
    def limits(value: Any) -> Limits:
        if not _number(value):
            return Limits(present=True)
        if side == "low":
            return Limits(low=value, low_open=open_, present=True)
        return Limits(high=value, high_open=open_, present=True)

    return limits


def _present(value: Any) -> Limits:
    return Limits(present=True)


REGISTRY: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator(
            "eq",
            "=",
            "=",
            VALUE,
            "scalar",
            _equal,
            lambda actual, target: bool(actual == target),
            lambda value: Limits(values=(value,), present=True),
            joins=True,
            help="equals the value (writing the value alone means eq)",
        ),
        Operator(
            "in",
            "one of",
            "in",
            VALUES,
            "scalar",
            _one_of,
            lambda actual, target: actual in target,
            lambda value: Limits(
                values=tuple(value) if isinstance(value, tuple) else None, present=True
            ),
            help="equals one of the listed values",
        ),
        Operator(
            "gt",
            ">",
            ">",
            NUMBER,
            "scalar",
            _compare("$gt"),
            _numbers(lambda a, t: a > t),
            _bound("low", True),
            help="is greater than the number",
        ),
        Operator(
            "gte",
            ">=",
            ">=",
            NUMBER,
            "scalar",
            _compare("$gte"),
            _numbers(lambda a, t: a >= t),
            _bound("low", False),
            help="is greater than or equal to the number",
        ),
        Operator(
            "lt",
            "<",
            "<",
            NUMBER,
            "scalar",
            _compare("$lt"),
            _numbers(lambda a, t: a < t),
            _bound("high", True),
            help="is less than the number",
        ),
        Operator(
            "lte",
            "<=",
            "<=",
            NUMBER,
            "scalar",
            _compare("$lte"),
            _numbers(lambda a, t: a <= t),
            _bound("high", False),
            help="is less than or equal to the number",
        ),
        Operator(
            "exists",
            "present",
            "exists",
            FLAG,
            "any",
            _exists,
            lambda actual, flag: bool(flag),
            lambda flag: Limits(present=bool(flag), absent=not flag),
            unwords="absent",
            help="true: the profile gives the field; false: it leaves it out",
        ),
        Operator(
            "matches",
            "matches",
            "matches",
            PATTERN,
            "text",
            _matches,
            lambda actual, wildcard: (
                isinstance(actual, str) and wildcard_matches(str(wildcard), actual)
            ),
            _present,
            help="text matching a wildcard pattern (* any text, ? one character)",
        ),
        Operator(
            "contains",
            "contains",
            "contains",
            ITEM,
            "list",
            _contains,
            lambda actual, item: isinstance(actual, list) and item in actual,
            _present,
            help="a list field holds the value",
        ),
    )
}


def operator(name: str) -> Operator:
    """The operator a test uses (tests only hold operators the parser found here)."""
    return REGISTRY[name]


def listing(names: list[str]) -> str:
    """`eq, in or gt`: names in registry order, for messages."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
