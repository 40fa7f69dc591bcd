"""Turn a validated profile into small, flat, typed facts for the rules engine.

Each mapping the table below names becomes one fact. A fact's identity is its YAML path,
so identities are unique by construction. Lists of mappings become facts of their own;
`sources` is inherited from the nearest enclosing object that declares it. A few fields are
derived (recency, aggregates) so that rules can ask about them directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .profile import Profile
from .yamlsrc import YamlPath, format_path

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
    "programme": {"years_ago": "years between the programme's last fiscal year and as_of"},
    "rivalry": {"party_a": "first institution in 'between'", "party_b": "second institution"},
    "assistance": {
        "total_usd": "sum of all programme totals",
        "operational_share_pct": "share of programme money with focus 'operational'",
        "programme_count": "number of programme entries",
    },
}

_CITATION_KEYS = ("sources", "field_sources")

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
    if kind == "assistance":
        programmes = value.get("programmes", [])
        total = sum(p.get("total_usd", 0) for p in programmes)
        operational = sum(
            p.get("total_usd", 0) for p in programmes if p.get("focus") == "operational"
        )
        return {
            "total_usd": total,
            "operational_share_pct": round(100 * operational / total) if total else 0,
            "programme_count": len(programmes),
        }
    return {}


def profile_fields() -> dict[str, set[str]]:
    """Every field a rule may test, per fact kind, read from the profile schema."""
    from .profile import profile_schema

    schema = profile_schema()
    out: dict[str, set[str]] = {}
    for pattern, kind in FACT_KINDS.items():
        node: Mapping[str, Any] = schema
        for part in pattern:
            node = node["items"] if part == "*" else node["properties"][part]
        props = node.get("properties", {})
        # Rule authors write the profile's own field names (`id`, not the engine's `key`).
        names = {k for k, v in props.items() if k not in _CITATION_KEYS and not _schema_nested(v)}
        out[kind] = names | set(DERIVED_FIELDS.get(kind, {}))
    out["signal"] = {"name", "by"}
    return out


def required_fields() -> dict[str, set[str]]:
    """Fields every fact of a kind is sure to have: required in the schema, or derived."""
    from .profile import profile_schema

    schema = profile_schema()
    out: dict[str, set[str]] = {}
    for pattern, kind in FACT_KINDS.items():
        node: Mapping[str, Any] = schema
        for part in pattern:
            node = node["items"] if part == "*" else node["properties"][part]
        out[kind] = set(node.get("required", ())) | set(DERIVED_FIELDS.get(kind, {}))
    out["signal"] = {"name", "by"}
    return out


def _schema_nested(node: Mapping[str, Any]) -> bool:
    if node.get("type") == "object":
        return True
    items = node.get("items")
    return (
        node.get("type") == "array" and isinstance(items, Mapping) and items.get("type") == "object"
    )
