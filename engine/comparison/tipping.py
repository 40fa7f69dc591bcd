"""Tipping points: the smallest changes to a profile's values that change a lens rating or the
overall result, in either direction.

Candidates come from the rules' own conditions, not from sampling: for every condition on a
fact kind the profile holds, and every fact of that kind,
- a number tested with gt/gte/lt/lte/eq: the value just across the threshold;
- an enumeration tested with eq/in: the nearest values (in the schema's order) on the other
  side of the tested set, one below and one above;
- true/false: the other value; `exists`: the field given or removed; `contains`: the item
  added to the list or taken out;
- a list entry: a minimal new entry that satisfies the condition (its required fields filled
  in), or the removal of an entry the condition matches.
Each candidate is applied as a `--set` edit (profile/edits.py, so it is validated like any
edit) and the profile re-assessed with the one compiled rule set; only candidates that really
change a rating are reported. With max_changes 2, pairs of candidates that each moved a score
the same way without changing a rating are tried too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path
from typing import Any

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.batch import Assessed
from ssa_risk.assessment.builder import entity_words, field_words
from ssa_risk.assessment.changes import lens_changes, overall_worse
from ssa_risk.assessment.model import Assessment, WatchIndicator, score_text
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.choices import MAX_CHANGES as MAX_CHANGES
from ssa_risk.base.errors import InputError
from ssa_risk.base.parallel import Parallel
from ssa_risk.base.paths import display_path
from ssa_risk.base.source import YamlPath, format_path
from ssa_risk.profile.derived import derived_of
from ssa_risk.profile.edits import edit_path, edit_profile, flow
from ssa_risk.profile.facts import (
    FACT_KINDS,
    ITEM_KEYS,
    KEY_FIELDS,
    Fact,
    field_schemas,
    institution_names,
    profile_facts,
    words_of,
)
from ssa_risk.profile.reader import Profile, load_profile, profile_schema
from ssa_risk.profile.snapshots import folder_snapshots
from ssa_risk.rules.model import FieldTest, Pattern, Ref, Rule
from ssa_risk.rules.narrative import USD_SUFFIX, usd
from ssa_risk.rules.operators import MISSING, show
from ssa_risk.rules.scoring import RATINGS

OVERALL = "overall"
_KIND_PATHS = {kind: pattern for pattern, kind in FACT_KINDS.items()}
_NATURAL_KEYS = {format_path(p): ITEM_KEYS[k] for p, k in FACT_KINDS.items() if k in ITEM_KEYS}
_WORDS = {
    "gt": "above",
    "gte": "at least",
    "lt": "below",
    "lte": "at most",
    "eq": "exactly",
}


@dataclass(frozen=True)
class Change:
    """One change to the profile: an edit as `whatif --set` takes it, and what it is."""

    path: str  # as --set takes it: institutions[id=army].political_role
    before: Any  # MISSING when the value (or the list entry) is not in the profile
    after: Any  # MISSING when the value or entry is removed
    kind: str  # number / enumeration / flag / field / item added / item removed / list
    label: str  # what the value is, in words: "Civil-military relations: support for ..."
    rules: tuple[str, ...]  # the rules whose conditions suggested it
    threshold: str  # what the rules test, in words: "at least 40", "rising or dominant"
    distance: float  # how far it goes, 0 to 1 of the field's range (1 for added/removed)
    reach: str  # how far, in words: "47 now, threshold 40 (at least 40): 39 is 8 lower"

    @property
    def edit(self) -> str:
        """PATH=VALUE, as `ssa-risk whatif --set` takes it."""
        return f"{self.path}={'~' if self.after is MISSING else flow(self.after)}"

    @property
    def shown(self) -> str:
        """`path: before → after`; `path: removed`; `path: added {...}`."""
        if self.kind == "item removed":
            return f"{self.path}: removed"
        if self.kind == "item added":
            return f"{self.path}: added {flow(self.after)}"
        return f"{self.path}: {_show(self.before)} → {_show(self.after)}"


@dataclass(frozen=True)
class Flip:
    """A rating that changes: a lens's residual rating, or the overall result."""

    lens: str  # lens id, or OVERALL
    title: str
    before: str
    after: str
    score_before: float | None
    score_after: float | None
    direction: str  # worse / better / unordered (a lens becomes assessed, or stops being)

    @property
    def text(self) -> str:
        scores = f"{score_text(self.score_before)} → {score_text(self.score_after)}"
        return f"{self.title}: {self.before} → {self.after} (score {scores})"


