"""Turn a validated profile into small, flat, typed facts for the rules engine.

Each mapping the table below names becomes one fact. A fact's identity is its YAML path,
so identities are unique by construction. Lists of mappings become facts of their own;
`sources` is inherited from the nearest enclosing object that declares it. A few fields are
derived (recency, aggregates) so that rules can ask about them directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ssa_risk.base.source import YamlPath, format_path
from ssa_risk.profile.reader import Profile

# YAML path pattern ("*" = any list index) → fact kind.
FACT_KINDS: dict[tuple[str, ...], str] = {
    (): "profile",
    ("civil_military",): "civil_military",
    ("civil_military", "coups", "*"): "coup",
    ("institutions", "*"): "institution",
    ("rivalries", "*"): "rivalry",
    ("reform",): "reform",
    ("reform", "areas", "*"): "reform_area",
    ("political_context",): "political_context",
    ("threats", "*"): "threat",
    ("human_rights",): "human_rights",
    ("human_rights", "abuses", "*"): "abuse",
    ("assistance",): "assistance",
    ("assistance", "framework"): "framework",
    ("assistance", "programmes", "*"): "programme",
    ("assistance", "period_totals", "*"): "period_total",
}

# Fields computed here rather than written in the profile: kind → field → meaning.
DERIVED_FIELDS: dict[str, dict[str, str]] = {
    "coup": {"years_ago": "years between the coup and the profile's as_of date"},
    "institution": {"years_since_created": "years since new_force_since (when given)"},
    "political_context": {
        "emergency_powers_years": "years since emergency_powers_since (when in force)"
    },
    "programme": {"years_ago": "years between the programme's last fiscal year and as_of"},
    "rivalry": {"party_a": "first institution in 'between'", "party_b": "second institution"},
    "assistance": {
        "total_usd": "sum of all programme totals",
        "operational_share_pct": "share of programme money with focus 'operational'",
        "programme_count": "number of programme entries",
        "sales_exceed_grants": "fms_usd is greater than fmf_usd (when both are given)",
        "recent_annual_usd": (
            "yearly average over the latest three fiscal years with recorded amounts, up to "
            "as_of (by_year where given, else the total spread evenly over the programme's years)"
        ),
    },
}
# How one entry of a list is told from the others when two snapshots are compared: by its `id`
# when it has one, else by these fields (the profile's own names), never by its position, so
# that removing one entry reads as one removal rather than as every later entry changing.
ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "coup": ("year", "kind"),
    "institution": ("id",),
    "rivalry": ("between",),
    "reform_area": ("area",),
    "threat": ("kind", "origin"),
    "abuse": ("unit", "kind"),
    "programme": ("name", "kind", "from_fy"),
    "period_total": ("from_fy", "to_fy"),
}

# "Recent" assistance: the latest this many fiscal years with recorded amounts.
RECENT_YEARS = 3

# Derived fields that exist only when the fields they come from are given.
CONDITIONAL_DERIVED = frozenset(
    {"years_since_created", "emergency_powers_years", "sales_exceed_grants"}
)

_CITATION_KEYS = ("sources", "field_sources")

DERIVED_TYPES = {"party_a": "string", "party_b": "string", "sales_exceed_grants": "boolean"}

# The profile's `id` field is stored as `key`: the engine reserves `id` for fact identity.
PROFILE_ID_FIELD = "key"


@dataclass(frozen=True)
class Fact:
    """One typed fact: its kind, its fields, and where in the profile it came from."""

    id: str
    kind: str
    path: YamlPath
    fields: Mapping[str, Any]
    sources: tuple[str, ...] = field(default=())
    field_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def sources_for(self, name: str) -> tuple[str, ...]:
        """The sources cited for one field: its own if given, else its object's."""
        return self.field_sources.get(name, self.sources)

    @property
    def label(self) -> str:
        """A short human name for the fact, used as a finding's subject."""
        f = self.fields
        if self.kind == "rivalry":
            return f"{f['party_a']} vs {f['party_b']}"
        if self.kind == "abuse":
            return f"{f['unit']}: {str(f['kind']).replace('_', ' ')}"
        for name in (PROFILE_ID_FIELD, "code", "area", "kind", "name"):
            if name in f:
                return str(f[name])
        return self.id

    def engine_form(self, sid: str) -> dict[str, Any]:
        """The dict asserted into the engine for session `sid`."""
        return {**self.fields, "id": self.id, "fact": self.kind, "sid": sid}


def profile_facts(profile: Profile) -> list[Fact]:
    """All facts of a profile, in document order."""
    facts: list[Fact] = []
    _collect(profile.data, (), (), profile.as_of_year, facts)
    return facts


def _pattern_of(path: YamlPath) -> tuple[str, ...]:
    return tuple("*" if isinstance(p, int) else p for p in path)


