"""What changed between two assessments of one country, and why.

Both sides are Assessments (made now, or read back from saved JSON), so a saved report and a
fresh one compare alike. Findings are matched by rule id and subject; entries of the
profile's lists (abuses, programmes, institutions...) by their id or natural key
(profile.facts.ITEM_KEYS), never by position. Each added, removed or changed finding gets
every cause that applies:
- the rule was added or removed;
- the rule, or a rule concluding a signal it relies on, was edited (which keys, old → new);
- the profile changed (which values, old → new, with file:line);
- wording only (the rule's text or the templates changed; nothing else did).
The diff also lists every rule whose definition changed and every profile value that changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ssa_risk.assessment.changes import LensChange, lens_changes, overall_worse
from ssa_risk.assessment.model import Assessment, FactValue, Finding, RuleDigest
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.profile.facts import ITEM_KEYS
from ssa_risk.rules.scoring import RATINGS


@dataclass(frozen=True)
class Cause:
    kind: str  # rule added / rule removed / rule edited / profile changed / wording only
    details: tuple[str, ...]


@dataclass(frozen=True)
class FindingChange:
    status: str  # added / removed / changed
    rule_id: str
    subject: str
    title: str
    lens: str
    severity_before: str | None
    severity_after: str | None
    causes: tuple[Cause, ...]  # every cause found, logic first

    @property
    def cause(self) -> Cause:
        """All causes as one, as reports show them: "rule edited and profile changed"."""
        if len(self.causes) == 1:
            return self.causes[0]
        kinds = " and ".join(c.kind for c in self.causes)
        return Cause(kinds, tuple(d for c in self.causes for d in c.details))


@dataclass(frozen=True)
class RuleChange:
    """A rule whose definition differs between the two rule sets."""

    rule_id: str
    change: str  # added / removed / edited (its logic) / reworded (its text only)
    details: tuple[str, ...]  # "key: old → new" for edited and reworded rules


@dataclass(frozen=True)
class Diff:
    country: str
    before: str  # label of the earlier side
    after: str
    as_of: tuple[str, str]
    overall: tuple[str, str]
    overall_worse: bool | None  # None: the two scoring tables do not order the two ratings
    lens_changes: tuple[LensChange, ...]  # changed lenses only
    changes: tuple[FindingChange, ...]
    unchanged: int
    rule_changes: tuple[RuleChange, ...] = ()
    profile_changes: tuple[str, ...] = ()  # every profile value changed: "path: old → new (at)"
    notes: tuple[str, ...] = ()  # changes outside findings, rules and profile

    @property
    def lenses(self) -> tuple[tuple[str, str, str], ...]:
        """(lens title, residual before, residual after) of each lens that changed."""
        return tuple(c.row for c in self.lens_changes)

    @property
    def any_change(self) -> bool:
        return bool(self.changes or self.lens_changes) or self.overall[0] != self.overall[1]

    @property
    def rating_worse(self) -> bool:
        """The overall or a lens rating got worse (an overall change that cannot be ordered
        counts as worse: a pipeline gate should stop rather than pass it unseen)."""
        return self.overall_worse is not False or any(lens.worse for lens in self.lens_changes)

    @property
    def new_high(self) -> bool:
        return any(
            c.severity_after in ("high", "critical")
            and (c.status == "added" or _worse(c.severity_before, c.severity_after))
            for c in self.changes
        )


def _worse(before: str | None, after: str | None) -> bool:
    if before is None or after is None:
        return False
    return RATINGS.index(after) > RATINGS.index(before)


def diff_assessments(before: Assessment, after: Assessment, labels: tuple[str, str]) -> Diff:
    """Compare two assessments of the same country."""
    if before.iso3 != after.iso3:
        raise InputError(
            [
                Problem(
                    after.profile_path,
                    None,
                    None,
                    f"assesses {after.country}, but {before.profile_path} assesses "
                    f"{before.country}",
                    "compare two assessments of the same country",
                )
            ]
        )
    rules = _Rules(before.rules, after.rules)
    profile = _Profile(before.facts, after.facts)
    templates_changed = before.provenance.templates_sha256 != after.provenance.templates_sha256
    old = _findings(before, profile.identity_before)
    new = _findings(after, profile.identity_after)
    lens_ids = [lens.id for lens in after.lenses]
    changes = []
    unchanged = 0
    for key in sorted(set(old) | set(new), key=lambda k: (_lens_rank(lens_ids, old, new, k), k)):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and a[1] == b[1]:
            unchanged += 1
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        finding = b[0] if b else a[0] if a else None
        assert finding is not None
        causes = _causes(
            key[0], a[0] if a else None, b[0] if b else None, rules, profile, templates_changed
        )
        changes.append(
            FindingChange(
                status,
                key[0],
                key[1],
                finding.title,
                finding.lens,
                a[0].severity if a else None,
                b[0].severity if b else None,
                causes,
            )
        )
    worse = overall_worse(before, after)
    return Diff(
        after.country,
        labels[0],
        labels[1],
        (before.as_of, after.as_of),
        (before.overall, after.overall),
        worse,
        lens_changes(before, after),
        tuple(changes),
        unchanged,
        rules.changes(),
        tuple(c.text for c in profile.changes()),
        _notes(before, after, rules, templates_changed, worse),
    )


def _notes(
    before: Assessment, after: Assessment, rules: _Rules, templates: bool, worse: bool | None
) -> tuple[str, ...]:
    notes = []
    scoring_changed = replace(before.methodology, rule_count=0) != replace(
        after.methodology, rule_count=0
    )
    if scoring_changed:
        notes.append("the scoring table (scoring.yaml) changed")
    if worse is None:
        notes.append(
            f"'{after.overall}' is not a band of the earlier scoring table, nor "
            f"'{before.overall}' of the later one, so which is worse is not known "
            "(--fail-on rating-worse counts it as worse)"
        )
    if rules.changes():
        notes.append("the rules changed: " + ", ".join(_rule_note(r) for r in rules.changes()))
    rules_files = before.provenance.rules_sha256 != after.provenance.rules_sha256
    if rules_files and not rules.changes() and not scoring_changed:
        notes.append("the rule files changed, but no rule did (comments or layout only)")
    if templates:
        notes.append("the templates changed")
    return tuple(notes)


def _rule_note(change: RuleChange) -> str:
    details = f" ({'; '.join(change.details)})" if change.details else ""
    return f"{change.rule_id} {change.change}{details}"


# --- findings ---------------------------------------------------------------------------

_Key = tuple[str, str]  # rule id, subject
_COMPARED = ("severity", "effect", "narrative", "title", "recommend", "citations")


def _findings(
    assessment: Assessment, identity: dict[str, str]
) -> dict[_Key, tuple[Finding, tuple[Any, ...]]]:
    """Each finding with what decides whether it changed: its text and the values it cites,
    each value named by its identity rather than its position in a list."""
    out = {}
    for finding in assessment.findings:
        evidence = sorted(
            (identity.get(e.path, e.path), json.dumps(e.value)) for e in finding.evidence
        )
        compared = (*(getattr(finding, k) for k in _COMPARED), tuple(evidence))
        out[(finding.rule_id, finding.subject)] = (finding, compared)
    return out


def _lens_rank(
    lens_ids: list[str],
    old: dict[_Key, tuple[Finding, tuple[Any, ...]]],
    new: dict[_Key, tuple[Finding, tuple[Any, ...]]],
    key: _Key,
) -> int:
    lens = (new.get(key) or old[key])[0].lens
    return lens_ids.index(lens) if lens in lens_ids else len(lens_ids)


def _causes(
    rule_id: str,
    a: Finding | None,
    b: Finding | None,
    rules: _Rules,
    profile: _Profile,
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
        edits += _definition_changes(rule_a, rule_b)
    edits += rules.edited_upstream(rule_id)
    if edits:
        causes.append(Cause("rule edited", tuple(edits)))
    cited = {
        identity
        for finding, side in ((a, profile.identity_before), (b, profile.identity_after))
        if finding
        for e in finding.evidence
        for identity in (side.get(e.path, e.path),)
    }
    changed = [c.text for c in profile.changes() if c.identity in cited or c.item in cited]
    if not changed and not causes:
        # Nothing it cites changed: a value it reads without citing (e.g. in `none`) may have.
        read = rules.fields_read(rule_id)
        changed = [
            c.text
            for c in profile.changes()
            if (c.kind, c.field) in read or (c.field == "" and (c.kind, "*") in read)
        ]
    if changed:
        causes.append(Cause("profile changed", tuple(changed)))
    if causes:
        return tuple(causes)
    if rule_a and rule_b and rule_a.wording_sha256 != rule_b.wording_sha256:
        return (Cause("wording only", tuple(_definition_changes(rule_a, rule_b))),)
    if templates_changed or (a and b and a.narrative != b.narrative):
        return (
            Cause("wording only", ("the narrative changed with the templates or values shown",)),
        )
    return (Cause("profile changed", ("values the finding cites changed",)),)


# --- rules ------------------------------------------------------------------------------


class _Rules:
    """The two rule sets' digests, with their definitions parsed once."""

    def __init__(self, before: Iterable[RuleDigest], after: Iterable[RuleDigest]) -> None:
        self.before = {r.id: r for r in before}
        self.after = {r.id: r for r in after}
        self._parsed: dict[str, dict[str, Any]] = {}
        self._concluders = self._conclude_map(self.after) | {
            k: v
            for k, v in self._conclude_map(self.before).items()
            if k not in self._conclude_map(self.after)
        }

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
        out = []
        for rid in sorted(set(self.before) | set(self.after)):
            a, b = self.before.get(rid), self.after.get(rid)
            if a is None or b is None:
                out.append(RuleChange(rid, "added" if a is None else "removed", ()))
            elif a.logic_sha256 != b.logic_sha256:
                out.append(RuleChange(rid, "edited", tuple(_definition_changes(a, b))))
            elif a.wording_sha256 != b.wording_sha256:
                out.append(RuleChange(rid, "reworded", tuple(_definition_changes(a, b))))
        return tuple(out)

    def _signals_used(self, rule: RuleDigest) -> list[str]:
        when = self.definition(rule).get("when", {})
        return [
            str(p["signal"])
            for group in ("all", "any", "none")
            for p in when.get(group, []) or []
            if isinstance(p, dict) and "signal" in p
        ]

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
                            for change in _definition_changes(a, b)
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
                    if "signal" in pattern:
                        todo += concluders.get(str(pattern["signal"]), [])
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


