"""Reassessment triggers: events in a newer snapshot of a country profile that mean an approved
package of assistance must be reassessed.

A fixed vocabulary, checked in this order (TRIGGERS):
- `coup`: a coup or coup attempt of any kind recorded in AFTER and not in BEFORE, or dated
  after BEFORE's as_of year;
- `emergency`: emergency powers in force in AFTER and not in BEFORE, or in force in both and
  declared again (a later `emergency_powers_since`);
- `gross_violation`: credible reports of a gross violation of human rights in the Leahy sense
  (torture, extrajudicial killing, enforced disappearance, rape) by an assisted unit or one of
  its sub-units, new in AFTER or newly judged credible;
- `plan_expired`: an action plan (assistance framework) active in BEFORE that in AFTER has
  lapsed, is no longer recorded, or whose term (signed + duration_years) ended before AFTER's
  as_of year.

Entries of the profile's lists are matched across the two snapshots by their id or natural key
(profile.facts.ITEM_KEYS), never by position. Every hit carries a one-line account in plain
words and the evidence: each value it rests on with the file and line that records it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.paths import display_path
from ssa_risk.base.source import YamlPath, format_path
from ssa_risk.base.words import counted
from ssa_risk.comparison.git import revision_spec
from ssa_risk.comparison.sides import profile_at_revision
from ssa_risk.profile.facts import (
    ITEM_KEYS,
    Fact,
    engine_field,
    institution_names,
    profile_facts,
    words_of,
)
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.rules.approvals import TRIGGER_KINDS

# Each trigger's id and what it is, in the order they are checked and reported.
TRIGGERS: Mapping[str, str] = MappingProxyType(dict(TRIGGER_KINDS))

# Gross violations of human rights as the Leahy laws are applied to units (abuse kinds of the
# profile schema), each as the account names it.
GROSS_VIOLATIONS: Mapping[str, str] = MappingProxyType(
    {
        "torture": "torture",
        "extrajudicial_killing": "extrajudicial killings",
        "enforced_disappearance": "enforced disappearances",
        "rape": "rape",
    }
)

_COUP_NOUNS = {
    "military": "military coup",
    "palace": "palace coup",
    "attempt": "coup attempt",
    "self_coup": "self-coup",
}
_COUP_OUTCOMES = {"failed": "failed", "foiled": "foiled", "alleged": "alleged"}
_SCOPES = {
    "national": "across the whole country",
    "regional": "in one or more regions",
    "local": "in a few localities",
}


@dataclass(frozen=True)
class Cited:
    """A value as one snapshot records it, and where."""

    value: Any  # as written in the profile; None for a whole list entry
    file: str
    line: int | None

    @property
    def at(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class Evidence:
    """One value (or list entry) a hit rests on: as BEFORE and AFTER record it.

    `changed`: the hit rests on the difference (a side that is None did not record it);
    otherwise only the side given is cited, as it stands.
    """

    path: str  # list entries named by id or natural key: human_rights.abuses[police, torture]
    before: Cited | None
    after: Cited | None
    changed: bool
    entry: bool = False  # a whole list entry, not one value


@dataclass(frozen=True)
class Hit:
    """A trigger that fired, once per event that fired it."""

    trigger: str
    wording: str
    account: str  # what happened, in one line of plain words
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Triggers:
    """The triggers checked between two snapshots of one country, and those that fired."""

    country: str
    before: str  # how each snapshot is named (its file)
    after: str
    as_of: tuple[str, str]
    checked: tuple[str, ...]  # trigger ids, in vocabulary order
    wording: tuple[tuple[str, str], ...]  # (id, wording) of each trigger checked
    hits: tuple[Hit, ...]  # in vocabulary order, then in AFTER's order
    # The units counted as assisted (with their sub-units), for gross_violation: given by the
    # caller, or (assisted_given False) the recipients of BEFORE's programmes that run to its
    # as_of year or later.
    assisted: tuple[str, ...]
    assisted_given: bool
    assisted_names: tuple[str, ...]  # the same units by name, for reports
    # What to do when a trigger fires (approvals.yaml's `then`), by trigger id; () without one.
    actions: tuple[tuple[str, str], ...] = ()

    @property
    def fired(self) -> bool:
        return bool(self.hits)

    @property
    def fired_ids(self) -> tuple[str, ...]:
        """Each trigger that fired, once, in vocabulary order."""
        return tuple(dict.fromkeys(h.trigger for h in self.hits))

    def wording_of(self, trigger: str) -> str:
        return dict(self.wording)[trigger]

    def hits_of(self, trigger: str) -> tuple[Hit, ...]:
        return tuple(h for h in self.hits if h.trigger == trigger)


def detect_triggers(
    before: Profile,
    after: Profile,
    assisted: Collection[str] | None = None,
    only: Sequence[str] | None = None,
    wording: Mapping[str, str] | None = None,
    actions: Mapping[str, str] | None = None,
) -> Triggers:
    """The reassessment triggers that fire between BEFORE and a newer AFTER.

    `assisted`: the institution ids of the assisted units (each with its sub-units); None: the
    recipients of BEFORE's programmes whose fiscal years reach its as_of year. `only`: the
    trigger ids to check (default: all). `wording`: a trigger's wording in place of its
    default. `actions`: what to do when each fires (approvals.yaml).
    Unknown trigger ids, and assisted ids that are not institutions of BEFORE, are a
    ValueError (the caller checks them first); snapshots of two countries, or in the wrong
    order, an InputError.
    """
    checked = _checked(only)
    words = _wording(wording)
    problems = snapshot_problems(before, after)
    if problems:
        raise InputError(problems)
    known = institution_names(before.data)
    if assisted is not None:
        unknown = sorted(set(assisted) - set(known))
        if unknown:
            raise ValueError(f"not institutions of {before.path}: {', '.join(unknown)}")
        units = tuple(sorted(set(assisted)))
    else:
        units = programme_recipients(before)
    pair = _Pair(before, after)
    hits: list[Hit] = []
    for trigger in checked:
        found = _DETECTORS[trigger](pair, units)
        hits += [Hit(trigger, words[trigger], account, ev) for account, ev in found]
    return Triggers(
        after.country,
        before.path,
        after.path,
        (before.as_of, after.as_of),
        checked,
        tuple((t, words[t]) for t in checked),
        tuple(hits),
        units,
        assisted is not None,
        tuple(known[u] for u in units),
        tuple((t, actions[t]) for t in checked if actions and t in actions),
    )


def _checked(only: Sequence[str] | None) -> tuple[str, ...]:
    if only is None:
        return tuple(TRIGGERS)
    unknown = [t for t in only if t not in TRIGGERS]
    if unknown:
        raise ValueError(
            f"unknown trigger {', '.join(map(repr, unknown))}; the triggers are "
            + ", ".join(TRIGGERS)
        )
    return tuple(t for t in TRIGGERS if t in only)


def _wording(wording: Mapping[str, str] | None) -> dict[str, str]:
    unknown = [t for t in wording or {} if t not in TRIGGERS]
    if unknown:
        raise ValueError(f"wording for unknown trigger {', '.join(map(repr, unknown))}")
    return {**TRIGGERS, **(wording or {})}


def snapshot_problems(before: Profile, after: Profile) -> list[Problem]:
    """Why BEFORE and AFTER cannot be compared for triggers: two countries, or BEFORE not
    older than AFTER."""
    problems = []
    if before.data.get("iso3") != after.data.get("iso3"):
        problems.append(
            _problem(
                after,
                ("iso3",),
                f"describes {after.country}, but {before.path} describes {before.country}",
                "compare two snapshots of the same country",
            )
        )
    if not _earlier(before.as_of, after.as_of):
        problems.append(
            _problem(
                before,
                ("as_of",),
                f"as_of {before.as_of} is not earlier than {after.path}'s as_of {after.as_of}",
                f"give the older snapshot first: {after.path} before {before.path}"
                if _earlier(after.as_of, before.as_of)
                else "give the older snapshot first, then a newer one",
            )
        )
    return problems


def _problem(profile: Profile, path: YamlPath, message: str, fix: str) -> Problem:
    loc = profile.doc.locations.get(path)
    if loc is None:
        return Problem(profile.path, None, None, message, fix)
    return Problem(loc.file, loc.line, loc.column, message, fix)


def _earlier(a: str, b: str) -> bool:
    """Whether as_of `a` is before `b` (YYYY-MM or YYYY-MM-DD): a month and a day in that
    month are not ordered."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