def _collect(
    value: Any, path: YamlPath, inherited: tuple[str, ...], year: int, out: list[Fact]
) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _collect(item, (*path, i), inherited, year, out)
        return
    if not isinstance(value, dict):
        return
    # At the top level `sources` is the bibliography itself, not a citation.
    own = value.get("sources", ()) if path else ()
    sources = tuple(s for s in own if isinstance(s, str)) or inherited
    kind = FACT_KINDS.get(_pattern_of(path))
    if kind is not None:
        fields = {
            (PROFILE_ID_FIELD if k == "id" else k): v
            for k, v in value.items()
            if k not in _CITATION_KEYS and not _is_nested(v)
        }
        fields.update(_derived(kind, value, year))
        per_field = value.get("field_sources")
        cited = (
            {k: tuple(v) for k, v in per_field.items() if isinstance(v, list)}
            if isinstance(per_field, dict)
            else {}
        )
        out.append(Fact(format_path(path) or "profile", kind, path, fields, sources, cited))
    for k, v in value.items():
        if _is_nested(v) and k not in _CITATION_KEYS:
            _collect(v, (*path, k), sources, year, out)


def _is_nested(v: Any) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and any(isinstance(i, dict) for i in v))


def _derived(kind: str, value: Mapping[str, Any], year: int) -> dict[str, Any]:
    if kind == "coup":
        return {"years_ago": year - int(value["year"])}
    if kind == "programme":
        return {"years_ago": year - int(value["to_fy"])}
    if kind == "rivalry":
        return {"party_a": value["between"][0], "party_b": value["between"][1]}
    if kind == "institution" and isinstance(value.get("new_force_since"), int):
        return {"years_since_created": year - value["new_force_since"]}
    if kind == "political_context":
        since = value.get("emergency_powers_since")
        if value.get("emergency_powers_in_force") is True and isinstance(since, int):
            return {"emergency_powers_years": year - since}
        return {}
    if kind == "assistance":
        programmes = value.get("programmes", [])
        total = sum(_amount(p) for p in programmes)
        operational = sum(_amount(p) for p in programmes if p.get("focus") == "operational")
        derived: dict[str, Any] = {
            "recent_annual_usd": _recent_annual(programmes, year),
            "total_usd": total,
            "operational_share_pct": round(100 * operational / total) if total else 0,
            "programme_count": len(programmes),
        }
        if isinstance(value.get("fms_usd"), int) and isinstance(value.get("fmf_usd"), int):
            derived["sales_exceed_grants"] = value["fms_usd"] > value["fmf_usd"]
        return derived
    return {}


def _kind_nodes() -> list[tuple[str, Mapping[str, Any]]]:
    """Each fact kind with the profile-schema node that describes its objects."""
    from ssa_risk.profile.reader import profile_schema

    out = []
    for pattern, kind in FACT_KINDS.items():
        node: Mapping[str, Any] = profile_schema()
        for part in pattern:
            node = node["items"] if part == "*" else node["properties"][part]
        out.append((kind, node))
    return out


@cache
def field_schemas() -> dict[str, dict[str, Mapping[str, Any]]]:
    """Per fact kind, every field a rule may test and the schema that field's values obey."""
    out: dict[str, dict[str, Mapping[str, Any]]] = {}
    for kind, node in _kind_nodes():
        # Rule authors write the profile's own field names (`id`, not the engine's `key`).
        out[kind] = {
            k: v
            for k, v in node.get("properties", {}).items()
            if k not in _CITATION_KEYS and not _schema_nested(v)
        }
        for name in DERIVED_FIELDS.get(kind, {}):
            out[kind][name] = {"type": DERIVED_TYPES.get(name, "integer")}
    out["signal"] = {"name": {"type": "string"}, "by": {"type": "string"}}
    return out


def _amount(programme: Mapping[str, Any]) -> int:
    """A programme's money: its total, or the sum of its yearly amounts."""
    if isinstance(programme.get("total_usd"), int):
        return int(programme["total_usd"])
    return sum(programme.get("by_year", ()))


def _recent_annual(programmes: list[dict[str, Any]], year: int) -> int:
    by_year: dict[int, float] = {}
    for p in programmes:
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


def profile_fields() -> dict[str, set[str]]:
    """Every field a rule may test, per fact kind."""
    return {kind: set(fields) for kind, fields in field_schemas().items()}


@cache
def required_fields() -> dict[str, set[str]]:
    """Fields every fact of a kind is sure to have: required in the schema, or derived."""
    out: dict[str, set[str]] = {}
    for kind, node in _kind_nodes():
        derived = set(DERIVED_FIELDS.get(kind, {})) - CONDITIONAL_DERIVED
        out[kind] = set(node.get("required", ())) | derived
    out["signal"] = {"name", "by"}
    return out


def _schema_nested(node: Mapping[str, Any]) -> bool:
    if node.get("type") == "object":
        return True
    items = node.get("items")
    return (
        node.get("type") == "array" and isinstance(items, Mapping) and items.get("type") == "object"
    )
