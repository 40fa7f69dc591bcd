"""Why a finding changed between two assessments: rule edits (the rule's own, and those of the
rules that conclude a signal it relies on), profile values (list entries matched by id or
natural key, never by position), or wording only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from ssa_risk.assessment.model import FactValue, Finding, RuleDigest
from ssa_risk.profile.edits import edit_number, is_edit_label
from ssa_risk.profile.facts import ITEM_KEYS
from ssa_risk.rules.model import canonical_recommend


@dataclass(frozen=True)
class Cause:
    kind: str  # rule added / rule removed / rule edited / profile changed / wording only
    details: tuple[str, ...]


@dataclass(frozen=True)
class RuleChange:
    """A rule whose definition differs between the two rule sets."""

    rule_id: str
    change: str  # added / removed / edited (its logic) / reworded (its text only)
    details: tuple[str, ...]  # "key: old → new" for edited and reworded rules


def causes_of(
    rule_id: str,
    a: Finding | None,
    b: Finding | None,
    rules: RuleSets,
    profile: ProfileChanges,
    templates_changed: bool,
) -> tuple[Cause, ...]:
    rule_a, rule_b = rules.before.get(rule_id), rules.after.get(rule_id)
    if rule_a is None and rule_b is not None:
        return (Cause("rule added", (f"{rule_id} is new in this rule set",)),)
    if rule_b is None and rule_a is not None:
        return (Cause("rule removed", (f"{rule_id} is not in this rule set",)),)
    causes = []
    edits = []
    if rule_a and rule_b and rule_a.logic_sha256 != rule_b.logic_sha256:
        edits += definition_changes(rule_a, rule_b)
    edits += rules.edited_upstream(rule_id)
    if edits:
        causes.append(Cause("rule edited", tuple(edits)))
    changed: list[str] = []
    values = profile.changes()  # none when one profile is seen under two rule sets
    if values:
        cited = {
            identity
            for finding, side in ((a, profile.identity_before), (b, profile.identity_after))
            if finding
            for e in finding.evidence
            for identity in (side.get(e.path, e.path),)
        }
        changed = [c.text for c in values if c.identity in cited or c.item in cited]
        if not changed and not causes:
            # Nothing it cites changed: a value it reads without citing (e.g. in `none`) may
            # have.
            read = rules.fields_read(rule_id)
            changed = [
                c.text
                for c in values
                if (c.kind, c.field) in read or (c.field == "" and (c.kind, "*") in read)
            ]
    if changed:
        causes.append(Cause("profile changed", tuple(changed)))
    if causes:
        return tuple(causes)
    if rule_a and rule_b and rule_a.wording_sha256 != rule_b.wording_sha256:
        return (Cause("wording only", tuple(definition_changes(rule_a, rule_b))),)
    if templates_changed or (a and b and a.narrative != b.narrative):
        return (
            Cause("wording only", ("the narrative changed with the templates or values shown",)),
        )
    return (
        Cause(
            "cause not identified",
            ("the finding differs, but no rule edit or profile value found here explains it",),
        ),
    )


# --- rules ------------------------------------------------------------------------------


def rule_sets(before: tuple[RuleDigest, ...], after: tuple[RuleDigest, ...]) -> RuleSets:
    """The RuleSets of two rule sets' digests, made once however many profiles are compared
    under them (an impact run compares every profile under the same two). The digests of an
    assessment are its rule set's own tuple: the last pair asked for is found by identity,
    without hashing every digest again."""
    global _last_rule_sets
    last = _last_rule_sets
    if last is not None and last[0] is before and last[1] is after:
        return last[2]
    found = _rule_sets(before, after)
    _last_rule_sets = (before, after, found)
    return found


@lru_cache(maxsize=8)
def _rule_sets(before: tuple[RuleDigest, ...], after: tuple[RuleDigest, ...]) -> RuleSets:
    return RuleSets(before, after)


_last_rule_sets: tuple[tuple[RuleDigest, ...], tuple[RuleDigest, ...], RuleSets] | None = None


class RuleSets:
    """The two rule sets' digests, with their definitions parsed once."""

    def __init__(self, before: Iterable[RuleDigest], after: Iterable[RuleDigest]) -> None:
        self.before = {r.id: r for r in before}
        self.after = {r.id: r for r in after}
        self._parsed: dict[str, dict[str, Any]] = {}
        self._changes: tuple[RuleChange, ...] | None = None
        later = self._conclude_map(self.after)
        earlier = self._conclude_map(self.before)
        self._concluders = later | {k: v for k, v in earlier.items() if k not in later}

    def definition(self, rule: RuleDigest) -> dict[str, Any]:
        parsed = self._parsed.get(rule.definition)
        if parsed is None:
            parsed = json.loads(rule.definition)
            self._parsed[rule.definition] = parsed
        return parsed

    def _conclude_map(self, rules: dict[str, RuleDigest]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rid, rule in rules.items():
            conclude = self.definition(rule).get("conclude")
            if conclude:
                out.setdefault(str(conclude), []).append(rid)
        return out

    def changes(self) -> tuple[RuleChange, ...]:
        """Every rule added, removed, edited or reworded, by id (worked out once)."""
        if self._changes is None:
            self._changes = self._compute()
        return self._changes

    def _compute(self) -> tuple[RuleChange, ...]:
        out = []
        for rid in sorted(set(self.before) | set(self.after)):
            a, b = self.before.get(rid), self.after.get(rid)
            if a is None or b is None:
                out.append(RuleChange(rid, "added" if a is None else "removed", ()))
            elif a.logic_sha256 != b.logic_sha256:
                out.append(RuleChange(rid, "edited", tuple(definition_changes(a, b))))
            elif a.wording_sha256 != b.wording_sha256:
                out.append(RuleChange(rid, "reworded", tuple(definition_changes(a, b))))
        return tuple(out)

    def _signals_used(self, rule: RuleDigest) -> list[str]:
        when = self.definition(rule).get("when", {})
        return [
            signal
            for group in ("all", "any", "none")
            for p in when.get(group, []) or []
            for signal in self._signals_of(p)
        ]

    def _signals_of(self, pattern: Any) -> list[str]:
        """The signals a condition tests: `signal: NAME`, or `fact: signal` with a `name`
        test (`name: X`, `{eq: X}`, `{in: [X, Y]}`); without one, every signal concluded."""
        if not isinstance(pattern, dict):
            return []
        if "signal" in pattern:
            return [str(pattern["signal"])]
        if pattern.get("fact") != "signal":
            return []
        test = (pattern.get("where") or {}).get("name")
        if isinstance(test, dict):
            test = test.get("eq", test.get("in"))
        if test is None:
            return sorted(self._concluders)
        return [str(n) for n in test] if isinstance(test, list) else [str(test)]

    def edited_upstream(self, rule_id: str) -> list[str]:
        """Edits to the rules that conclude the signals a rule relies on, however far back."""
        out: list[str] = []
        todo = [rule_id]
        seen = {rule_id}
        while todo:
            rid = todo.pop(0)
            rule = self.after.get(rid) or self.before.get(rid)
            if rule is None:
                continue
            for signal in self._signals_used(rule):
                for source in sorted(self._concluders.get(signal, [])):
                    if source in seen:
                        continue
                    seen.add(source)
                    a, b = self.before.get(source), self.after.get(source)
                    if a is None or b is None:
                        state = "added" if a is None else "removed"
                        out.append(f"{source} (concludes signal {signal}) was {state}")
                    elif a.logic_sha256 != b.logic_sha256:
                        out += [
                            f"{source} (concludes signal {signal}): {change}"
                            for change in definition_changes(a, b)
                        ]
                    todo.append(source)
        return out

    def fields_read(self, rule_id: str) -> set[tuple[str, str]]:
        """(fact kind, field) pairs a rule reads, through the signals it relies on too."""
        rules = self.after if rule_id in self.after else self.before
        concluders = self._conclude_map(rules)
        read: set[tuple[str, str]] = set()
        todo, seen = [rule_id], set()
        while todo:
            rid = todo.pop()
            if rid in seen or rid not in rules:
                continue
            seen.add(rid)
            when = self.definition(rules[rid]).get("when", {})
            for group in ("all", "any", "none"):
                for pattern in when.get(group, []) or []:
                    signals = self._signals_of(pattern)
                    if signals:
                        todo += [r for s in signals for r in concluders.get(s, [])]
                        continue
                    kind = str(pattern.get("fact"))
                    read.add((kind, "*"))
                    for field in pattern.get("where") or {}:
                        read.add((kind, str(field)))
        return read


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def definition_changes(rule_a: RuleDigest, rule_b: RuleDigest) -> list[str]:
    before, after = json.loads(rule_a.definition), json.loads(rule_b.definition)
    changes = _recommend_changes(before.pop("recommend", []), after.pop("recommend", []))
    old, new = _flatten(before), _flatten(after)
    for key in set(old) | set(new):
        if old.get(key, _ABSENT) != new.get(key, _ABSENT):
            changes[key] = f"{key}: {_show(old.get(key, _ABSENT))} → {_show(new.get(key, _ABSENT))}"
    return [changes[key] for key in sorted(changes)]


def _recommend_changes(before: Any, after: Any) -> dict[str, str]:
    """Each recommendation that changed, by its place: its tags and text, or, when only a tag
    changed, the text it belongs to and the tags before and after."""
    old, new = canonical_recommend(before), canonical_recommend(after)
    if not isinstance(old, list) or not isinstance(new, list):  # not expected: schema-checked
        return {} if old == new else {"recommend": f"recommend: {_show(old)} → {_show(new)}"}
    out = {}
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else _ABSENT
        b = new[i] if i < len(new) else _ABSENT
        if a == b:
            continue
        key = f"recommend[{i}]"
        if isinstance(a, dict) and isinstance(b, dict) and a.get("do") == b.get("do"):
            text = _show(a.get("do"))
            out[key] = f'{key} "{text}": {_tagged(a, False)} → {_tagged(b, False)}'
        else:
            out[key] = f"{key}: {_tagged(a)} → {_tagged(b)}"
    return out


def _tagged(item: Any, text: bool = True) -> str:
    """A recommendation as `[agency, withhold] Withhold …`, or its tags alone."""
    if not isinstance(item, dict):
        return _show(item)
    tags = f"[{item.get('by')}, {item.get('stance')}]"
    return f"{tags} {_show(item.get('do'))}" if text else tags


_ABSENT = object()


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if len(text) <= 80 else text[:77] + "..."
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, ensure_ascii=False)


