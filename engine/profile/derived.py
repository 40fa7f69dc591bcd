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

from ssa_risk.profile.proposal_schema import LETHAL_EQUIPMENT
from ssa_risk.profile.schema import MAX_USD

# "Recent" assistance: the this many fiscal years ending at the profile's as_of year, years
# with no money counted as zero (never "the latest years with recorded amounts", which would
# call money spent a decade before as_of recent).
RECENT_YEARS = 3

# Programmes that are grants to buy equipment (FMF) and sales to the partner (FMS).
_GRANT_CODES = ("FMF",)
_GRANT_KINDS = ("financing_grant",)
_SALE_KINDS = ("sale",)
# Coups that happened (an attempt was made), as opposed to plots foiled or alleged.
_COUP_HAPPENED = ("succeeded", "failed")


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
    # The profile fields it is computed from, as (fact kind, field): a rule that reads this
    # field reads them (`rules test --coverage`).
    reads: tuple[tuple[str, str], ...] = ()

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


def _yearly(programme: Mapping[str, Any]) -> dict[int, float]:
    """A programme's money per fiscal year: by_year where given, else the total spread evenly
    over its years."""
    start, end = programme["from_fy"], programme["to_fy"]
    amounts = programme.get("by_year")
    if amounts is None:
        if "total_usd" not in programme or end < start:
            return {}
        amounts = [programme["total_usd"] / (end - start + 1)] * (end - start + 1)
    return dict(zip(range(start, end + 1), amounts, strict=False))


def _window(year: int) -> range:
    """The RECENT_YEARS fiscal years ending at the as_of year."""
    return range(year - RECENT_YEARS + 1, year + 1)


def _in_window(programme: Mapping[str, Any], year: int) -> float:
    yearly = _yearly(programme)
    return sum(yearly.get(fy, 0) for fy in _window(year))


def _recent_annual(value: Mapping[str, Any], year: int) -> int:
    total = sum(_in_window(p, year) for p in value.get("programmes", []))
    return round(total / RECENT_YEARS)


def _total(value: Mapping[str, Any], year: int) -> int:
    return sum(_amount(p) for p in value.get("programmes", []))


def _operational_share(value: Mapping[str, Any], year: int) -> int | None:
    programmes = value.get("programmes", [])
    total = sum(_in_window(p, year) for p in programmes)
    operational = sum(_in_window(p, year) for p in programmes if p.get("focus") == "operational")
    return round(100 * operational / total) if total else None


def _last_programme_fy(value: Mapping[str, Any], year: int) -> int | None:
    ends = [p["to_fy"] for p in value.get("programmes", []) if isinstance(p.get("to_fy"), int)]
    return max(ends) if ends else None


def _portfolio_gap(value: Mapping[str, Any], year: int) -> int | None:
    last = _last_programme_fy(value, year)
    return max(0, year - last) if last is not None else None


def _is_grant(programme: Mapping[str, Any]) -> bool:
    return programme.get("code") in _GRANT_CODES or programme.get("kind") in _GRANT_KINDS


def _programme_sum(
    value: Mapping[str, Any], which: Callable[[Mapping[str, Any]], bool]
) -> int | None:
    chosen = [p for p in value.get("programmes", []) if which(p)]
    return sum(_amount(p) for p in chosen) if chosen else None


def _grants(value: Mapping[str, Any], year: int) -> int | None:
    declared = value.get("fmf_usd")
    return declared if isinstance(declared, int) else _programme_sum(value, _is_grant)


def _sales(value: Mapping[str, Any], year: int) -> int | None:
    declared = value.get("fms_usd")
    if isinstance(declared, int):
        return declared
    return _programme_sum(value, lambda p: p.get("kind") in _SALE_KINDS)


def _years_since_created(value: Mapping[str, Any], year: int) -> int | None:
    since = value.get("new_force_since")
    return year - since if isinstance(since, int) else None


def _emergency_powers_years(value: Mapping[str, Any], year: int) -> int | None:
    since = value.get("emergency_powers_since")
    if value.get("emergency_powers_in_force") is True and isinstance(since, int):
        return year - since
    return None


def _years_to_elections(value: Mapping[str, Any], year: int) -> int | None:
    due = value.get("elections_due")
    return due - year if isinstance(due, int) else None


def _years_since(name: str) -> Callable[[Mapping[str, Any], int], int | None]:
    def compute(value: Mapping[str, Any], year: int) -> int | None:
        since = value.get(name)
        return year - since if isinstance(since, int) else None

    return compute


def _sales_exceed_grants(value: Mapping[str, Any], year: int) -> bool | None:
    fms, fmf = _sales(value, year), _grants(value, year)
    if fms is not None and fmf is not None:
        return fms > fmf
    return None


def _coups_that_happened(value: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        c
        for c in value.get("coups", [])
        if isinstance(c, Mapping)
        and c.get("outcome", "succeeded") in _COUP_HAPPENED
        and isinstance(c.get("year"), int)
    ]


