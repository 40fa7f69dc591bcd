"""Reassessment triggers as Markdown (for reviewers) and JSON (for programs).

JSON keys (stable; `schema_version` changes when they do):

    schema_version, kind ("triggers"), country,
    before, after: {profile, as_of}
    fired: whether any trigger fired
    triggers[]: each trigger checked, in order: id, wording, fired, then (what to do, from
        approvals.yaml; null without one)
    assisted: {units (institution ids), from ("given" | "programmes")}: the units whose gross
        violations count, with their sub-units
    hits[]: trigger, wording, account (one line, plain words), evidence[]:
        path (a list entry named by id or natural key), entry (a whole entry, not a value),
        changed (the hit rests on the difference), before, after: {value, file, line} or
        null (not recorded, or not cited)
"""

from __future__ import annotations

import json
from typing import Any

from ssa_risk.base.choices import TRIGGERS_FORMATS as TRIGGERS_FORMATS
from ssa_risk.base.jsonable import picked
from ssa_risk.base.words import counted
from ssa_risk.comparison.triggers import Cited, Evidence, Triggers

TRIGGERS_SCHEMA_VERSION = 1


def render_triggers(result: Triggers, fmt: str = "md") -> str:
    return triggers_json(result) if fmt == "json" else triggers_md(result)


def _cited_dict(c: Cited | None) -> dict[str, Any] | None:
    return None if c is None else picked(c, "value file line")


def triggers_json(t: Triggers) -> str:
    data = {
        "schema_version": TRIGGERS_SCHEMA_VERSION,
        "kind": "triggers",
        "country": t.country,
        "before": {"profile": t.before, "as_of": t.as_of[0]},
        "after": {"profile": t.after, "as_of": t.as_of[1]},
        "fired": t.fired,
        "triggers": [
            {
                "id": trigger,
                "wording": wording,
                "fired": trigger in t.fired_ids,
                "then": dict(t.actions).get(trigger),
            }
            for trigger, wording in t.wording
        ],
        "assisted": {
            "units": list(t.assisted),
            "from": "given" if t.assisted_given else "programmes",
        },
        "hits": [
            picked(
                h,
                "trigger wording account evidence",
                evidence=[
                    picked(
                        e,
                        "path entry changed before after",
                        before=_cited_dict(e.before),
                        after=_cited_dict(e.after),
                    )
                    for e in h.evidence
                ],
            )
            for h in t.hits
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _side(cited: Cited | None, entry: bool) -> str:
    if cited is None:
        return "not recorded"
    shown = "recorded" if entry else _value(cited.value)
    return f"{shown} ({cited.at})"


def evidence_line(e: Evidence) -> str:
    """`path: old (file:line) → new (file:line)` for a difference, else `path: value
    (file:line)`."""
    if e.changed:
        return f"{e.path}: {_side(e.before, e.entry)} → {_side(e.after, e.entry)}"
    return f"{e.path}: {_side(e.after or e.before, e.entry)}"


def _listed(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def assisted_text(t: Triggers) -> str:
    """Which units the check of gross violations covered, and why those."""
    year = t.as_of[0][:4]
    if t.assisted_given:
        if not t.assisted:
            return "No assisted unit was given, so no report of a gross violation counts."
        return (
            "Assisted units checked for gross violations, as given, with their sub-units: "
            f"{_listed(t.assisted_names)}."
        )
    if not t.assisted:
        return (
            f"No assisted unit to check for gross violations: no programme of the {year} "
            f"snapshot names a recipient and runs to {year} or later (name the assisted units "
            "with --unit)."
        )
    return (
        f"Assisted units checked for gross violations (the recipients of the {year} "
        f"snapshot's programmes that run to {year} or later), with their sub-units: "
        f"{_listed(t.assisted_names)}."
    )


def triggers_md(t: Triggers) -> str:
    fired = t.fired_ids
    lines = [
        f"# Reassessment triggers: {t.country}",
        "",
        f"Before: {t.before} ({t.as_of[0]}). After: {t.after} ({t.as_of[1]}).",
        "",
    ]
    if fired:
        lines.append(
            f"{len(fired)} of {counted(len(t.checked), 'trigger')} fired: an approved package "
            "of assistance to this country must be reassessed."
        )
    else:
        lines.append(
            f"No trigger fired ({counted(len(t.checked), 'trigger')} checked): nothing in the "
            "later snapshot calls for reassessing an approved package."
        )
    lines.append("")
    for trigger, wording in t.wording:
        lines.append(f"- {wording}: {'**fired**' if trigger in fired else 'not fired'}.")
    lines.append("")
    if "gross_violation" in t.checked:
        lines += [assisted_text(t), ""]
    for trigger, wording in t.wording:
        hits = t.hits_of(trigger)
        if not hits:
            continue
        lines += [f"## {wording}", ""]
        for hit in hits:
            lines += [hit.account, "", "Where the snapshots record it:", ""]
            lines += [f"- {evidence_line(e)}" for e in hit.evidence]
            lines.append("")
        action = dict(t.actions).get(trigger)
        if action:
            lines += [f"What to do (approvals.yaml): {action}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