def programme_recipients(profile: Profile) -> tuple[str, ...]:
    """The recipients of the snapshot's programmes whose fiscal years reach its as_of year or
    later, sorted."""
    year = profile.as_of_year
    return tuple(
        sorted(
            {
                str(f.fields["recipient"])
                for f in profile_facts(profile)
                if f.kind == "programme"
                and isinstance(f.fields.get("recipient"), str)
                and isinstance(f.fields.get("to_fy"), int)
                and f.fields["to_fy"] >= year
            }
        )
    )


# --- snapshots: loading one side ---------------------------------------------------------


def load_side(spec: str, repo: Path) -> Profile:
    """A profile named as `triggers` takes it: a path (the working copy), or `REV:path` (the
    profile, and the snapshots it extends, as they were at a git revision; `repo` is where
    git runs)."""
    if not spec.strip():
        raise InputError(
            [Problem("(empty argument)", None, None, "names no file", "name a profile or REV:path")]
        )
    if revision_spec(spec) is None:
        path = Path(spec)
        return load_profile(path, display_path(path))
    return profile_at_revision(spec, repo)[0]


# --- the detectors -----------------------------------------------------------------------

_Found = list[tuple[str, tuple[Evidence, ...]]]


class _Pair:
    """The two snapshots, their facts, and how to name and cite what they record."""

    def __init__(self, before: Profile, after: Profile) -> None:
        self.before, self.after = before, after
        self.facts_before = profile_facts(before)
        self.facts_after = profile_facts(after)
        same_year = before.as_of_year == after.as_of_year
        self.name_before = f"the {before.as_of if same_year else before.as_of_year} snapshot"
        self.name_after = f"the {after.as_of if same_year else after.as_of_year} snapshot"
        self.names = {**institution_names(before.data), **institution_names(after.data)}
        self.parents: dict[str, str] = {}
        for profile in (before, after):
            for inst in profile.data.get("institutions") or ():
                if isinstance(inst, dict) and isinstance(inst.get("parent"), str):
                    self.parents[str(inst["id"])] = inst["parent"]

    def of_kind(self, side: str, kind: str) -> list[Fact]:
        facts = self.facts_before if side == "before" else self.facts_after
        return [f for f in facts if f.kind == kind]

    def one(self, side: str, kind: str) -> Fact | None:
        found = self.of_kind(side, kind)
        return found[0] if found else None

    def cited(self, side: str, fact: Fact | None, name: str | None) -> Cited | None:
        """The value `name` of `fact` (the whole entry when None) and where it is written;
        None when the snapshot does not record it."""
        if fact is None:
            return None
        profile = self.before if side == "before" else self.after
        if name is None:
            path, value = fact.path, None
        elif engine_field(name) in fact.fields:
            path, value = (*fact.path, name), fact.fields[engine_field(name)]
        else:
            return None
        loc = profile.doc.locations.get(path)
        return Cited(value, loc.file if loc else profile.path, loc.line if loc else None)

    def evidence(
        self,
        a: Fact | None,
        b: Fact | None,
        name: str | None,
        item: str,
        changed: bool = True,
    ) -> Evidence:
        """`name` of entry `item` (a field path, or the entry itself when `name` is None) as
        BEFORE's fact `a` and AFTER's fact `b` record it."""
        path = item if name is None else f"{item}.{name}" if item else name
        before = self.cited("before", a, name) if changed else None
        return Evidence(path, before, self.cited("after", b, name), changed, name is None)

    def unit_name(self, unit: object) -> str:
        return self.names.get(str(unit)) or words_of(unit)


