"""The backtest as text (for people) and as JSON (for programs).

JSON keys (stable; documented in the README):

    cases_dir, rules, flag_at
    confusion: cases, hits, misses, false_alarms, correct_rejections,
               hit_rate, false_alarm_rate (a fraction rounded to 4 places, or null)
    lens_flags: expected (lenses the outcomes' flag lists name), met (of those, rated
               flag_at or above), unexpected (rated flag_at or above, named by none)
    cases[]:   case (folder name), title, as_of, date, happened,
               overall (the overall rating), score (the overall score, 0-100, or null),
               lens, rating, flagged,
               outcome (hit | miss | false alarm | correct rejection),
               missed_flags, unexpected_flags,
               lenses[]: lens, rating, score (0-100, or null when not assessed), flagged,
               expected
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ssa_risk.base.choices import BACKTEST_FORMATS as BACKTEST_FORMATS
from ssa_risk.base.jsonable import picked
from ssa_risk.base.words import counted
from ssa_risk.comparison.backtest import Backtest, BacktestChange, CaseResult, Confusion


def backtest_json(backtest: Backtest) -> str:
    data = {
        "cases_dir": backtest.cases_dir,
        "rules": backtest.rules,
        "flag_at": backtest.flag_at,
        "confusion": confusion_dict(backtest.confusion),
        "lens_flags": picked(backtest.flags, "expected met unexpected"),
        "cases": [_case_dict(r) for r in backtest.results],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def confusion_dict(c: Confusion) -> dict[str, Any]:
    return picked(c, "cases hits misses false_alarms correct_rejections hit_rate false_alarm_rate")


def _case_dict(r: CaseResult) -> dict[str, Any]:
    return picked(
        r,
        "case title as_of date happened overall score lens rating flagged outcome missed_flags"
        " unexpected_flags lenses",
        lenses=[picked(c, "lens rating score flagged expected") for c in r.lenses],
    )


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{round(rate * 100)}%"


def rates_text(c: Confusion) -> list[str]:
    happened, not_happened = c.hits + c.misses, c.false_alarms + c.correct_rejections
    return [
        f"Hit rate: {_percent(c.hit_rate)} ({c.hits} of the {counted(happened, 'case')} where "
        "the event happened were flagged)",
        f"False-alarm rate: {_percent(c.false_alarm_rate)} ({c.false_alarms} of the "
        f"{counted(not_happened, 'case')} where it did not happen were flagged)",
    ]


def confusion_table(c: Confusion) -> list[str]:
    rows = [
        ("", "Flagged", "Not flagged"),
        ("Event happened", f"hits: {c.hits}", f"misses: {c.misses}"),
        (
            "Did not happen",
            f"false alarms: {c.false_alarms}",
            f"correct rejections: {c.correct_rejections}",
        ),
    ]
    return _table(rows)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _lenses_note(r: CaseResult, flag_at: str) -> str:
    ratings = {c.lens: c.rating for c in r.lenses}
    parts = []
    if r.missed_flags:
        missed = ", ".join(f"{lens} ({ratings[lens]})" for lens in r.missed_flags)
        parts.append(f"expected but rated below {flag_at}: {missed}")
    if r.unexpected_flags:
        extra = ", ".join(f"{lens} ({ratings[lens]})" for lens in r.unexpected_flags)
        parts.append(f"flagged but not expected: {extra}")
    return "; ".join(parts) or "as expected"


def _flags_text(backtest: Backtest) -> str:
    f = backtest.flags
    return (
        f"Lens flags: {f.met} of the {counted(f.expected, 'lens', 'lenses')} the outcomes name "
        f"were rated {backtest.flag_at} or above;\n"
        f"            {counted(f.unexpected, 'lens', 'lenses')} they do not name were rated so too"
    )


def backtest_text(backtest: Backtest) -> str:
    """The confusion table, the rates, and one line per case, then each case's lenses."""
    c = backtest.confusion
    lines = [
        f"Backtest of {counted(c.cases, 'case')} in {backtest.cases_dir}",
        f"Rules: {backtest.rules}",
        f"A case is flagged when the lens that should foresee its event is rated "
        f"{backtest.flag_at} or above.",
        "",
        *confusion_table(c),
        "",
        *rates_text(c),
        _flags_text(backtest),
        "",
        "Cases",
    ]
    rows = [("CASE", "AS OF", "EVENT DATE", "HAPPENED", "LENS", "RATING", "FLAGGED", "RESULT")]
    for r in backtest.results:
        rows.append(
            (
                r.case,
                r.as_of,
                r.date,
                "yes" if r.happened else "no",
                r.lens,
                r.rating,
                "yes" if r.flagged else "no",
                r.outcome,
            )
        )
    lines += _table(rows)
    if any(not r.happened for r in backtest.results):
        lines.append(
            "(Where the event did not happen, EVENT DATE is the end of the period watched.)"
        )
    lines += [
        "",
        f"Lenses against the outcome's flag list (flagged: rated {backtest.flag_at} or above)",
    ]
    lines += [f"{r.case}: {_lenses_note(r, backtest.flag_at)}" for r in backtest.results]
    return "\n".join(lines) + "\n"


def backtest_summary(backtest: Backtest) -> str:
    """The backtest in one line, for `rules test --coverage`."""
    c = backtest.confusion
    return (
        f"Backtest ({backtest.cases_dir}, flagged at {backtest.flag_at}): "
        f"{counted(c.cases, 'case')}, {counted(c.hits, 'hit')}, "
        f"{counted(c.misses, 'miss', 'misses')}, {counted(c.false_alarms, 'false alarm')}, "
        f"{counted(c.correct_rejections, 'correct rejection')}; hit rate {_percent(c.hit_rate)}, "
        f"false-alarm rate {_percent(c.false_alarm_rate)}"
    )


def render_backtest(backtest: Backtest, fmt: str = "text") -> str:
    if fmt not in BACKTEST_FORMATS:
        raise ValueError(f"a backtest is written as text or json, not {fmt}")
    return backtest_json(backtest) if fmt == "json" else backtest_text(backtest)


def change_lines(change: BacktestChange) -> list[str]:
    """The backtest part of an impact report (Markdown)."""
    b, a = change.before, change.after
    lines = [
        f"## Backtest ({change.cases_dir}, flagged at {change.flag_at})",
        "",
        "| | Before | After |",
        "| --- | ---: | ---: |",
        f"| Hits | {b.hits} | {a.hits} |",
        f"| Misses | {b.misses} | {a.misses} |",
        f"| False alarms | {b.false_alarms} | {a.false_alarms} |",
        f"| Correct rejections | {b.correct_rejections} | {a.correct_rejections} |",
        f"| Hit rate | {_percent(b.hit_rate)} | {_percent(a.hit_rate)} |",
        f"| False-alarm rate | {_percent(b.false_alarm_rate)} | {_percent(a.false_alarm_rate)} |",
        "",
    ]
    if not change.changed:
        return [*lines, "No case's result changes."]
    for case in change.changed:
        old, new = case.outcome
        result = f"{old} → {new}" if old != new else f"{old} (unchanged)"
        line = f"- {case.case}: rating {case.rating[0]} → {case.rating[1]}; {result}"
        for label, (before, after) in (
            ("expected but not flagged", case.missed_flags),
            ("flagged but not expected", case.unexpected_flags),
        ):
            if before != after:
                line += f"; {label}: {_names(before)} → {_names(after)}"
        lines.append(line)
    return lines


def _names(lenses: Sequence[str]) -> str:
    return ", ".join(lenses) or "none"