# --- profile ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueChange:
    identity: str  # e.g. human_rights.abuses[internal_security, torture].kind
    item: str  # the list entry it belongs to, or "" outside lists
    kind: str  # fact kind
    field: str  # "" when a whole list entry was added or removed
    text: str


_INDEX = re.compile(r"\[\d+\]$")


class ProfileChanges:
    """The profile values of both sides, each named by its identity: a list entry by its id or
    natural key rather than its position."""

    def __init__(self, before: Iterable[FactValue], after: Iterable[FactValue]) -> None:
        # One profile under two rule sets (impact): both sides hold the very same values, so
        # nothing changed and each value has one name. The names are worked out when first
        # asked for: an impact run mostly needs none.
        self.same = after is before
        self._before = before
        self._after = after
        self._changes: tuple[ValueChange, ...] | None = () if self.same else None

    @cached_property
    def _named_before(self) -> tuple[dict[str, FactValue], dict[str, str]]:
        return _identities(tuple(self._before))

    @cached_property
    def _named_after(self) -> tuple[dict[str, FactValue], dict[str, str]]:
        return self._named_before if self.same else _identities(tuple(self._after))

    @property
    def values_before(self) -> dict[str, FactValue]:
        return self._named_before[0]

    @property
    def values_after(self) -> dict[str, FactValue]:
        return self._named_after[0]

    @property
    def identity_before(self) -> dict[str, str]:
        """Each path (of a value or a list entry) of the earlier side → its identity."""
        return self._named_before[1]

    @property
    def identity_after(self) -> dict[str, str]:
        return self._named_after[1]

    def changes(self) -> tuple[ValueChange, ...]:
        if self._changes is None:
            self._changes = tuple(self._compute())
        return self._changes

    def _compute(self) -> list[ValueChange]:
        old, new = self.values_before, self.values_after
        items_old = {_item_of(v.path, i) for i, v in old.items()} - {""}
        items_new = {_item_of(v.path, i) for i, v in new.items()} - {""}
        out = []
        for item in items_old ^ items_new:
            side = old if item in items_old else new
            first = min(
                (v for i, v in side.items() if _item_of(v.path, i) == item),
                key=lambda v: (v.line or 0, v.path),
            )
            state = "removed" if item in items_old else "added"
            out.append(ValueChange(item, item, first.kind, "", f"{item}: {state}{_at(first)}"))
        gone = items_old ^ items_new
        for identity in set(old) | set(new):
            a, b = old.get(identity), new.get(identity)
            value = b or a
            assert value is not None
            item = _item_of(value.path, identity)
            if item in gone:
                continue
            before = a.value if a else _ABSENT
            after = b.value if b else _ABSENT
            if before == after:
                continue
            text = f"{identity}: {_show(before)} → {_show(after)}{_at(value)}"
            out.append(ValueChange(identity, item, value.kind, value.field, text))
        return sorted(out, key=lambda c: _natural(c.identity))