@dataclass(frozen=True)
class TippingPoint:
    changes: tuple[Change, ...]
    flips: tuple[Flip, ...]
    # worse / better; mixed: one rating better, another worse; unordered: only a lens that
    # becomes assessed or stops being assessed
    direction: str
    rules_started: tuple[str, ...]  # rules that fire after the change and did not before
    rules_stopped: tuple[str, ...]

    @property
    def distance(self) -> float:
        return sum(c.distance for c in self.changes)


@dataclass(frozen=True)
class Tipping:
    country: str
    profile: str
    as_of: str
    overall: str
    score: float | None
    lens: str | None  # only this lens's rating counts, when given
    max_changes: int
    worse: tuple[TippingPoint, ...]  # sorted: fewest changes, then smallest distance
    better: tuple[TippingPoint, ...]
    other: tuple[TippingPoint, ...]  # mixed or unordered
    tried: int  # candidate changes (and pairs) assessed
    refused: int  # candidates left out because the changed profile would not validate

    @property
    def points(self) -> tuple[TippingPoint, ...]:
        return self.worse + self.better + self.other


def tipping_points(
    assessor: Assessor,
    profile: Profile,
    lens: str | None = None,
    max_changes: int = 1,
    baseline: Assessment | None = None,
    parallel: Parallel | None = None,
) -> Tipping:
    """Every single change (and, with max_changes 2, pair of changes) found from the rules'
    conditions that changes a lens rating (only `lens`'s, when given) or the overall result.

    The changed profiles are assessed with `parallel` (default: on every local core)."""
    base = baseline or assessor.assess_profile(profile)
    # Proposal-line rules never fire on a profile alone: their conditions are no candidates.
    ruleset = assessor.ruleset
    candidates = rule_candidates([r for r in ruleset.rules if not ruleset.is_line_rule(r)], profile)
    run = parallel or Parallel()
    task = _Try(assessor, profile, base, lens)
    found: list[TippingPoint] = []
    movers: list[tuple[Change, dict[str, int]]] = []
    tried = refused = 0
    singles = run.map(task, [(change,) for change in candidates])
    for change, (assessed, point, push) in zip(candidates, singles, strict=True):
        tried += 1
        if not assessed:
            refused += 1
        elif point is not None:
            found.append(point)
        elif push:
            movers.append((change, push))
    if max_changes >= 2:
        pairs = [
            (a, b)
            for (a, push_a), (b, push_b) in combinations(movers, 2)
            # the same value twice, or two changes that do not push the same score the same
            # way, are not tried
            if a.path != b.path and any(push_b.get(k) == v for k, v in push_a.items())
        ]
        for assessed, point, _ in run.map(task, pairs):
            tried += 1
            if not assessed:
                refused += 1
            elif point is not None:
                found.append(point)
    order = sorted(found, key=_order)
    return Tipping(
        base.country,
        profile.path,
        base.as_of,
        base.overall,
        base.score,
        lens,
        max_changes,
        tuple(p for p in order if p.direction == "worse"),
        tuple(p for p in order if p.direction == "better"),
        tuple(p for p in order if p.direction not in ("worse", "better")),
        tried,
        refused,
    )


def _order(point: TippingPoint) -> tuple[Any, ...]:
    return (len(point.changes), round(point.distance, 9), [c.edit for c in point.changes])


@dataclass(frozen=True)
class _Try:
    """One candidate change (or pair), run in a worker process: whether the changed profile
    validates, the tipping point it makes, else how it pushes the scores."""

    assessor: Assessor
    profile: Profile
    base: Assessment
    lens: str | None

    def __call__(
        self, changes: tuple[Change, ...]
    ) -> tuple[bool, TippingPoint | None, dict[str, int] | None]:
        result = _assess(self.assessor, self.profile, changes)
        if result is None:
            return False, None, None
        point = _point(self.base, result, changes, self.lens)
        if point is not None:
            return True, point, None
        return True, None, _push(self.base, result, self.lens)