def _key(fact: Fact) -> tuple[Any, ...]:
    return tuple(_hashable(fact.fields.get(engine_field(k))) for k in ITEM_KEYS[fact.kind])


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _item(fact: Fact) -> str:
    """The entry as the diff names it: `civil_military.coups[2021, attempt]`."""
    parent = format_path(fact.path[:-1])
    key = ", ".join(str(fact.fields.get(engine_field(k))) for k in ITEM_KEYS[fact.kind])
    return f"{parent}[{key}]"


def _matched(pair: _Pair, kind: str) -> Iterator[tuple[Fact | None, Fact]]:
    """Each AFTER entry of `kind` with BEFORE's entry of the same key (None: not in BEFORE)."""
    earlier = {_key(f): f for f in reversed(pair.of_kind("before", kind))}
    for fact in pair.of_kind("after", kind):
        yield earlier.get(_key(fact)), fact


def _article(noun: str) -> str:
    return f"An {noun}" if noun[:1] in "aeiou" else f"A {noun}"


def _coups(pair: _Pair, assisted: tuple[str, ...]) -> _Found:
    out: _Found = []
    as_of_year = pair.before.as_of_year
    for old, coup in _matched(pair, "coup"):
        year = coup.fields.get("year")
        later = isinstance(year, int) and year > as_of_year
        if old is not None and not later:
            continue
        kind = str(coup.fields.get("kind"))
        noun = _COUP_NOUNS.get(kind, words_of(kind))
        outcome = _COUP_OUTCOMES.get(str(coup.fields.get("outcome")))
        what = _article(f"{outcome} {noun}" if outcome else noun)
        deposed = (
            ", deposing an elected government,"
            if coup.fields.get("elected_government_deposed") is True
            else ""
        )
        if later:
            account = f"{what} in {year}{deposed} is recorded (not in {pair.name_before})."
        else:
            account = (
                f"{what} in {year}{deposed} is now recorded; {pair.name_before} did not record "
                "it, though it predates that snapshot."
            )
        item = _item(coup)
        evidence = [pair.evidence(None, coup, None, item)]
        if deposed:
            evidence.append(
                pair.evidence(None, coup, "elected_government_deposed", item, changed=False)
            )
        out.append((account, tuple(evidence)))
    return out