def _coup_count(value: Mapping[str, Any], year: int) -> int | None:
    if "coups" not in value:
        return None
    return len(_coups_that_happened(value))


def _last_coup_years_ago(value: Mapping[str, Any], year: int) -> int | None:
    years = [int(c["year"]) for c in _coups_that_happened(value)]
    return year - max(years) if years else None


YEARS = (-300, 300)

_MONEY = (
    ("programme", "from_fy"),
    ("programme", "to_fy"),
    ("programme", "by_year"),
    ("programme", "total_usd"),
)

# In the order their values are added to a fact (reports list fields in this order).
DERIVED: tuple[Derived, ...] = (
    Derived(
        "coup",
        "years_ago",
        "integer",
        "years between the coup and the profile's as_of date",
        lambda value, year: year - int(value["year"]),
        range=YEARS,
        reads=(("coup", "year"),),
    ),
    Derived(
        "neighbour_coup",
        "years_ago",
        "integer",
        "years between the neighbour's coup and the profile's as_of date",
        lambda value, year: year - int(value["year"]),
        range=YEARS,
        reads=(("neighbour_coup", "year"),),
    ),
    Derived(
        "civil_military",
        "coup_count",
        "integer",
        "coups that happened, succeeded or failed (not plots foiled or alleged; a coup with no "
        "outcome counts), when coups are listed",
        _coup_count,
        conditional=True,
        range=(0, 100),
        reads=(("coup", "outcome"), ("coup", "year")),
    ),
    Derived(
        "civil_military",
        "last_coup_years_ago",
        "integer",
        "years between the latest coup that happened (succeeded or failed) and as_of",
        _last_coup_years_ago,
        conditional=True,
        range=YEARS,
        reads=(("coup", "outcome"), ("coup", "year")),
    ),
    Derived(
        "programme",
        "years_ago",
        "integer",
        "years between the programme's last fiscal year and as_of",
        lambda value, year: year - int(value["to_fy"]),
        range=YEARS,
        reads=(("programme", "to_fy"),),
    ),
    Derived(
        "abuse",
        "years_ago",
        "integer",
        "years between since (when given) and as_of",
        _years_since("since"),
        conditional=True,
        range=YEARS,
        reads=(("abuse", "since"),),
    ),
    Derived(
        "rivalry",
        "party_a",
        "string",
        "first institution in 'between'",
        lambda value, year: value["between"][0],
        reads=(("rivalry", "between"),),
    ),
    Derived(
        "rivalry",
        "party_b",
        "string",
        "second institution",
        lambda value, year: value["between"][1],
        reads=(("rivalry", "between"),),
    ),
    Derived(
        "institution",
        "years_since_created",
        "integer",
        "years since new_force_since (when given)",
        _years_since_created,
        conditional=True,
        range=YEARS,
        reads=(("institution", "new_force_since"),),
    ),
    Derived(
        "political_context",
        "emergency_powers_years",
        "integer",
        "years since emergency_powers_since (when in force)",
        _emergency_powers_years,
        conditional=True,
        range=(0, 300),
        reads=(
            ("political_context", "emergency_powers_in_force"),
            ("political_context", "emergency_powers_since"),
        ),
    ),
    Derived(
        "political_context",
        "years_to_elections",
        "integer",
        "years from as_of to elections_due (when given)",
        _years_to_elections,
        conditional=True,
        range=YEARS,
        reads=(("political_context", "elections_due"),),
    ),
    Derived(
        "assistance",
        "recent_annual_usd",
        "integer",
        f"yearly average over the {RECENT_YEARS} fiscal years ending at the as_of year, years "
        "with no money counting as zero (by_year where given, else the total spread evenly over "
        "the programme's years)",
        _recent_annual,
        reads=_MONEY,
    ),
    Derived(
        "assistance",
        "total_usd",
        "integer",
        "sum of all programme totals",
        _total,
        reads=_MONEY,
    ),
    Derived(
        "assistance",
        "operational_share_pct",
        "integer",
        f"share of programme money with focus 'operational' over the {RECENT_YEARS} fiscal "
        "years ending at the as_of year (when any money falls in them)",
        _operational_share,
        conditional=True,
        range=(0, 100),
        reads=(*_MONEY, ("programme", "focus")),
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
        "last_programme_fy",
        "integer",
        "the latest fiscal year a programme runs to (when programmes are listed)",
        _last_programme_fy,
        conditional=True,
        range=(1800, 2100),
        reads=(("programme", "to_fy"),),
    ),
    Derived(
        "assistance",
        "portfolio_gap_years",
        "integer",
        "years between the latest programme fiscal year and as_of (0 when programmes run to "
        "as_of or later; when programmes are listed)",
        _portfolio_gap,
        conditional=True,
        range=(0, 300),
        reads=(("programme", "to_fy"),),
    ),
    Derived(
        "assistance",
        "grants_usd",
        "integer",
        "fmf_usd when given, else the sum of the FMF programmes (code FMF or kind "
        "financing_grant), when there are any",
        _grants,
        conditional=True,
        reads=(
            ("assistance", "fmf_usd"),
            ("programme", "code"),
            ("programme", "kind"),
            *_MONEY,
        ),
    ),
    Derived(
        "assistance",
        "sales_usd",
        "integer",
        "fms_usd when given, else the sum of the programmes of kind 'sale', when there are any",
        _sales,
        conditional=True,
        reads=(("assistance", "fms_usd"), ("programme", "kind"), *_MONEY),
    ),
    Derived(
        "assistance",
        "sales_exceed_grants",
        "boolean",
        "sales_usd is greater than grants_usd (when both are known)",
        _sales_exceed_grants,
        conditional=True,
        reads=(
            ("assistance", "fms_usd"),
            ("assistance", "fmf_usd"),
            ("programme", "code"),
            ("programme", "kind"),
            *_MONEY,
        ),
    ),
    Derived(
        "assistance",
        "donor_count",
        "integer",
        "number of other donors listed (when other_donors is given)",
        lambda value, year: len(value["other_donors"]) if "other_donors" in value else None,
        conditional=True,
        range=(0, 1000),
        reads=(("donor", "name"),),
    ),
)

