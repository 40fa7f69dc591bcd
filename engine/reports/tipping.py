"""Tipping points as Markdown (for people) and JSON (for programs).

JSON keys (stable):

    country, profile, as_of, overall, score, lens (null: every lens and the overall result),
    max_changes, tried (changes assessed), refused (left out: the profile would not validate)
    worse[], better[], other[] (mixed, or a lens only becoming assessed or not): each a
        tipping point, fewest changes and smallest distance first:
        direction (worse | better | mixed | unordered), distance (0-1 per change, summed),
        changes[]: path, set (PATH=VALUE, as `whatif --set` takes it), before, after (null:
                   absent or removed), kind, label, rules, threshold, distance, reach
        flips[]:   lens (a lens id, or "overall"), title, before, after, score_before,
                   score_after, direction (worse | better | unordered)
        rules_started, rules_stopped
"""

from __future__ import annotations

import json
from typing import Any

from ssa_risk.base.choices import TIPPING_FORMATS as TIPPING_FORMATS
from ssa_risk.base.jsonable import picked
from ssa_risk.base.words import counted
from ssa_risk.comparison.tipping import Change, Tipping, TippingPoint
from ssa_risk.rules.operators import MISSING

MD_PAIRS_SHOWN = 20  # pairs listed per direction in Markdown; JSON lists them all


def render_tipping(tipping: Tipping, fmt: str = "md") -> str:
    return tipping_json(tipping) if fmt == "json" else tipping_md(tipping)


def _value(value: Any) -> Any:
    return None if value is MISSING else value


def _change_dict(c: Change) -> dict[str, Any]:
    return picked(
        c,
        "path set before after kind label rules threshold distance reach",
        set=c.edit,
        before=None if c.kind == "item removed" else _value(c.before),
        after=_value(c.after),
        distance=round(c.distance, 4),
    )


def _point_dict(p: TippingPoint) -> dict[str, Any]:
    return picked(
        p,
        "direction distance changes flips rules_started rules_stopped",
        distance=round(p.distance, 4),
        changes=[_change_dict(c) for c in p.changes],
        flips=[
            picked(f, "lens title before after score_before score_after direction") for f in p.flips
        ],
    )


def tipping_json(t: Tipping) -> str:
    data = picked(
        t,
        "country profile as_of overall score lens max_changes tried refused worse better other",
        worse=[_point_dict(p) for p in t.worse],
        better=[_point_dict(p) for p in t.better],
        other=[_point_dict(p) for p in t.other],
    )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _score(score: float | None) -> str:
    return "not assessed" if score is None else f"{score:.0f}"


def tipping_md(t: Tipping) -> str:
    scope = f"the lens {t.lens}" if t.lens else "a lens rating or the overall result"
    lines = [
        f"# What would tip it: {t.country}",
        "",
        f"Profile: {t.profile} ({t.as_of}). Overall: {t.overall} (score {_score(t.score)}).",
        "",
        f"Changes that alter {scope}, found from the rules' conditions and each checked by "
        f"assessing the changed profile ({counted(t.tried, 'change')} tried"
        + (f", {t.refused} left out because the profile would not validate" if t.refused else "")
        + "). Try one with `ssa-risk whatif PROFILE --set PATH=VALUE`.",
        "",
    ]
    sections = (
        ("Towards a worse rating", t.worse),
        ("Towards a better rating", t.better),
        ("Other changes of rating", t.other),
    )
    for title, points in sections:
        if points is t.other and not points:
            continue
        lines += [f"## {title} ({len(points)})", ""]
        if not points:
            lines += ["None found.", ""]
            continue
        pairs = [p for p in points if len(p.changes) > 1]
        shown = [p for p in points if len(p.changes) == 1] + pairs[:MD_PAIRS_SHOWN]
        for n, point in enumerate(shown, 1):
            lines += _point_md(n, point)
        if len(pairs) > MD_PAIRS_SHOWN:
            lines += [
                f"And {counted(len(pairs) - MD_PAIRS_SHOWN, 'more pair')} of changes "
                "(all of them with --format json).",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _point_md(n: int, point: TippingPoint) -> list[str]:
    head = " and ".join(f"`{c.edit}`" for c in point.changes)
    mixed = {
        "mixed": " (mixed: one rating better, another worse)",
        "unordered": " (a lens becomes assessed, or stops being assessed)",
    }.get(point.direction, "")
    lines = [f"{n}. {head}{mixed}"]
    for c in point.changes:
        rules = ", ".join(c.rules)
        lines.append(f"   - {c.label}: {c.shown.partition(': ')[2]}; {c.reach} (rules {rules})")
    for flip in point.flips:
        lines.append(f"   - flips {flip.text}")
    fired = []
    if point.rules_started:
        fired.append("starts firing: " + ", ".join(point.rules_started))
    if point.rules_stopped:
        fired.append("stops firing: " + ", ".join(point.rules_stopped))
    if fired:
        lines.append("   - " + "; ".join(fired))
    return [*lines, ""]