def _emergency(pair: _Pair, assisted: tuple[str, ...]) -> _Found:
    old, new = pair.one("before", "political_context"), pair.one("after", "political_context")
    if new is None or new.fields.get("emergency_powers_in_force") is not True:
        return []
    was = old.fields if old is not None else {}
    since = new.fields.get("emergency_powers_since")
    since_before = was.get("emergency_powers_since")
    scope = _SCOPES.get(str(new.fields.get("emergency_scope")))
    where = f" {scope}" if scope else ""
    item = "political_context"
    if was.get("emergency_powers_in_force") is not True:
        state = (
            "not in force in"
            if was.get("emergency_powers_in_force") is False
            else "none recorded in"
        )
        in_force = (
            f"have been in force{where} since {since}"
            if isinstance(since, int)
            else f"are in force{where}"
        )
        account = f"Emergency powers {in_force} ({state} {pair.name_before})."
        evidence = [pair.evidence(old, new, "emergency_powers_in_force", item)]
        if isinstance(since, int):
            evidence.append(
                pair.evidence(old, new, "emergency_powers_since", item, since != since_before)
            )
    else:
        renewed = isinstance(since, int) and (
            since > since_before
            if isinstance(since_before, int)
            else since > pair.before.as_of_year
        )
        if not renewed:
            return []
        then = f" since {since_before}" if isinstance(since_before, int) else ""
        account = (
            f"Emergency powers were declared again{where} in {since} (in force{then} in "
            f"{pair.name_before})."
        )
        evidence = [
            pair.evidence(old, new, "emergency_powers_in_force", item, changed=False),
            pair.evidence(old, new, "emergency_powers_since", item),
        ]
    if scope:
        evidence.append(pair.evidence(old, new, "emergency_scope", item, changed=False))
    return [(account, tuple(evidence))]


