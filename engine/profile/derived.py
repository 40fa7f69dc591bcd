"""Fields computed from a profile rather than written in it, each declared once.

A derived field is a fact field like any other for rules (`coup.years_ago`), so each record
gives what the rule checks, the narrative check and the reports need: the fact kind, the
name, the JSON Schema type, what it means, how it is computed, whether it can be absent, and
its real range (so narratives are checked with realistic values, not any integer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# "Recent" assistance: the latest this many fiscal years with recorded amounts.
RECENT_YEARS = 3


@dataclass(frozen=True)
class Derived:
    """One derived field: `kind.name`, computed from the fact's object and the as_of year."""

    kind: str
    name: str
    type: str  # JSON Schema type of its values
    meaning: str
    # The value from the object the fact is made of and the profile's as_of year; None when
    # the fields it is computed from are not given (then the fact has no such field).
    compute: Callable[[Mapping[str, Any], int], Any]
    conditional: bool = False  # None is possible: the field may be missing
    range: tuple[int, int] | None = None  # the values it can really take, when the type allows more

    @property
    def schema(self) -> dict[str, Any]:
        """The field's schema, as rule checks and the narrative check read it."""
        node: dict[str, Any] = {"type": self.type}
        if self.range is not None:
            node["minimum"], node["maximum"] = self.range
        return node


def _amount(programme: Mapping[str, Any]) -> int:
    """A programme's money: its total, or the sum of its yearly amounts."""
    if isinstance(programme.get("total_usd"), int):
        return int(programme["total_usd"])
    return sum(programme.get("by_year", ()))


def _recent_annual(value: Mapping[str, Any], year: int) -> int:
    by_year: dict[int, float] = {}
    for p in value.get("programmes", []):
        start, end = p["from_fy"], p["to_fy"]
        amounts = p.get("by_year")
        if amounts is None:
            if "total_usd" not in p:
                continue
            amounts = [p["total_usd"] / (end - start + 1)] * (end - start + 1)
        for fy, amount in zip(range(start, end + 1), amounts, strict=False):
            by_year[fy] = by_year.get(fy, 0) + amount
    latest = sorted(fy for fy in by_year if fy <= year)[-RECENT_YEARS:]
    return round(sum(by_year[fy] for fy in latest) / len(latest)) if latest else 0


def _total(value: Mapping[str, Any], year: int) -> int:
    return sum(_amount(p) for p in value.get("programmes", []))


def _operational_share(value: Mapping[str, Any], year: int) -> int:
    programmes = value.get("programmes", [])
    total = sum(_amount(p) for p in programmes)
    operational = sum(_amount(p) for p in programmes if p.get("focus") == "operational")
    return round(100 * operational / total) if total else 0


def _years_since_created(value: Mapping[str, Any], year: int) -> int | None:
    since = value.get("new_force_since")
    return year - since if isinstance(since, int) else None


def _emergency_powers_years(value: Mapping[str, Any], year: int) -> int | None:
    since = value.get("emergency_powers_since")
    if value.get("emergency_powers_in_force") is True and isinstance(since, int):
        return year - since
    return None


def _sales_exceed_grants(value: Mapping[str, Any], year: int) -> bool | None:
    fms, fmf = value.get("fms_usd"), value.get("fmf_usd")
    if isinstance(fms, int) and isinstance(fmf, int):
        return fms > fmf
    return None


YEARS = (-300, 300)

# In the order their values are added to a fact (reports list fields in this order).
DERIVED: tuple[Derived, ...] = (
    Derived(
        "coup",
        "years_ago",
        "integer",
        "years between the coup and the profile's as_of date",
        lambda value, year: year - int(value["year"]),
        range=YEARS,
    ),
    Derived(
        "programme",
        "years_ago",
        "integer",
        "years between the programme's last fiscal year and as_of",
        lambda value, year: year - int(value["to_fy"]),
        range=YEARS,
    ),
    Derived(
        "rivalry",
        "party_a",
        "string",
        "first institution in 'between'",
        lambda value, year: value["between"][0],
    ),
    Derived(
        "rivalry",
        "party_b",
        "string",
        "second institution",
        lambda value, year: value["between"][1],
    ),
    Derived(
        "institution",
        "years_since_created",
        "integer",
        "years since new_force_since (when given)",
        _years_since_created,
        conditional=True,
        range=YEARS,
    ),
    Derived(
        "political_context",
        "emergency_powers_years",
        "integer",
        "years since emergency_powers_since (when in force)",
        _emergency_powers_years,
        conditional=True,
        range=(0, 300),
    ),
    Derived(
        "assistance",
        "recent_annual_usd",
        "integer",
        "yearly average over the latest three fiscal years with recorded amounts, up to "
        "as_of (by_year where given, else the total spread evenly over the programme's years)",
        _recent_annual,
    ),
    Derived("assistance", "total_usd", "integer", "sum of all programme totals", _total),
    Derived(
        "assistance",
        "operational_share_pct",
        "integer",
        "share of programme money with focus 'operational'",
        _operational_share,
        range=(0, 100),
    ),
    Derived(
        "assistance",
        "programme_count",
        "integer",
        "number of programme entries",
        lambda value, year: len(value.get("programmes", [])),
        range=(0, 10_000),
    ),
    Derived(
        "assistance",
        "sales_exceed_grants",
        "boolean",
        "fms_usd is greater than fmf_usd (when both are given)",
        _sales_exceed_grants,
        conditional=True,
    ),
)

# kind → field → meaning, for readers that only ask whether a field is derived.
DERIVED_FIELDS: dict[str, dict[str, str]] = {}
for _d in DERIVED:
    DERIVED_FIELDS.setdefault(_d.kind, {})[_d.name] = _d.meaning


def derived_of(kind: str) -> tuple[Derived, ...]:
    return tuple(d for d in DERIVED if d.kind == kind)


def derived_values(kind: str, value: Mapping[str, Any], year: int) -> dict[str, Any]:
    """The derived fields of one fact of `kind` made of `value`, in declaration order."""
    out = {}
    for d in derived_of(kind):
        computed = d.compute(value, year)
        if computed is not None:
            out[d.name] = computed
    return out


def is_derived(kind: str, name: str) -> bool:
    return name in DERIVED_FIELDS.get(kind, {})