def _assess(assessor: Assessor, profile: Profile, changes: Sequence[Change]) -> Assessment | None:
    try:
        edited = edit_profile(profile, [c.edit for c in changes])
    except InputError:
        return None
    return assessor.assess_profile(edited)


def _ratings(assessment: Assessment, lens: str | None) -> dict[str, tuple[str, str, Any]]:
    out = {
        x.id: (x.title, x.residual, x.score)
        for x in assessment.lenses
        if lens is None or x.id == lens
    }
    if lens is None:
        out[OVERALL] = ("Overall", assessment.overall, assessment.score)
    return out


def _point(
    base: Assessment, after: Assessment, changes: tuple[Change, ...], lens: str | None
) -> TippingPoint | None:
    flips = []
    for c in lens_changes(base, after):
        if c.before == c.after or (lens is not None and c.lens != lens):
            continue
        ordered = c.before in RATINGS and c.after in RATINGS
        way = "unordered" if not ordered else "worse" if c.worse else "better"
        flips.append(Flip(c.lens, c.title, c.before, c.after, c.score_before, c.score_after, way))
    if lens is None and base.overall != after.overall:
        worse = overall_worse(base, after)
        way = "unordered" if worse is None else "worse" if worse else "better"
        flips.append(
            Flip(OVERALL, "Overall", base.overall, after.overall, base.score, after.score, way)
        )
    if not flips:
        return None
    ways = {f.direction for f in flips} - {"unordered"}
    direction = ways.pop() if len(ways) == 1 else "mixed" if ways else "unordered"
    before = {f.rule_id for f in base.findings}
    now = {f.rule_id for f in after.findings}
    return TippingPoint(
        changes, tuple(flips), direction, tuple(sorted(now - before)), tuple(sorted(before - now))
    )


def _push(base: Assessment, after: Assessment, lens: str | None) -> dict[str, int]:
    """Each score the change moved (lens id, or OVERALL), and which way (+1 up, -1 down)."""
    old, new = _ratings(base, lens), _ratings(after, lens)
    out = {}
    for key, (_, _, score) in old.items():
        moved = new.get(key, (None, None, score))[2]
        if score is not None and moved is not None and moved != score:
            out[key] = 1 if moved > score else -1
    return out


# --- indicators to watch -----------------------------------------------------------------

WATCH_LIMIT = 10
# A list entry's kind, id or keys say which entry it is, not how it stands: changing one makes
# a different entry, not an indicator to watch. Nor is the record of the past (how the military
# was formed, where coercive power sat, whether it ever governed): it can be corrected, not
# watched.
PAST_FIELDS = frozenset(
    {
        "military_origin",
        "historical_coercive_centre",
        "military_held_power",
        "military_rule_years",
        "returned_to_civilian_oversight",
    }
)


def watch_indicators(tipping: Tipping, limit: int = WATCH_LIMIT) -> tuple[WatchIndicator, ...]:
    """The values whose change alone would raise a rating, in words, nearest first, each value
    once (its nearest change)."""
    out: list[WatchIndicator] = []
    seen: set[str] = set()
    for point in tipping.worse:
        if len(point.changes) != 1:
            continue
        change = point.changes[0]
        field = change.path.rpartition(".")[2]
        if (
            change.label in seen
            or field in KEY_FIELDS
            or field in PAST_FIELDS
            or change.kind == "item removed"
        ):
            continue
        seen.add(change.label)
        raises = "; ".join(_raises(f) for f in point.flips if f.direction == "worse")
        rules = tuple(dict.fromkeys((*point.rules_started, *point.rules_stopped)))
        out.append(
            WatchIndicator(change.label, describe_now(change), describe_then(change), raises, rules)
        )
        if len(out) == limit:
            break
    return tuple(out)


