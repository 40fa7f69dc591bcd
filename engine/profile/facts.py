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
from ssa_risk.profile.derived import derived_of, derived_values
from ssa_risk.profile.proposal_schema import LINE_ITEM
from ssa_risk.profile.reader import Profile, profile_schema
from ssa_risk.profile.schema import DESCRIPTIVE

# YAML path pattern ("*" = any list index) → fact kind.
FACT_KINDS: dict[tuple[str, ...], str] = {
    (): "profile",
    ("civil_military",): "civil_military",
    ("civil_military", "coups", "*"): "coup",
    ("civil_military", "neighbour_coups", "*"): "neighbour_coup",
    ("institutions", "*"): "institution",
    ("rivalries", "*"): "rivalry",
    ("reform",): "reform",
    ("reform", "areas", "*"): "reform_area",
    ("political_context",): "political_context",
    ("threats", "*"): "threat",
    ("human_rights",): "human_rights",
    ("human_rights", "abuses", "*"): "abuse",
    ("assistance",): "assistance",
    ("assistance", "frameworks", "*"): "framework",
    ("assistance", "other_donors", "*"): "donor",
    ("assistance", "programmes", "*"): "programme",
    ("assistance", "period_totals", "*"): "period_total",
    ("indicators",): "indicators",
    ("foreign_forces", "*"): "foreign_force",
}

# The fact kind of a proposal's lines (not a profile path: lines come from a proposal file).
LINE_FACT = "line"

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
    "neighbour_coup": ("country", "year"),
    "framework": ("name",),
    "donor": ("name",),
    "foreign_force": ("country", "kind"),
}

# Fields that say which entry a fact is, not what is true of it: they do not age, carry no
# finding on their own, and changing one makes a different entry.
IDENTITY_FIELDS = frozenset({"id", "kind", "name", "code", "parent"})
# The same, with the fields that tell one entry of a list from another (ITEM_KEYS).
KEY_FIELDS = IDENTITY_FIELDS | {key for keys in ITEM_KEYS.values() for key in keys}

# Keys that say where a fact comes from and how far to trust it, not what it is: they are
# kept beside a fact's fields, never among them, so no rule tests them as facts.
_CITATION_KEYS = ("sources", "field_sources", "confidence", "field_confidence")
CONFIDENCE_LEVELS = ("low", "moderate", "high")

# The profile's `id` field is stored as `key`: the engine reserves `id` for fact identity.
PROFILE_ID_FIELD = "key"


def engine_field(name: str) -> str:
    """A field's name in the engine's facts, from its name in the profile and in rules."""
    return PROFILE_ID_FIELD if name == "id" else name


def rule_field(name: str) -> str:
    """A fact field's name as profiles and rules write it (the inverse of engine_field)."""
    return "id" if name == PROFILE_ID_FIELD else name


@dataclass(frozen=True)
class Fact:
    """One typed fact: its kind, its fields, and where in the profile it came from."""

    id: str
    kind: str
    path: YamlPath
    fields: Mapping[str, Any]
    sources: tuple[str, ...] = field(default=())
    field_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    confidence: str | None = None  # low | moderate | high, for the object; None: not stated
    field_confidence: Mapping[str, str] = field(default_factory=dict)

    def sources_for(self, name: str) -> tuple[str, ...]:
        """The sources cited for one field: its own if given, else its object's."""
        return self.field_sources.get(name, self.sources)

    def confidence_for(self, name: str) -> str | None:
        """The confidence stated for one field: its own if given, else its object's, else
        None (not stated)."""
        return self.field_confidence.get(name, self.confidence)

    @property
    def label(self) -> str:
        """A short human name for the fact, used as a finding's subject."""
        f = self.fields
        if self.kind == "rivalry":
            return f"{f['party_a']} vs {f['party_b']}"
        if self.kind == "abuse":
            return f"{f['unit']}: {str(f['kind']).replace('_', ' ')}"
        if self.kind == "neighbour_coup":
            return f"{f['country']} {f['year']}"
        if self.kind == "foreign_force":
            return f"{f['country']}: {str(f['kind']).replace('_', ' ')}"
        for name in (PROFILE_ID_FIELD, "code", "area", "kind", "name"):
            if name in f:
                return str(f[name])
        return self.id

    def name_in(self, names: Mapping[str, str]) -> str:
        """The fact as prose, institutions by their names: 'Tunisian Armed Forces and Internal
        security services' where `label` says 'armed_forces vs internal_security'. `names` maps
        institution ids to names (institution_names)."""
        f = self.fields

        def named(unit: object) -> str:
            return names.get(str(unit)) or words_of(unit)

        if self.kind == "rivalry":
            return f"{named(f['party_a'])} and {named(f['party_b'])}"
        if self.kind == "abuse":
            return f"{named(f['unit'])}: {words_of(f['kind'])}"
        if self.kind == "institution":
            return named(f.get(PROFILE_ID_FIELD, self.id))
        if self.kind in ("neighbour_coup", "foreign_force"):
            return self.label
        if self.kind == "programme" and f.get("name"):
            return str(f["name"])
        if self.kind == LINE_FACT and f.get("title"):
            return str(f["title"])
        return words_of(self.label)

    def engine_form(self, sid: str) -> dict[str, Any]:
        """The dict asserted into the engine for session `sid`."""
        return {**self.fields, "id": self.id, "fact": self.kind, "sid": sid}