def _at(value: FactValue) -> str:
    if value.derived:
        return " (derived: computed from the profile, e.g. from as_of)"
    if is_edit_label(value.file):  # a value `whatif` set: name the --set that set it
        return f" ({edit_number(value.file)})"
    return f" ({value.file}:{value.line})" if value.line else ""


def _item_of(path: str, identity: str) -> str:
    """The list entry a value belongs to (its identity), or "" outside lists."""
    item_path = path.rpartition(".")[0]
    if not _INDEX.search(item_path):
        return ""
    field = path[len(item_path) + 1 :]
    return identity[: -len(field) - 1]


def _identities(
    facts: tuple[FactValue, ...],
) -> tuple[dict[str, FactValue], dict[str, str]]:
    """Values by identity, and each path (of a value or a list entry) → its identity."""
    entries: dict[str, dict[str, FactValue]] = {}
    for fact in facts:
        item_path = fact.path[: -len(fact.field) - 1] if fact.path != fact.field else ""
        if _INDEX.search(item_path):
            entries.setdefault(item_path, {})[fact.field] = fact
    renamed: dict[str, str] = {}
    used: dict[str, int] = {}
    for item_path, fields in entries.items():
        kind = next(iter(fields.values())).kind
        names = ("id",) if "id" in fields else ITEM_KEYS.get(kind, ())
        key = ", ".join(_key_text(fields[n].value) for n in names if n in fields)
        if not key:
            continue  # nothing to tell it by: keep its position
        base = _INDEX.sub(f"[{key}]", item_path)
        used[base] = used.get(base, 0) + 1
        renamed[item_path] = base if used[base] == 1 else f"{base[:-1]} #{used[base]}]"
    values: dict[str, FactValue] = {}
    paths: dict[str, str] = dict(renamed)
    for fact in facts:
        item_path = fact.path[: -len(fact.field) - 1] if fact.path != fact.field else ""
        identity = f"{renamed[item_path]}.{fact.field}" if item_path in renamed else fact.path
        values[identity] = fact
        paths[fact.path] = identity
    return values, paths


def _key_text(value: Any) -> str:
    if isinstance(value, tuple | list):
        return " vs ".join(str(v) for v in value)
    return str(value)


def _natural(path: str) -> list[Any]:
    """`programmes[10]` after `programmes[9]`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]