def _definition_changes(rule_a: RuleDigest, rule_b: RuleDigest) -> list[str]:
    old = _flatten(json.loads(rule_a.definition))
    new = _flatten(json.loads(rule_b.definition))
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key, _ABSENT) != new.get(key, _ABSENT):
            out.append(f"{key}: {_show(old.get(key, _ABSENT))} → {_show(new.get(key, _ABSENT))}")
    return out


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
class _ValueChange:
    identity: str  # e.g. human_rights.abuses[internal_security, torture].kind
    item: str  # the list entry it belongs to, or "" outside lists
    kind: str  # fact kind
    field: str  # "" when a whole list entry was added or removed
    text: str


_INDEX = re.compile(r"\[\d+\]$")


class _Profile:
    """The profile values of both sides, each named by its identity: a list entry by its id or
    natural key rather than its position."""

    def __init__(self, before: Iterable[FactValue], after: Iterable[FactValue]) -> None:
        self.values_before, self.identity_before = _identities(tuple(before))
        self.values_after, self.identity_after = _identities(tuple(after))
        self._changes: tuple[_ValueChange, ...] | None = None

    def changes(self) -> tuple[_ValueChange, ...]:
        if self._changes is None:
            self._changes = tuple(self._compute())
        return self._changes

    def _compute(self) -> list[_ValueChange]:
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
            out.append(_ValueChange(item, item, first.kind, "", f"{item}: {state}{_at(first)}"))
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
            out.append(_ValueChange(identity, item, value.kind, value.field, text))
        return sorted(out, key=lambda c: _natural(c.identity))


def _at(value: FactValue) -> str:
    if value.derived:
        return " (derived: computed from the profile, e.g. from as_of)"
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