def _assisted_unit(pair: _Pair, unit: str, assisted: tuple[str, ...]) -> str | None:
    """The assisted unit that `unit` is or belongs to (through its parents); None if none."""
    seen: set[str] = set()
    current: str | None = unit
    while current is not None and current not in seen:
        if current in assisted:
            return current
        seen.add(current)
        current = pair.parents.get(current)
    return None


def _gross_violations(pair: _Pair, assisted: tuple[str, ...]) -> _Found:
    out: _Found = []
    for old, abuse in _matched(pair, "abuse"):
        kind = abuse.fields.get("kind")
        if kind not in GROSS_VIOLATIONS or abuse.fields.get("credible") is not True:
            continue
        unit = str(abuse.fields.get("unit"))
        through = _assisted_unit(pair, unit, assisted)
        if through is None:
            continue
        if old is not None and old.fields.get("credible") is True:
            continue
        who = pair.unit_name(unit)
        if through != unit:
            who += f", a unit of the assisted {pair.unit_name(through)},"
        violation = GROSS_VIOLATIONS[str(kind)]
        item = _item(abuse)
        if old is None:
            account = (
                f"Credible reports of {violation} by {who} are recorded "
                f"(not in {pair.name_before})."
            )
            evidence = [
                pair.evidence(None, abuse, None, item),
                pair.evidence(None, abuse, "credible", item, changed=False),
            ]
        else:
            state = (
                "judged not credible in"
                if old.fields.get("credible") is False
                else "their credibility not stated in"
            )
            account = (
                f"Reports of {violation} by {who} are now judged credible ({state} "
                f"{pair.name_before})."
            )
            evidence = [pair.evidence(old, abuse, "credible", item)]
        if abuse.fields.get("remediated") is True:
            account += " Steps to bring those responsible to justice are recorded."
            evidence.append(pair.evidence(old, abuse, "remediated", item, changed=False))
        out.append((account, tuple(evidence)))
    return out


def _plans(pair: _Pair, assisted: tuple[str, ...]) -> _Found:
    out: _Found = []
    later = {_key(f): f for f in reversed(pair.of_kind("after", "framework"))}
    as_of_year = pair.after.as_of_year
    for plan in pair.of_kind("before", "framework"):
        if plan.fields.get("status") != "active":
            continue
        name = str(plan.fields.get("name"))
        item = _item(plan)
        now = later.get(_key(plan))
        if now is None:
            account = (
                f"The {name}, active in {pair.name_before}, is no longer recorded in "
                f"{pair.name_after}."
            )
            out.append((account, (pair.evidence(plan, None, None, item),)))
            continue
        status = now.fields.get("status")
        if status == "lapsed":
            account = f"The {name} has lapsed (active in {pair.name_before})."
            out.append((account, (pair.evidence(plan, now, "status", item),)))
            continue
        signed, years = now.fields.get("signed"), now.fields.get("duration_years")
        side = now
        if not isinstance(years, int):  # the later snapshot leaves the term out
            signed, years, side = plan.fields.get("signed"), plan.fields.get("duration_years"), plan
        if not (isinstance(signed, int) and isinstance(years, int)):
            continue
        end = signed + years
        if end >= as_of_year:
            continue
        listed = f"lists it as {words_of(status)}" if status else "still lists it"
        account = (
            f"The {name}, signed in {signed} for {counted(years, 'year')}, ran out in {end} "
            f"({pair.name_after} {listed})."
        )
        sources = ("after", now) if side is now else ("before", plan)
        cite = [
            Evidence(
                f"{item}.{field}",
                pair.cited("before", plan, field) if sources[0] == "before" else None,
                pair.cited("after", now, field) if sources[0] == "after" else None,
                False,
            )
            for field in ("signed", "duration_years")
        ]
        if status:
            cite.append(pair.evidence(plan, now, "status", item, changed=False))
        out.append((account, tuple(cite)))
    return out


_DETECTORS = {
    "coup": _coups,
    "emergency": _emergency,
    "gross_violation": _gross_violations,
    "plan_expired": _plans,
}