# A proposal line (profile/proposal.py): what rules ask of it directly. The builder of line
# facts adds the recipient's kind and parent from the profile under these private keys.
RECIPIENT_KIND, RECIPIENT_PARENT = "_recipient_kind", "_recipient_parent"
# ... and the last year of the profile's active assistance frameworks that give a duration.
PLAN_LAST_YEAR = "_plan_last_year"


def _years_beyond_plan(value: Mapping[str, Any], year: int) -> int | None:
    last = value.get(PLAN_LAST_YEAR)
    return None if last is None else max(0, int(value["to_fy"]) - int(last))


DERIVED += (
    Derived(
        "line",
        "lethal",
        "boolean",
        "whether the line provides weapons, munitions or armed platforms",
        lambda value, year: value.get("equipment") in LETHAL_EQUIPMENT,
        reads=(("line", "equipment"),),
    ),
    Derived(
        "line",
        "years",
        "integer",
        "fiscal years the line runs, first and last included",
        lambda value, year: int(value["to_fy"]) - int(value["from_fy"]) + 1,
        range=(0, 300),
        reads=(("line", "from_fy"), ("line", "to_fy")),
    ),
    Derived(
        "line",
        "annual_usd",
        "integer",
        "the line's amount per fiscal year",
        lambda value, year: (
            int(value["amount_usd"]) // max(1, int(value["to_fy"]) - int(value["from_fy"]) + 1)
        ),
        range=(0, MAX_USD),
        reads=(("line", "amount_usd"), ("line", "from_fy"), ("line", "to_fy")),
    ),
    Derived(
        "line",
        "benchmark_count",
        "integer",
        "number of reform benchmarks the line is tied to",
        lambda value, year: len(value.get("benchmarks") or ()),
        range=(0, 1000),
        reads=(("line", "benchmarks"),),
    ),
    Derived(
        "line",
        "recipient_kind",
        "string",
        "the recipient institution's kind (as the profile records it)",
        lambda value, year: value.get(RECIPIENT_KIND),
        conditional=True,
        reads=(("institution", "kind"),),
    ),
    Derived(
        "line",
        "recipient_parent",
        "string",
        "the id of the institution the recipient is a unit of (when it is one)",
        lambda value, year: value.get(RECIPIENT_PARENT),
        conditional=True,
        reads=(("institution", "parent"),),
    ),
    Derived(
        "line",
        "years_beyond_plan",
        "integer",
        "fiscal years the line runs past the last year of the active assistance framework "
        "(signed plus duration_years, less one; 0 when it ends within it; when an active "
        "framework gives its duration)",
        _years_beyond_plan,
        conditional=True,
        range=(0, 300),
        reads=(
            ("line", "to_fy"),
            ("framework", "status"),
            ("framework", "signed"),
            ("framework", "duration_years"),
        ),
    ),
)

# kind → field → meaning, for readers that only ask whether a field is derived.
DERIVED_FIELDS: dict[str, dict[str, str]] = {}
for _d in DERIVED:
    DERIVED_FIELDS.setdefault(_d.kind, {})[_d.name] = _d.meaning


# kind → its derived fields in declaration order (every profile asks once per fact).
_OF_KIND: dict[str, tuple[Derived, ...]] = {}
for _d in DERIVED:
    _OF_KIND[_d.kind] = (*_OF_KIND.get(_d.kind, ()), _d)


def derived_of(kind: str) -> tuple[Derived, ...]:
    return _OF_KIND.get(kind, ())


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