def _words(value: Any, field: str = "") -> str:
    if value is MISSING:
        return "not recorded"
    if _is_number(value) and field.endswith(USD_SUFFIX):
        return usd(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "none"
    return words_of(value) if isinstance(value, str) else show(value)


def describe_now(change: Change) -> str:
    # A new list entry: other entries of the kind may be recorded, but none like this one.
    if change.kind == "item added":
        return "none like it recorded"
    return _words(change.before, change.path)


def describe_then(change: Change) -> str:
    if change.kind == "item added" and isinstance(change.after, dict):
        described = ", ".join(f"{field_words(k)} {_words(v, k)}" for k, v in change.after.items())
        return f"one recorded ({described})"
    if change.kind == "number":
        return f"{_words(change.after, change.path)} ({change.threshold})"
    return _words(change.after, change.path)


def _raises(flip: Flip) -> str:
    title = "the overall result" if flip.lens == OVERALL else flip.title
    return f"{title} from {flip.before} to {flip.after}"


def with_watch(
    assessor: Assessor, assessed: Sequence[Assessed], parallel: Parallel | None = None
) -> list[Assessed]:
    """Each assessment (a timeline's latest snapshot) with its indicators to watch; the
    changed profiles are assessed with `parallel` (default: on every local core)."""
    out = []
    for item in assessed:
        result = item.result
        if isinstance(result, Timeline):
            latest = folder_snapshots(item.path, display_path(item.path))[-1]
            watched = _watched(assessor, latest, result.latest, parallel)
            snapshots = (*result.snapshots[:-1], watched)
            out.append(Assessed(item.path, replace(result, snapshots=snapshots)))
        else:
            out.append(Assessed(item.path, _watched(assessor, item.path, result, parallel)))
    return out


def _watched(
    assessor: Assessor, path: Path, assessment: Assessment, parallel: Parallel | None
) -> Assessment:
    profile = load_profile(path, display_path(path))
    tipping = tipping_points(assessor, profile, baseline=assessment, parallel=parallel)
    return replace(assessment, watch=watch_indicators(tipping))


# --- candidates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seed:
    """What one condition suggests for one fact: the value to write, and why."""

    at: YamlPath  # the value's (or list entry's) YAML path
    fact: Fact | None  # None for a new list entry
    field: str  # "" for a whole list entry
    before: Any
    after: Any
    kind: str
    rule: str
    threshold: str
    distance: float
    reach: str


def rule_candidates(rules: Sequence[Rule], profile: Profile) -> list[Change]:
    """Every change the rules' conditions suggest, each once (the rules that suggest it
    merged), in a stable order."""
    facts = profile_facts(profile)
    by_kind: dict[str, list[Fact]] = {}
    for fact in facts:
        by_kind.setdefault(fact.kind, []).append(fact)
    seeds: list[_Seed] = []
    for rule in sorted(rules, key=lambda r: r.id):
        for pattern in rule.patterns:
            if pattern.fact == "signal" or pattern.fact not in _KIND_PATHS:
                continue
            seeds += _field_seeds(rule, pattern, by_kind.get(pattern.fact, []), profile)
            seeds += _item_seeds(rule, pattern, by_kind, profile)
    names = institution_names(profile.data)
    merged: dict[str, Change] = {}
    for seed in seeds:
        path = edit_path(profile.data, seed.at, _NATURAL_KEYS)
        if seed.kind == "item added":
            path += "[+]"
        elif seed.field:
            path = f"{path}.{seed.field}" if path else seed.field
        label = _label(seed, names)
        change = Change(
            path,
            seed.before,
            seed.after,
            seed.kind,
            label,
            (seed.rule,),
            seed.threshold,
            seed.distance,
            seed.reach.replace("{rule}", seed.rule),
        )
        known = merged.get(change.edit)
        if known is None:
            merged[change.edit] = change
        elif seed.rule not in known.rules:
            rules_ = tuple(sorted((*known.rules, seed.rule)))
            merged[change.edit] = Change(
                known.path,
                known.before,
                known.after,
                known.kind,
                known.label,
                rules_,
                known.threshold,
                known.distance,
                known.reach,
            )
    return [merged[k] for k in sorted(merged)]


def _label(seed: _Seed, names: Mapping[str, str]) -> str:
    if seed.fact is None:
        return f"{field_words(str(seed.at[-1])).capitalize()}: a new entry"
    entity = entity_words(seed.fact, names)
    return f"{entity}: {field_words(seed.field)}" if seed.field else entity


def _editable(kind: str, field: str) -> bool:
    """A field the profile writes (not one derived from others, not the engine's id)."""
    return field in field_schemas().get(kind, {}) and field not in {
        d.name for d in derived_of(kind)
    }


def _field_seeds(rule: Rule, pattern: Pattern, facts: list[Fact], profile: Profile) -> list[_Seed]:
    out = []
    schemas = field_schemas()[pattern.fact]
    for test in pattern.tests:
        if isinstance(test.value, Ref) or not _editable(pattern.fact, test.field):
            continue
        schema = schemas[test.field]
        for fact in facts:
            current = fact.fields.get(test.engine_field, MISSING)
            for after, kind, distance, reach, threshold in _crossings(test, current, schema):
                out.append(
                    _Seed(
                        fact.path,
                        fact,
                        test.field,
                        current,
                        after,
                        kind,
                        rule.id,
                        threshold,
                        distance,
                        reach,
                    )
                )
    return out


def _crossings(
    test: FieldTest, current: Any, schema: Mapping[str, Any]
) -> list[tuple[Any, str, float, str, str]]:
    """(value, kind, distance, reach in words, threshold in words) across one test."""
    op, value = test.op, test.value
    holds = current is not MISSING and _holds(test, current)
    if op in _WORDS and _is_number(value) and schema.get("type") in ("integer", "number"):
        # A sum of dollars is written as the reports write it ($50.0 million).
        shown = usd if test.field.endswith(USD_SUFFIX) else show
        return _number_crossings(op, value, current, holds, schema, shown)
    enum = schema.get("enum")
    if op in ("eq", "in") and isinstance(enum, list):
        return _enum_crossings(test, current, holds, enum)
    if op == "eq" and isinstance(value, bool):
        after = (not current) if isinstance(current, bool) else value
        now = "not given" if current is MISSING else show(current)
        reach = f"{now} now; {{rule}} tests {show(value)}"
        return [(after, "flag", 1.0, reach, show(value))]
    if op == "exists":  # recorded now: remove it; not recorded: record a plain value
        if current is not MISSING:
            return [(MISSING, "field", 1.0, "given now; {rule} tests whether it is given", "")]
        sample = _sample(schema)
        if sample is MISSING:
            return []
        return [(sample, "field", 1.0, "not given now; {rule} tests whether it is given", "")]
    if op == "contains" and isinstance(current, list):
        items = list(current)
        changed = [i for i in items if i != value] if value in items else [*items, value]
        reach = f"{show(current)} now; {{rule}} tests whether it holds {show(value)}"
        return [(changed, "list", 1.0, reach, f"holds {show(value)}")]
    return []


def _holds(test: FieldTest, current: Any) -> bool:
    try:
        return bool(test.operator.holds(current, test.value))
    except (TypeError, ValueError):
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decimals(value: Any) -> int:
    text = repr(value)
    return len(text.partition(".")[2]) if isinstance(value, float) else 0


def _number_crossings(
    op: str,
    threshold: float,
    current: Any,
    holds: bool,
    schema: Mapping[str, Any],
    shown: Callable[[Any], str] = show,
) -> list[tuple[Any, str, float, str, str]]:
    whole = schema.get("type") == "integer" or (
        isinstance(threshold, int) and (current is MISSING or isinstance(current, int))
    )
    places = max(_decimals(threshold), _decimals(current), 1)
    step: float = 1 if whole else 10**-places
    low, high = schema.get("minimum"), schema.get("maximum")

    def fit(v: float) -> float | int:
        if whole:
            return int(v)
        return round(v, places)

    passing = {
        "gte": math.ceil(threshold) if whole else threshold,
        "gt": (math.floor(threshold) + 1) if whole else threshold + step,
        "lte": math.floor(threshold) if whole else threshold,
        "lt": (math.ceil(threshold) - 1) if whole else threshold - step,
        "eq": threshold,
    }[op]
    failing = {
        "gte": [passing - step],
        "gt": [passing - step],
        "lte": [passing + step],
        "lt": [passing + step],
        "eq": [threshold - step, threshold + step],
    }[op]
    targets = failing if holds else [passing]
    words = f"{_WORDS[op]} {shown(threshold)}"
    out = []
    for target in targets:
        after = fit(target)
        if (low is not None and after < low) or (high is not None and after > high):
            continue
        if current is MISSING:
            reach = f"not given now; {{rule}} tests {words}: {shown(after)} would meet it"
            out.append((after, "number", 1.0, reach, words))
            continue
        gap = fit(abs(after - current))
        side = "lower" if after < current else "higher"
        to_threshold = fit(abs(current - threshold))
        where = "above" if current > threshold else "below" if current < threshold else "at"
        reach = (
            f"{shown(current)} now, threshold {shown(threshold)} ({{rule}} tests {words}): "
            f"{shown(to_threshold)} {where} it"
            if where != "at"
            else f"{shown(current)} now, at the threshold ({{rule}} tests {words})"
        ) + f"; {shown(after)} ({shown(gap)} {side}) crosses it"
        span = (high - low) if low is not None and high is not None and high > low else None
        scale = span or max(abs(current), abs(threshold), 1)
        out.append((after, "number", min(abs(after - current) / scale, 1.0), reach, words))
    return out


def _enum_crossings(
    test: FieldTest, current: Any, holds: bool, enum: list[Any]
) -> list[tuple[Any, str, float, str, str]]:
    tested = list(test.value) if test.op == "in" else [test.value]
    words = " or ".join(show(v) for v in tested)
    scale = " < ".join(show(v) for v in enum)
    if current is MISSING or current not in enum:
        first = next((v for v in enum if v in tested), None)
        if first is None:
            return []
        reach = f"not given now; {{rule}} tests {words}"
        return [(first, "enumeration", 1.0, reach, words)]
    here = enum.index(current)
    other = [i for i, v in enumerate(enum) if (v in tested) != holds]
    below = [i for i in other if i < here]
    above = [i for i in other if i > here]
    picks = ([max(below)] if below else []) + ([min(above)] if above else [])
    out = []
    for i in picks:
        steps = abs(i - here)
        reach = (
            f"{show(current)} now; {{rule}} tests {words}: {show(enum[i])} is "
            f"{steps} step{'s' if steps > 1 else ''} away ({scale})"
        )
        out.append((enum[i], "enumeration", steps / max(len(enum) - 1, 1), reach, words))
    return out


def _sample(schema: Mapping[str, Any]) -> Any:
    """A plain valid value of a field, for a condition that only needs it to be there."""
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    return MISSING


# --- list entries -------------------------------------------------------------------------


def _item_node(kind: str) -> Mapping[str, Any]:
    node: Mapping[str, Any] = profile_schema()
    for part in _KIND_PATHS[kind]:
        node = node["items"] if part == "*" else node["properties"][part]
    return node


def _item_seeds(
    rule: Rule, pattern: Pattern, by_kind: Mapping[str, list[Fact]], profile: Profile
) -> list[_Seed]:
    """A new entry that meets the condition, and the removal of each entry that meets it."""
    path = _KIND_PATHS[pattern.fact]
    if not path or path[-1] != "*":
        return []
    out = []
    plain = [t for t in pattern.tests if not isinstance(t.value, Ref)]
    for fact in by_kind.get(pattern.fact, []):
        if all(_holds(t, fact.fields.get(t.engine_field, MISSING)) for t in plain) and _joins_hold(
            rule, pattern, fact, by_kind
        ):
            reach = "an entry {rule} matches, taken out"
            out.append(
                _Seed(
                    fact.path, fact, "", "entry", MISSING, "item removed", rule.id, "", 1.0, reach
                )
            )
    for item in _new_items(rule, pattern, by_kind, profile):
        list_path: YamlPath = tuple(path[:-1])
        reach = "a new entry {rule} looks for, added"
        out.append(
            _Seed(
                list_path,
                None,
                "",
                MISSING,
                item,
                "item added",
                rule.id,
                "",
                1.0,
                reach,
            )
        )
    return out


def _joins_hold(
    rule: Rule, pattern: Pattern, fact: Fact, by_kind: Mapping[str, list[Fact]]
) -> bool:
    """Whether some fact of each joined binding agrees with this fact's joined fields."""
    for test in pattern.tests:
        if not isinstance(test.value, Ref):
            continue
        other = next((p for p in rule.patterns if p.name == test.value.name), None)
        if other is None:
            return False
        value = fact.fields.get(test.engine_field, MISSING)
        facts = by_kind.get(other.fact, [])
        if not any(
            _holds_value(test.op, value, f.fields.get(test.value.engine_field, MISSING))
            for f in facts
        ):
            return False
    return True


def _holds_value(op: str, value: Any, other: Any) -> bool:
    if value is MISSING or other is MISSING:
        return False
    test = FieldTest("", op, other, 0)
    return _holds(test, value)


def _new_items(
    rule: Rule, pattern: Pattern, by_kind: Mapping[str, list[Fact]], profile: Profile
) -> list[dict[str, Any]]:
    """Minimal entries meeting the condition: its tested fields set to values that pass, the
    schema's required fields filled in; one per fact a join can point at."""
    node = _item_node(pattern.fact)
    fields: Mapping[str, Any] = node.get("properties", {})
    base: dict[str, Any] = {}
    for test in pattern.tests:
        if isinstance(test.value, Ref) or test.field not in fields:
            continue
        value = _passing(test, fields[test.field])
        if value is MISSING:
            return []
        base[test.field] = value
    joins: list[list[tuple[str, Any]]] = []
    for test in pattern.tests:
        if not isinstance(test.value, Ref) or test.field not in fields or test.op != "eq":
            continue
        other = next((p for p in rule.patterns if p.name == test.value.name), None)
        if other is None:
            return []
        values = [
            f.fields.get(test.value.engine_field)
            for f in by_kind.get(other.fact, [])
            if f.fields.get(test.value.engine_field) is not None
        ]
        joins.append([(test.field, v) for v in dict.fromkeys(map(_hashable, values))])
    items = [base]
    for options in joins:
        items = [{**item, k: _unhash(v)} for item in items for k, v in options]
    names = list(institution_names(profile.data))
    out = []
    for item in items:
        full = dict(item)
        for name in node.get("required", ()):
            if name not in full:
                full[name] = _filler(name, fields.get(name, {}), pattern.fact, names, profile)
        out.append({k: full[k] for k in sorted(full, key=_field_order(fields))})
    return out


def _field_order(fields: Mapping[str, Any]) -> Any:
    order = list(fields)
    return lambda k: order.index(k) if k in order else len(order)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _unhash(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _passing(test: FieldTest, schema: Mapping[str, Any]) -> Any:
    op, value = test.op, test.value
    if op == "eq":
        return value
    if op == "in":
        return value[0] if isinstance(value, list) and value else MISSING
    if op in ("gte", "lte"):
        return value
    if op in ("gt", "lt") and _is_number(value):
        whole = schema.get("type") == "integer" or isinstance(value, int)
        step = 1 if whole else 10 ** -max(_decimals(value), 1)
        return value + step if op == "gt" else value - step
    if op == "exists":
        return _sample(schema) if value else MISSING
    if op == "contains":
        return [value]
    return MISSING


def _filler(
    name: str, schema: Mapping[str, Any], kind: str, institutions: list[str], profile: Profile
) -> Any:
    """A required field's value in a new entry: the first allowed value, the profile's year,
    an institution the profile lists, or a name saying it is hypothetical."""
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind_of = schema.get("type")
    if kind_of == "boolean":
        return False
    if kind_of in ("integer", "number"):
        if "year" in name or name.endswith("_fy") or name == "since":
            return profile.as_of_year
        return schema.get("minimum", 0)
    if name in ("unit", "recipient", "parent") and institutions:
        return institutions[0]
    if kind_of == "array":
        return institutions[:2] if name == "between" else []
    if name == "id":
        return f"new_{kind}"
    return f"new {kind.replace('_', ' ')}"


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    if isinstance(value, dict):
        return flow(value)
    return show(value)