def words_of(value: object) -> str:
    """An enumeration value or id as words: 'internal_security' → 'internal security'."""
    return str(value).replace("_", " ")


def institution_names(data: Mapping[str, Any]) -> dict[str, str]:
    """Institution ids → names, for prose; an institution without a name is named by its id
    in words."""
    return {
        str(i["id"]): str(i.get("name") or words_of(i["id"]))
        for i in data.get("institutions") or ()
        if isinstance(i, Mapping) and "id" in i
    }


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
            engine_field(k): v
            for k, v in value.items()
            if k not in _CITATION_KEYS and not _is_nested(v)
        }
        fields.update(derived_values(kind, value, year))
        per_field = value.get("field_sources")
        cited = (
            {k: tuple(v) for k, v in per_field.items() if isinstance(v, list)}
            if isinstance(per_field, dict)
            else {}
        )
        confidence = value.get("confidence")
        per_field_confidence = value.get("field_confidence")
        out.append(
            Fact(
                format_path(path) or "profile",
                kind,
                path,
                fields,
                sources,
                cited,
                confidence if confidence in CONFIDENCE_LEVELS else None,
                {
                    k: v
                    for k, v in per_field_confidence.items()
                    if isinstance(k, str) and v in CONFIDENCE_LEVELS
                }
                if isinstance(per_field_confidence, dict)
                else {},
            )
        )
    for k, v in value.items():
        if _is_nested(v) and k not in _CITATION_KEYS:
            _collect(v, (*path, k), sources, year, out)


def _is_nested(v: Any) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and any(isinstance(i, dict) for i in v))


def _kind_nodes() -> list[tuple[str, Mapping[str, Any]]]:
    """Each fact kind with the profile-schema node that describes its objects."""
    out = []
    for pattern, kind in FACT_KINDS.items():
        node: Mapping[str, Any] = profile_schema()
        for part in pattern:
            node = node["items"] if part == "*" else node["properties"][part]
        out.append((kind, node))
    # Proposal lines are facts too when a proposal is assessed (profile/proposal.py).
    out.append((LINE_FACT, LINE_ITEM))
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
        for derived in derived_of(kind):
            out[kind][derived.name] = derived.schema
    out["signal"] = {"name": {"type": "string"}, "by": {"type": "string"}}
    return out


@cache
def descriptive_fields() -> dict[str, set[str]]:
    """Per fact kind, the fields the schema marks descriptive only (no rule reads them by
    design: names, notes, ids, labels)."""
    return {
        kind: {k for k, v in fields.items() if v.get(DESCRIPTIVE) is True}
        for kind, fields in field_schemas().items()
    }


def profile_fields() -> dict[str, set[str]]:
    """Every field a rule may test, per fact kind."""
    return {kind: set(fields) for kind, fields in field_schemas().items()}


@cache
def required_fields() -> dict[str, set[str]]:
    """Fields every fact of a kind is sure to have: required in the schema, or derived."""
    out: dict[str, set[str]] = {}
    for kind, node in _kind_nodes():
        sure = {d.name for d in derived_of(kind) if not d.conditional}
        out[kind] = set(node.get("required", ())) | sure
    out["signal"] = {"name", "by"}
    return out


def _schema_nested(node: Mapping[str, Any]) -> bool:
    if node.get("type") == "object":
        return True
    items = node.get("items")
    return (
        node.get("type") == "array" and isinstance(items, Mapping) and items.get("type") == "object"
    )
