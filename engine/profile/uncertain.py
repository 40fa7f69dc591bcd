"""Uncertain values in a profile: ranges of numbers and weighted alternatives of choices.

A number field may be written `{low: 35, high: 55}` (optionally `most_likely: 40`), an
enumeration field `{values: {rising: 0.6, stable: 0.4}}`. The reader resolves each to its
central value before validating, so a profile with uncertain values assesses like any other:

- a range: its `most_likely` when given, else its midpoint (rounded down on an integer field);
- alternatives: the heaviest; between equal weights, the one written first.

`assess --uncertainty N` draws values from them (assessment/uncertainty.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ssa_risk.base.errors import Problem
from ssa_risk.base.source import Document, YamlPath, format_path
from ssa_risk.base.suggest import did_you_mean

if TYPE_CHECKING:
    import random  # the draws' generator is made by the caller (assessment.uncertainty)

WEIGHT_TOLERANCE = 0.001  # how far the weights of alternatives may add up from 1
_FORM_KEYS = {"low", "high", "most_likely", "values"}
_NOT_UNCERTAIN = {"confidence", "schema_version"}


@dataclass(frozen=True)
class UncertainField:
    """One value written as a range or as weighted alternatives."""

    path: YamlPath
    form: str  # "range" or "alternatives"
    central: Any
    integer: bool = False  # a range on an integer field: draws stay integers
    low: float | None = None
    high: float | None = None
    most_likely: float | None = None
    alternatives: tuple[tuple[str, float], ...] = ()  # (value, weight), as written

    def draw(self, rng: random.Random) -> Any:
        """One value: a range uniform over [low, high], or triangular with its mode at
        most_likely; alternatives by weight. Integers stay integers."""
        if self.form == "alternatives":
            values = [v for v, _ in self.alternatives]
            weights = [w for _, w in self.alternatives]
            return rng.choices(values, weights)[0]
        low, high = float(self.low or 0), float(self.high or 0)
        if self.integer:
            if self.most_likely is None:
                return rng.randint(int(low), int(high))
            # Each integer takes the triangular density's mass around it (±0.5), clamped.
            drawn = rng.triangular(low - 0.5, high + 0.5, float(self.most_likely))
            return min(int(high), max(int(low), math.floor(drawn + 0.5)))
        if self.most_likely is None:
            drawn = rng.uniform(low, high)
        else:
            drawn = rng.triangular(low, high, float(self.most_likely))
        # Two decimals: finer than any source states a figure, and a form the engine reads.
        return min(high, max(low, round(drawn, 2)))

    def outcomes(self) -> tuple[tuple[Any, float], ...] | None:
        """Every value with its probability, when there are few and they are exact:
        alternatives, or an integer range without most_likely; else None."""
        if self.form == "alternatives":
            return self.alternatives
        if self.integer and self.most_likely is None and self.low is not None:
            count = int(self.high or 0) - int(self.low) + 1
            return tuple((v, 1 / count) for v in range(int(self.low), int(self.high or 0) + 1))
        return None

    def group(self, value: Any) -> str:
        """Which part of its range or alternatives a drawn value falls in: 'lower half' or
        'upper half' of a range, or the alternative itself."""
        if self.form == "alternatives":
            return str(value)
        middle = (float(self.low or 0) + float(self.high or 0)) / 2
        return "lower half" if float(value) < middle else "upper half"

    def groups(self) -> tuple[str, ...]:
        if self.form == "alternatives":
            return tuple(v for v, _ in self.alternatives)
        return ("lower half", "upper half")


def _leaf(node: Mapping[str, Any]) -> str | None:
    """'enum', 'integer' or 'number' for a field that may be uncertain; 'text' for a text
    field; None for anything else."""
    if "enum" in node:
        return "enum"
    kind = node.get("type")
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "string":
        return "text"
    return None


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return defs[ref.removeprefix("#/$defs/")]  # type: ignore[no-any-return]
    return node


@dataclass(frozen=True)
class Resolved:
    """What resolve_uncertain found: the uncertain values, the problems of those written
    wrong, and where those are (left as written: the schema's complaint there is not new)."""

    fields: tuple[UncertainField, ...]
    problems: tuple[Problem, ...]
    wrong: tuple[YamlPath, ...]


def resolve_uncertain(doc: Document, schema: Mapping[str, Any]) -> Resolved:
    """Every uncertain value in `doc`, each replaced in doc.data by its central value, and a
    problem for each one written wrong."""
    if doc.keys is not None and not doc.keys & _FORM_KEYS:
        return Resolved((), (), ())  # no file of it writes an uncertain value
    found: list[UncertainField] = []
    problems: list[Problem] = []
    wrong: list[YamlPath] = []
    defs = schema.get("$defs", {})

    def walk(value: Any, node: Mapping[str, Any], path: YamlPath) -> None:
        node = _resolve(node, defs)
        if isinstance(value, list) and isinstance(node.get("items"), Mapping):
            for i, item in enumerate(value):
                if isinstance(item, dict | list):  # a plain value holds nothing uncertain
                    walk(item, node["items"], (*path, i))
            return
        if not isinstance(value, dict):
            return
        props = node.get("properties")
        if not isinstance(props, Mapping):
            return
        for key, item in value.items():
            child = props.get(key)
            if not isinstance(child, Mapping):
                continue
            child = _resolve(child, defs)
            kind = _leaf(child)
            if isinstance(item, dict) and kind is not None and key not in _NOT_UNCERTAIN:
                if not set(item) & _FORM_KEYS:
                    continue  # not an uncertain form: the schema says what is wrong
                field, bad = _parse(doc, (*path, key), item, child, kind)
                problems.extend(bad)
                if bad:
                    wrong.append((*path, key))
                if field is not None:
                    found.append(field)
                    value[key] = field.central
                continue
            if isinstance(item, dict | list):  # a plain value holds nothing uncertain
                walk(item, child, (*path, key))

    walk(doc.data, schema, ())
    return Resolved(tuple(found), tuple(problems), tuple(wrong))


def _parse(
    doc: Document, path: YamlPath, item: dict[str, Any], node: Mapping[str, Any], kind: str
) -> tuple[UncertainField | None, list[Problem]]:
    name = format_path(path)

    def problem(message: str, fix: str, at: YamlPath = path) -> list[Problem]:
        return [doc.problem(at, f"{name}: {message}", fix)]

    if kind == "text":
        return None, problem(
            "a text cannot be uncertain (only numbers take a range and only fixed choices "
            "take alternatives)",
            "write one text, and say what is unsure in a note",
        )
    if kind == "enum":
        return _alternatives(doc, path, item, node, problem)
    return _range(path, item, node, kind, problem)


def _alternatives(
    doc: Document,
    path: YamlPath,
    item: dict[str, Any],
    node: Mapping[str, Any],
    problem: Any,
) -> tuple[UncertainField | None, list[Problem]]:
    values = item.get("values")
    extra = sorted(set(item) - {"values"})
    if extra or not isinstance(values, dict) or not values:
        return None, problem(
            "alternatives are written as values: with a weight for each",
            "write e.g. {values: {" + ", ".join(f"{v}: 0.5" for v in node["enum"][:2]) + "}}",
        )
    out: list[Problem] = []
    allowed = list(node["enum"])
    pairs: list[tuple[str, float]] = []
    for value, weight in values.items():
        at = (*path, "values", value)
        if value not in allowed:
            hint = did_you_mean(value, allowed, "use one of: " + ", ".join(map(str, allowed)))
            out += problem(f"'{value}' is not a value this field takes", hint, at)
        if not _number(weight) or weight <= 0 or weight > 1:
            out += problem(
                f"the weight of '{value}' is {weight!r}",
                "give each alternative a weight above 0 and at most 1",
                at,
            )
        else:
            pairs.append((str(value), float(weight)))
    if out:
        return None, out
    total = math.fsum(w for _, w in pairs)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        return None, problem(
            f"the weights add up to {total:g}, not 1",
            "make the weights of the alternatives add up to 1",
        )
    central = max(pairs, key=lambda p: p[1])[0]  # max keeps the first of equal weights
    return UncertainField(path, "alternatives", central, alternatives=tuple(pairs)), []


def _range(
    path: YamlPath, item: dict[str, Any], node: Mapping[str, Any], kind: str, problem: Any
) -> tuple[UncertainField | None, list[Problem]]:
    extra = sorted(set(item) - {"low", "high", "most_likely"})
    if extra or "low" not in item or "high" not in item:
        return None, problem(
            "a range is written as low: and high: (and optionally most_likely:)",
            "write e.g. {low: 35, high: 55}",
        )
    out: list[Problem] = []
    integer = kind == "integer"
    bounds: dict[str, float] = {}
    for key in ("low", "high", "most_likely"):
        if key not in item:
            continue
        value = item[key]
        at = (*path, key)
        if not _number(value) or (integer and not isinstance(value, int)):
            what = "a whole number" if integer else "a number"
            out += problem(f"{key} is {value!r}, not {what}", f"write {key} as {what}", at)
            continue
        lowest, highest = node.get("minimum"), node.get("maximum")
        if lowest is not None and value < lowest:
            out += problem(f"{key} {value} is below {lowest}", f"the field starts at {lowest}", at)
        elif highest is not None and value > highest:
            out += problem(f"{key} {value} is above {highest}", f"the field ends at {highest}", at)
        bounds[key] = value
    if out:
        return None, out
    low, high = bounds["low"], bounds["high"]
    if low > high:
        return None, problem(f"low ({low}) is above high ({high})", "swap low and high")
    likely = bounds.get("most_likely")
    if likely is not None and not low <= likely <= high:
        return None, problem(
            f"most_likely ({likely}) is outside the range {low} to {high}",
            "give a most likely value between low and high, or leave it out",
        )
    if likely is not None:
        central: float = likely
    elif integer:
        central = (int(low) + int(high)) // 2
    else:
        central = (low + high) / 2
        central = int(central) if float(central).is_integer() and isinstance(low, int) else central
    return UncertainField(path, "range", central, integer, low, high, likely), []


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def with_values(data: Any, values: Sequence[tuple[YamlPath, Any]]) -> Any:
    """A copy of profile data with each path set to its value (only the containers on those
    paths are copied; the rest is shared, and must not be changed)."""
    out = dict(data)
    for path, value in values:
        parent: Any = out
        for part in path[:-1]:
            child = parent[part]
            child = dict(child) if isinstance(child, dict) else list(child)
            parent[part] = child
            parent = child
        parent[path[-1]] = value
    return out
