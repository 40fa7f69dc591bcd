"""Charts for the HTML report (and the PDF made from it), drawn with matplotlib as inline SVG.

Each chart shows what its table does not: how far mitigations move each lens and how close it
sits to a band's cut-off; how each lens moved across snapshots; when each programme ran.

Sized for a printed page: every chart is `WIDTH` inches wide and no text in it is smaller than
`SMALLEST` points. matplotlib's SVG maps one user unit to one point (its width and height are in
pt, its viewBox in the same numbers), so a `font-size: 9px` in the SVG prints at 9 pt when the
chart is shown at its natural size, as it is on an A4 or Letter page with margins of 25 mm or
less.

The SVG is deterministic: a fixed hash salt for element ids, no date in the metadata, and text
kept as text, drawn in matplotlib's default style with the settings below (a matplotlibrc does
not change it).

Each chart is drawn from a tuple of plain values that holds all its drawing reads, and kept in
the cache between runs (ssa_risk.base.cache) under a key of that tuple, this code and the
matplotlib installed: the same chart asked for again is read back, byte for byte, and a report
whose charts are all kept never imports matplotlib (importing it costs more than the rest of
the report). matplotlib is imported only when a chart is drawn, and pyplot never.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import math
import os
import re
import textwrap
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ssa_risk.assessment.model import Assessment, Portfolio, score_text
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.cache import key_of, read_entry, write_entry
from ssa_risk.comparison.overview import Overview
from ssa_risk.rules.scoring import NOT_ASSESSED, RATINGS

WIDTH = 6.3  # inches: the text width of an A4 page with 25 mm margins is 6.3 in (160 mm)
SMALLEST = 9  # points: no text in a chart is smaller
TITLE = 10.5  # points
_LINE = SMALLEST * 1.3 / 72  # inches: the height of one line of text

# The band colours of the report's rating badges (templates/_style.css.j2), and pale tints of
# them for the shaded band backgrounds.
BAND_COLOURS = {"low": "#4c9a5f", "moderate": "#b8860b", "high": "#d9763a", "critical": "#b3262b"}
_BAND_TINTS = {"low": "#e9f3eb", "moderate": "#f6efdc", "high": "#fbebe0", "critical": "#f5e0e0"}
_MITIGATION = "#2e6da4"  # the report's colour for mitigations
_INK = "#222222"
_MUTED = "#555555"
# Lines of the timeline chart, one colour per lens, none of them a band colour.
_LINE_COLOURS = (
    "#1f5fa0",
    "#7b4f9d",
    "#1b7f79",
    "#c2185b",
    "#3f51b5",
    "#5d4037",
    "#00838f",
    "#546e7a",
    "#6a1b9a",
    "#0d47a1",
)
# And a marker shape per lens, so that lines can be told apart in grey too.
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "<", ">", "h")
# Bars of the assistance chart, one colour per recipient; grey where none is recorded.
_RECIPIENT_COLOURS = ("#2e6da4", "#7b4f9d", "#1b7f79", "#8c6d31", "#c2185b", "#3f51b5")
_NO_RECIPIENT = "#8a8a8a"

# The charts' entries in the cache between runs (ssa_risk.base.cache): an SVG, compressed.
CACHE_KIND = "charts"
# Charts are small (3-4 kB) and many (a site of the bundled profiles draws about a hundred):
# more of them are kept than of other entries, so that a site built again finds all its own.
KEEP_CHARTS = 2048

# What a chart is drawn from: a tuple (a NamedTuple of plain values) holding all that its
# drawing reads, so that two equal ones give the same SVG.
_Spec = TypeVar("_Spec", bound=tuple[Any, ...])


# matplotlib's settings for every chart, on top of its own defaults: a matplotlibrc of the
# user's, or settings a program that uses ssa_risk made, do not reach the charts.
_STYLE = {
    "svg.hashsalt": "ssa-risk",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": SMALLEST,
    "axes.titlesize": TITLE,
    "axes.labelsize": SMALLEST,
    "xtick.labelsize": SMALLEST,
    "ytick.labelsize": SMALLEST,
    "legend.fontsize": SMALLEST,
    "axes.edgecolor": "#888888",
    "xtick.color": _MUTED,
    "ytick.color": _MUTED,
    "text.color": _INK,
    # Programme names are text, not formulas: "$5m" must not start maths mode.
    "text.parse_math": False,
}


def _drawn(draw: Callable[[_Spec], Any], spec: _Spec) -> str:
    """The SVG of the figure `draw` makes of `spec`, drawn in the charts' style.

    The figure is a plain matplotlib Figure on the SVG backend's canvas: pyplot and its
    figure managers (the machinery of interactive windows) are never imported or used, and
    nothing outlives the call."""
    import matplotlib.style
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    with matplotlib.style.context(_STYLE, after_reset=True):
        fig = draw(spec)
        FigureCanvasSVG(fig)
        buffer = io.StringIO()
        # No bbox_inches="tight": the layout is computed in inches, so that the chart is WIDTH
        # inches wide and its text prints at the size it was drawn at.
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    # Drop the XML prolog and doctype: the SVG is embedded in an HTML page.
    return text[text.index("<svg") :]


def _chart(kind: str, spec: _Spec, draw: Callable[[_Spec], Any]) -> str:
    """The SVG of the chart `draw` makes of `spec`, its ids its own: from the cache between
    runs when the same chart was drawn before, else drawn (and kept there)."""
    key = chart_key(kind, spec)
    kept = read_entry(CACHE_KIND, key)
    if kept is not None:
        try:
            return zlib.decompress(kept).decode("utf-8")
        except (zlib.error, UnicodeDecodeError):  # a damaged entry: drawn, and written again
            pass
    svg = _own_ids(kind, _drawn(draw, spec))  # kept as the report shows it
    write_entry(CACHE_KIND, key, zlib.compress(svg.encode("utf-8")), KEEP_CHARTS)
    return svg


_SVG_TAG = re.compile(r"<(?![!?])[^>]*>")
_SVG_ID = re.compile(r'(\bid="|xlink:href="#|\bhref="#|url\(#)([^")]+)')


def _own_ids(kind: str, svg: str) -> str:
    """The SVG with every id (and every reference to one) prefixed by the chart's kind and a
    digest of its content: matplotlib names the parts of every figure alike (figure_1,
    axes_1, the glyphs of a font), and a page holding several charts would repeat them."""
    prefix = f"{kind}-{hashlib.sha256(svg.encode('utf-8')).hexdigest()[:8]}-"

    def tag(found: re.Match[str]) -> str:
        return _SVG_ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", found.group(0))

    # Inside tags only: a label of the chart (kept in comments and text) stays as written.
    return _SVG_TAG.sub(tag, svg)


def chart_key(kind: str, spec: tuple[Any, ...]) -> str:
    """The cache key of a chart: its kind, everything its drawing reads (`spec`, whose repr
    gives every value in full: floats as the shortest text that reads back the same), the
    code that draws it (the engine's fingerprint, which covers this module) and the
    matplotlib that draws it."""
    return key_of(CACHE_KIND, kind, repr(spec), _matplotlib_stamp())


@cache
def _matplotlib_stamp() -> str:
    """Which matplotlib draws the charts, read without importing it: the path, modification
    time and size of its __init__.py and _version.py (an upgrade or a reinstall changes
    them; its bundled fonts, which the charts are measured with, come with it)."""
    try:
        found = importlib.util.find_spec("matplotlib")
    except (ImportError, ValueError):
        found = None
    if found is None or not found.origin:
        return "-"
    folder = Path(found.origin).parent
    stamps = []
    for name in ("__init__.py", "_version.py"):
        try:
            info = os.stat(folder / name)
            stamps.append(f"{folder / name}\0{info.st_mtime_ns}\0{info.st_size}")
        except OSError:
            stamps.append("-")
    return "\0".join(stamps)


def _figure(height: float, left: float, right: float, top: float, bottom: float) -> Any:
    """A figure WIDTH inches wide with one axes; the margins are in inches."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height))
    ax = fig.add_axes(
        (left / WIDTH, bottom / height, 1 - (left + right) / WIDTH, 1 - (top + bottom) / height)
    )
    return fig, ax


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)) or text


def _text_width(text: str) -> float:
    """About how wide a line of text is at SMALLEST points, in inches (digits and most letters
    of DejaVu Sans are 0.55 to 0.65 em wide)."""
    return len(text) * SMALLEST * 0.62 / 72


def _bands(cutoffs: Sequence[tuple[str, float]]) -> list[tuple[str, float, float]]:
    """(band, from, to) of each band on the 0-100 scale, lowest first."""
    starts = sorted(cutoffs, key=lambda c: c[1])
    lowest = next((r for r in RATINGS if r not in dict(starts)), RATINGS[0])
    edges = [(lowest, 0.0), *((band, float(start)) for band, start in starts)]
    return [
        (band, start, edges[i + 1][1] if i + 1 < len(edges) else 100.0)
        for i, (band, start) in enumerate(edges)
    ]


def _band_of(score: float, bands: Sequence[tuple[str, float, float]]) -> str:
    return next((band for band, start, _ in reversed(bands) if score >= start), bands[0][0])


# --- Scores by lens: inherent → residual -------------------------------------------------------


class _Lens(NamedTuple):
    """What the lens chart shows of a lens."""

    title: str
    context: bool
    inherent_score: float | None
    score: float | None
    residual: str


class _LensChart(NamedTuple):
    cutoffs: tuple[tuple[str, float], ...]
    lenses: tuple[_Lens, ...]
    score: float | None


def lens_chart(assessment: Assessment) -> str:
    """Each lens on one line of a 0-100 scale shaded by band: a hollow dot at its inherent
    score, a dot in its band's colour at its residual score, and an arrow where mitigations
    lowered it; the overall score below. Lenses not assessed say so."""
    lenses = tuple(
        _Lens(lens.title, lens.context, lens.inherent_score, lens.score, lens.residual)
        for lens in assessment.lenses
    )
    spec = _LensChart(tuple(assessment.methodology.cutoffs), lenses, assessment.score)
    return _chart("lens", spec, _draw_lens)


def _draw_lens(chart: _LensChart) -> Any:
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D

    bands = _bands(chart.cutoffs)
    lenses = list(chart.lenses)
    labels = [_wrap(lens.title + (" (context)" if lens.context else ""), 44) for lens in lenses]
    # A row per lens, as tall as its label needs; then the overall score. y is in inches.
    heights = [max(0.28, (label.count("\n") + 1) * _LINE + 0.1) for label in labels] + [0.45]
    middles = [sum(heights[:i]) + h / 2 for i, h in enumerate(heights)]
    top, bottom, left, right = 0.62, 0.95, 2.95, 0.1
    fig, ax = _figure(sum(heights) + top + bottom, left, right, top, bottom)
    ax.set_xlim(-2, 112)
    ax.set_ylim(sum(heights), 0)
    for band, start, end in bands:
        ax.axvspan(start, end, color=_BAND_TINTS.get(band, "#eeeeee"), lw=0, zorder=0)
        ax.text(
            (start + end) / 2,
            1.02,
            band,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            color=BAND_COLOURS.get(band, _MUTED),
            fontweight="bold",
        )
        if start > 0:
            ax.axvline(start, color="#ffffff", lw=1.5, zorder=1)
    for y, lens, label in zip(middles, lenses, labels, strict=False):
        ax.text(-4, y, label, ha="right", va="center", fontstyle="italic" if lens.context else None)
        _lens_row(ax, y, lens, 114 / (WIDTH - left - right))
    # The overall score, below a rule.
    y = middles[-1]
    ax.axhline(y - heights[-1] / 2, color="#888888", lw=0.8, xmax=0.91)
    ax.text(-4, y, "Overall score\n(weighted mean)", ha="right", va="center", fontweight="bold")
    if chart.score is None:
        ax.text(1, y, "not assessed", va="center", color=_MUTED, fontstyle="italic")
    else:
        colour = BAND_COLOURS.get(_band_of(chart.score, bands), _MUTED)
        ax.plot([chart.score], [y], "D", ms=9, color=colour, mec=_INK, mew=0.8, zorder=4)
        ax.text(chart.score + 3, y, score_text(chart.score), va="center", weight="bold")
    ax.set_yticks([])
    ticks = [0, *(start for _, start, _ in bands[1:]), 100]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.tick_params(axis="x", length=3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_bounds(0, 100)
    fig.text(
        0.01,
        1 - 0.08 / fig.get_figheight(),
        "Scores by lens (0-100): inherent and residual after mitigations",
        va="top",
        fontsize=TITLE,
        fontweight="bold",
    )
    residual = tuple(
        Line2D([], [], ls="", marker="o", ms=8, color=BAND_COLOURS.get(b, _MUTED), mec="white")
        for b, _, _ in bands
    )
    handles = [
        Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec=_MUTED, mew=1.3),
        residual,
        Line2D([], [], color=_MITIGATION, lw=1.6, marker=">", ms=6, markevery=[1]),
    ]
    texts = [
        "inherent score (before mitigations)",
        "residual score, in its band's colour",
        "lowered by mitigations (no arrow: unchanged)",
    ]
    fig.legend(
        handles,
        texts,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.1)},
        loc="lower left",
        bbox_to_anchor=(0.01, 0.0),
        ncol=1,
        frameon=False,
        handlelength=3.2,
    )
    return fig


def _lens_row(ax: Any, y: float, lens: _Lens, units_per_inch: float) -> None:
    if lens.score is None:
        ax.text(1, y, "not assessed", va="center", color=_MUTED, fontstyle="italic")
        return
    residual, inherent = lens.score, lens.inherent_score
    colour = BAND_COLOURS.get(lens.residual, _MUTED)
    if inherent is not None and abs(inherent - residual) >= 0.5:
        ax.annotate(
            "",
            xy=(residual, y),
            xytext=(inherent, y),
            arrowprops={
                "arrowstyle": "-|>,head_length=0.5,head_width=0.25",
                "color": _MITIGATION,
                "lw": 1.6,
                "shrinkA": 5,
                "shrinkB": 5,
            },
            zorder=2,
        )
        ax.plot([inherent], [y], "o", ms=8, mfc="white", mec=_MUTED, mew=1.3, zorder=3)
        text = f"{score_text(inherent)} → {score_text(residual)}"
    else:
        text = score_text(residual)
    ax.plot([residual], [y], "o", ms=8, color=colour, mec="white", mew=0.8, zorder=4)
    low, high = sorted((residual, inherent if inherent is not None else residual))
    width = _text_width(text) * units_per_inch
    if high + 3 + width <= 113:  # to the right of the dots
        ax.text(high + 3, y, text, va="center")
    elif low - 3 - width >= -2:  # else to their left
        ax.text(low - 3, y, text, va="center", ha="right")
    else:  # else above the arrow
        ax.text((low + high) / 2, y - 0.07, text, va="bottom", ha="center")


# --- The timeline: scores by lens over snapshots -----------------------------------------------


def _date_position(as_of: str) -> float | None:
    """'2010-12' → the middle of December 2010 as a fractional year; None if not a date."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", as_of)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 15)
    return year + (month - 1) / 12 + (day - 1) / 365


@dataclass
class _EndLabel:
    text: str
    x: float  # where its line ends
    y: float
    at: float  # where the label is placed
    height: float  # in data units
    colour: str
    weight: str = "normal"


def _spread(labels: list[_EndLabel], low: float, high: float) -> None:
    """Move labels apart so that none overlaps the next, staying as close to their lines' ends
    as they can, within low..high where there is room."""
    labels.sort(key=lambda label: (label.y, label.text))
    for label in labels:
        label.at = label.y
    for _ in range(len(labels) + 1):
        moved = False
        # Push up from the bottom, then down from the top.
        floor = low
        for label in labels:
            least = floor + label.height / 2
            if label.at < least:
                label.at, moved = least, True
            floor = label.at + label.height / 2
        ceiling = high
        for label in reversed(labels):
            most = ceiling - label.height / 2
            if label.at > most:
                label.at, moved = most, True
            ceiling = label.at - label.height / 2
        if not moved:
            break


class _LensLine(NamedTuple):
    """What the timeline chart shows of a lens: its residual score at each snapshot."""

    title: str
    context: bool
    scores: tuple[float | None, ...]


class _TimelineChart(NamedTuple):
    cutoffs: tuple[tuple[str, float], ...]
    dates: tuple[str, ...]  # each snapshot's as_of
    overall: tuple[float | None, ...]  # each snapshot's overall score
    lenses: tuple[_LensLine, ...]  # the latest snapshot's lenses


def timeline_chart(timeline: Timeline) -> str:
    """One line per lens: its residual score at each snapshot, labelled at its end; the overall
    score as a thick line; the bands as shaded strips. A snapshot where a lens was not assessed
    leaves a gap in its line."""
    snapshots = timeline.snapshots
    spec = _TimelineChart(
        tuple(timeline.latest.methodology.cutoffs),
        tuple(s.as_of for s in snapshots),
        tuple(s.score for s in snapshots),
        tuple(
            _LensLine(lens.title, lens.context, tuple(_score_of(s, lens.id) for s in snapshots))
            for lens in timeline.latest.lenses
        ),
    )
    return _chart("timeline", spec, _draw_timeline)


def _draw_timeline(chart: _TimelineChart) -> Any:
    from matplotlib.transforms import ScaledTranslation

    dates = list(chart.dates)
    positions = [_date_position(d) for d in dates]
    xs: list[float] = [p for p in positions if p is not None]
    # Dates as dates, unless one is not a date or two are too close to label apart.
    close = any(b - a < 0.12 * (xs[-1] - xs[0]) for a, b in pairwise(xs))
    if len(xs) != len(dates) or close:
        xs = [float(i) for i in range(len(dates))]
    span = (xs[-1] - xs[0]) or 1.0
    bands = _bands(chart.cutoffs)

    # Each lens assessed at least once has a line; the others are named below the chart.
    lines: list[tuple[_LensLine, list[float | None]]] = []
    never: list[str] = []
    for lens in chart.lenses:
        scores = list(lens.scores)
        if all(v is None for v in scores):
            never.append(lens.title + (" (context)" if lens.context else ""))
        else:
            lines.append((lens, scores))
    texts = [_wrap(lens.title + (" (context)" if lens.context else ""), 30) for lens, _ in lines]
    label_heights = [(t.count("\n") + 1) * _LINE + 0.07 for t in texts] + [_LINE + 0.07]

    top, bottom, left, right = 0.45, 0.75, 1.1, 2.2
    # Tall enough for the labels at the lines' ends, which may use the margins too.
    plot_height = max(3.4, sum(label_heights) - (top - 0.05) - (bottom - 0.35))
    height = plot_height + top + bottom
    fig, ax = _figure(height, left, right, top, bottom)
    ax.set_xlim(xs[0] - 0.04 * span, xs[-1] + 0.04 * span)
    ax.set_ylim(-3, 103)
    for band, start, end in bands:
        ax.axhspan(start, end, color=_BAND_TINTS.get(band, "#eeeeee"), lw=0, zorder=0)
        # The band's name in the left margin, between the cut-offs' tick labels.
        ax.text(
            0,
            (start + end) / 2,
            band,
            transform=ax.get_yaxis_transform() + ScaledTranslation(-0.33, 0, fig.dpi_scale_trans),
            ha="right",
            va="center",
            color=BAND_COLOURS.get(band, _MUTED),
            fontweight="bold",
        )
    ax.set_yticks([0, *(start for _, start, _ in bands[1:]), 100])
    ax.set_yticklabels([f"{t:g}" for t in ax.get_yticks()])
    ax.set_xticks(xs, dates)
    ax.tick_params(length=3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#ffffff", lw=1.2, zorder=1)

    per_inch = 106 / plot_height  # score units per inch of height
    labels: list[_EndLabel] = []
    for i, ((lens, scores), text, label_height) in enumerate(
        zip(lines, texts, label_heights, strict=False)
    ):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        marker = _MARKERS[i % len(_MARKERS)]
        values = [math.nan if v is None else v for v in scores]
        ax.plot(
            xs,
            values,
            color=colour,
            lw=1.6,
            ls=(0, (4, 2)) if lens.context else "-",
            marker=marker,
            ms=5,
            zorder=3,
        )
        last, end = _last(scores)
        labels.append(_EndLabel(text, xs[last], end, end, label_height * per_inch, colour))
    overall = list(chart.overall)
    if any(v is not None for v in overall):
        ax.plot(
            xs,
            [math.nan if v is None else v for v in overall],
            color=_INK,
            lw=3.2,
            marker="o",
            ms=6,
            zorder=4,
        )
        last, end = _last(overall)
        labels.append(
            _EndLabel(
                "Overall score", xs[last], end, end, label_heights[-1] * per_inch, _INK, "bold"
            )
        )
    _spread(labels, -3 - (bottom - 0.35) * per_inch, 103 + (top - 0.05) * per_inch)
    label_x = xs[-1] + 0.09 * span
    for label in labels:
        ax.annotate(
            label.text,
            xy=(label.x, label.y),
            xytext=(label_x, label.at),
            va="center",
            ha="left",
            color=label.colour,
            fontweight=label.weight,
            annotation_clip=False,
            # The leader runs from the label's left edge, so leaders never cross labels.
            arrowprops={
                "arrowstyle": "-",
                "color": label.colour,
                "lw": 0.7,
                "relpos": (0, 0.5),
                "shrinkA": 2,
                "shrinkB": 3,
            },
        )
    fig.text(
        0.01,
        1 - 0.08 / height,
        "Residual score by lens at each snapshot (0-100)",
        va="top",
        fontsize=TITLE,
        fontweight="bold",
    )
    notes = ["A gap in a line: the lens was not assessed in that snapshot."]
    if never:
        notes.append("Not assessed in any snapshot: " + "; ".join(never) + ".")
    fig.text(0.01, 0.06 / height, _wrap(" ".join(notes), 95), va="bottom", color=_MUTED)
    return fig


def _last(values: Sequence[float | None]) -> tuple[int, float]:
    """The position and value of the last value that is not None (there is one)."""
    return next((i, v) for i, v in reversed(list(enumerate(values))) if v is not None)


def _score_of(assessment: Assessment, lens_id: str) -> float | None:
    return next((lens.score for lens in assessment.lenses if lens.id == lens_id), None)


# --- Assistance by programme over all recorded fiscal years ------------------------------------


def money(amount: float) -> str:
    """A compact dollar amount for a chart: $88.2m, $933k, $500."""
    if abs(amount) >= 1e6:
        return f"${amount / 1e6:,.1f}m"
    if abs(amount) >= 1e3:
        return f"${amount / 1e3:,.0f}k"
    return f"${amount:,.0f}"


def recipient_name(recipient: str, names: Mapping[str, str] | None = None) -> str:
    """The name a chart gives a recipient: the name passed for it, else its id with spaces."""
    if not recipient:
        return "recipient not recorded"
    if names and recipient in names:
        return names[recipient]
    return recipient.replace("_", " ") if re.fullmatch(r"[a-z0-9_]+", recipient) else recipient


class _Programme(NamedTuple):
    """What the assistance chart shows of a programme (a ProgrammeRow)."""

    name: str
    recipient: str
    from_fy: int
    to_fy: int
    total_usd: int
    by_year: tuple[tuple[int, int], ...]


class _AssistanceChart(NamedTuple):
    programmes: tuple[_Programme, ...]
    names: tuple[tuple[str, str], ...]  # (recipient id, the name the chart gives it)


def assistance_chart(portfolio: Portfolio, recipients: Mapping[str, str] | None = None) -> str:
    """Every programme on a line of fiscal years: a bar over the years it ran, in its
    recipient's colour, with its amount written beside it. Years with yearly amounts are
    separate solid blocks; a range recorded only as a total is one pale bar."""
    programmes = tuple(
        _Programme(r.name, r.recipient, r.from_fy, r.to_fy, r.total_usd, r.by_year)
        for r in portfolio.programmes
    )
    ids = sorted({r.recipient for r in programmes if r.recipient})
    names = tuple((rid, recipient_name(rid, recipients)) for rid in [*ids, ""])
    return _chart("assistance", _AssistanceChart(programmes, names), _draw_assistance)


def _draw_assistance(chart: _AssistanceChart) -> Any:
    from matplotlib.patches import Patch, Rectangle

    programmes = chart.programmes
    groups: dict[str, list[_Programme]] = {}
    for row in programmes:
        groups.setdefault(" ".join(row.name.split()), []).append(row)
    order = sorted(groups, key=lambda name: (-sum(r.total_usd for r in groups[name]), name))
    ids = sorted({r.recipient for r in programmes if r.recipient})
    colour = {rid: _RECIPIENT_COLOURS[i % len(_RECIPIENT_COLOURS)] for i, rid in enumerate(ids)}
    colour[""] = _NO_RECIPIENT

    first = min(min(r.from_fy, r.to_fy) for r in programmes)
    last = max(max(r.to_fy, r.from_fy, *(fy for fy, _ in r.by_year)) for r in programmes)
    years = last - first + 1
    # Recipient names wrapped to the legend's left column, which they must not cross.
    named = {rid: _wrap(name, 40) for rid, name in chart.names}
    legend_lines = sum(named[rid].count("\n") + 1 for rid in ids) + 1
    left, right, legend = 2.25, 0.15, 0.45 + _LINE * max(4, legend_lines + 1)
    top, bottom = 0.3 + legend, 0.45
    plot_width = WIDTH - left - right
    # Room to the right of the last fiscal year for the amounts written beside the bars.
    per_year = (plot_width - 0.95) / years
    right_edge = first + plot_width / per_year
    labels = [_wrap(name, 34) for name in order]
    segments = [_segments(groups[name]) for name in order]
    amounts = [_amounts(segs, per_year, right_edge) for segs in segments]
    lines = [
        max(label.count("\n"), *(t.count("\n") for _, _, t in a)) + 1
        for label, a in zip(labels, amounts, strict=True)
    ]
    heights = [n * _LINE + 0.12 for n in lines]
    total_height = sum(heights)
    fig, ax = _figure(total_height + top + bottom, left, right, top, bottom)
    ax.set_xlim(first, right_edge)
    ax.set_ylim(total_height, 0)  # y in inches from the top
    bar = 0.17
    y = 0.0
    for label, segs, placed, h in zip(labels, segments, amounts, heights, strict=True):
        middle = y + h / 2
        ax.text(first - 0.15 / per_year, middle, label, ha="right", va="center")
        for row, start, end in segs:
            c = colour.get(row.recipient, _NO_RECIPIENT)
            if row.by_year:
                for fy, amount in row.by_year:
                    ax.add_patch(
                        Rectangle(
                            (fy + 0.06, middle - bar / 2),
                            0.88,
                            bar,
                            facecolor=c if amount else "white",
                            edgecolor=c,
                            lw=0.8,
                        )
                    )
            else:
                ax.add_patch(
                    Rectangle(
                        (start + 0.06, middle - bar / 2),
                        end - start - 0.12,
                        bar,
                        facecolor=_tint(c),
                        edgecolor=c,
                        lw=0.8,
                    )
                )
        for x, ha, text in placed:
            ax.text(x, middle, text, ha=ha, va="center")
        y += h
    stride = max(1, math.ceil(0.42 / per_year))
    ticks = [fy for fy in range(first, last + 1) if (fy - first) % stride == 0]
    ax.set_xticks([fy + 0.5 for fy in ticks], [str(fy) for fy in ticks])
    ax.set_xticks([fy + 0.5 for fy in range(first, last + 1)], minor=True)
    ax.tick_params(length=3)
    ax.tick_params(which="minor", length=2)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_bounds(first, last + 1)
    ax.grid(axis="x", which="major", color="#e4e4e4", lw=0.8, zorder=0)
    ax.set_axisbelow(True)
    height = fig.get_figheight()
    fig.text(
        0.01,
        1 - 0.08 / height,
        f"Assistance by programme, fiscal years {first}–{last}",
        va="top",
        fontsize=TITLE,
        fontweight="bold",
    )
    shown = [rid for rid in ids if any(r.recipient == rid for r in programmes)]
    if any(not r.recipient for r in programmes):
        shown.append("")
    anchor = 1 - 0.34 / height
    fig.legend(
        [Patch(facecolor=colour[rid], edgecolor=colour[rid]) for rid in shown],
        [named[rid] for rid in shown],
        loc="upper left",
        bbox_to_anchor=(0.01, anchor),
        frameon=False,
        title="Colour: the recipient",
        title_fontsize=SMALLEST,
        alignment="left",
        handlelength=1.6,
    )
    fig.legend(
        [
            Patch(facecolor=_INK, edgecolor=_INK),
            Patch(facecolor="white", edgecolor=_INK),
            Patch(facecolor=_tint(_INK), edgecolor=_INK),
        ],
        ["an amount for the year", "nothing that year", "one total for the years"],
        loc="upper left",
        bbox_to_anchor=(0.45, anchor),
        frameon=False,
        title="Blocks (the amount on or beside a bar is its total)",
        title_fontsize=SMALLEST,
        alignment="left",
        handlelength=1.6,
    )
    return fig


def _segments(rows: Sequence[_Programme]) -> list[tuple[_Programme, int, int]]:
    """A programme's rows in time order, each with the fiscal years it spans: start to end,
    end excluded."""
    spans = []
    for row in rows:
        years = [row.from_fy, row.to_fy, *(fy for fy, _ in row.by_year)]
        spans.append((row, min(years), max(years) + 1))
    return sorted(spans, key=lambda s: (s[1], s[2], s[0].recipient, s[0].total_usd))


def _amounts(
    segments: Sequence[tuple[_Programme, int, int]], per_year: float, right_edge: float
) -> list[tuple[float, str, str]]:
    """Where each bar's amount is written: (x, alignment, text). Inside a pale bar wide enough
    for it, else just after the bar if there is room before the next one; else after a later
    bar, with the fiscal years it is for, one amount a line."""
    placed: list[tuple[float, str, str]] = []
    pending: list[str] = []  # amounts with no room by their bar, written after a later one
    for i, (row, start, end) in enumerate(segments):
        text = money(row.total_usd)
        when = f"FY{start}" if end - start == 1 else f"FY{start}-{end - 1}"
        last = i + 1 == len(segments)
        room = (right_edge if last else segments[i + 1][1]) - end
        if not row.by_year and (end - start) * per_year >= 0.13 + _text_width(text):
            placed.append(((start + end) / 2, "center", text))
        elif pending or (last and room * per_year < 0.1 + _text_width(text)):
            pending.append(f"{text} ({when})")
            if last or room * per_year >= 0.1 + max(_text_width(t) for t in pending):
                placed.append((end + 0.08 / per_year, "left", "\n".join(pending)))
                pending = []
        elif room * per_year >= 0.1 + _text_width(text):
            placed.append((end + 0.08 / per_year, "left", text))
        else:
            pending.append(f"{text} ({when})")
    return placed


def _tint(colour: str) -> str:
    """A pale version of a #rrggbb colour: a quarter of it on white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - v) * 0.3):02x}" for v in rgb)


_NOT_ASSESSED_COLOUR = "#b0b0b0"


def _result_colour(result: str) -> str:
    """A band's colour for a band, or for an overall result named after one ('high risk —
    conditions required'); grey otherwise."""
    word = result.split(" ", 1)[0]
    return BAND_COLOURS.get(result) or BAND_COLOURS.get(word) or _NOT_ASSESSED_COLOUR


class _UncertaintyChart(NamedTuple):
    samples: int
    method: str  # "sampled" or "exact"
    lenses: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (title, (band, share)...)
    overall: tuple[tuple[str, float], ...]  # (result, share)


def uncertainty_chart(assessment: Assessment) -> str:
    """Stacked bars, one per lens and one for the overall result: the share of samples in
    each band (or each result), in the band's colour, with the share written on wide parts.
    Empty when the assessment was not sampled."""
    u = assessment.uncertainty
    if u is None or not u.samples:
        return ""
    lenses = tuple((lens.lens, tuple(lens.shares)) for lens in u.lenses)
    spec = _UncertaintyChart(u.samples, u.method, lenses, tuple(u.overall))
    return _chart("uncertainty", spec, _draw_uncertainty)


def _draw_uncertainty(u: _UncertaintyChart) -> Any:
    from matplotlib.patches import Patch

    rows = [(_wrap(title, 44), shares) for title, shares in u.lenses]
    rows.append(("Overall result", u.overall))
    heights = [max(0.28, (label.count("\n") + 1) * _LINE + 0.1) for label, _ in rows]
    middles = [sum(heights[:i]) + h / 2 for i, h in enumerate(heights)]
    # The legend: each band or result met, in the order first met.
    names: list[str] = []
    for _, shares in rows:
        names += [n for n, _ in shares if n not in names]
    legend_rows = math.ceil(len(names) / 2)
    top, bottom, left, right = 0.45, 0.4 + legend_rows * _LINE * 1.5, 2.95, 0.15
    fig, ax = _figure(sum(heights) + top + bottom, left, right, top, bottom)
    ax.set_xlim(0, 100)
    ax.set_ylim(sum(heights), 0)
    for y, (label, shares), h in zip(middles, rows, heights, strict=True):
        bold = "bold" if label == "Overall result" else None
        ax.text(-2, y, label, ha="right", va="center", fontweight=bold)
        start = 0.0
        for name, share in shares:
            width = share * 100
            ax.barh(
                y,
                width,
                left=start,
                height=min(0.22, h - 0.06),
                color=_result_colour(name),
                edgecolor="white",
                lw=0.8,
            )
            if width >= 9:
                ax.text(
                    start + width / 2,
                    y,
                    f"{round(width)}%",
                    ha="center",
                    va="center",
                    color="white",
                    fontweight="bold",
                )
            start += width
    ax.axhline(sum(heights[:-1]), color="#888888", lw=0.8)
    ax.set_yticks([])
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.tick_params(axis="x", length=3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    title = (
        f"Probability of each band over all {u.samples:,} combinations, by lens and overall"
        if u.method == "exact"
        else f"Share of {u.samples:,} samples in each band, by lens and overall"
    )
    fig.text(
        0.01,
        1 - 0.08 / fig.get_figheight(),
        title,
        va="top",
        fontsize=TITLE,
        fontweight="bold",
    )
    handles = [Patch(color=_result_colour(n)) for n in names]
    fig.legend(
        handles,
        [_wrap(n, 40) for n in names],
        loc="lower left",
        bbox_to_anchor=(0.01, 0.0),
        ncol=2,
        frameon=False,
    )
    return fig


# --- The portfolio: countries × lenses ---------------------------------------------------------


class _Country(NamedTuple):
    """What the heatmap shows of a country: its overall score and each lens's score and band."""

    country: str
    as_of: str
    score: float | None
    cells: tuple[tuple[float | None, str], ...]


class _Heatmap(NamedTuple):
    cutoffs: tuple[tuple[str, float], ...]
    lenses: tuple[tuple[str, str], ...]  # (id, title)
    rows: tuple[_Country, ...]


def heatmap_chart(overview: Overview) -> str:
    """One row per country (riskiest first), one column per lens and one for the overall
    score: each cell shaded by its band, with its score; not assessed in grey, marked "n/a"."""
    if not overview.rows:
        return ""
    rows = tuple(
        _Country(row.country, row.as_of, row.score, tuple((c.score, c.rating) for c in row.cells))
        for row in overview.rows
    )
    spec = _Heatmap(tuple(overview.cutoffs), tuple(overview.lenses), rows)
    return _chart("heatmap", spec, _draw_heatmap)


def _draw_heatmap(overview: _Heatmap) -> Any:
    columns = [("overall", "Overall score"), *overview.lenses]
    bands = _bands(overview.cutoffs)
    # Room on the right for the last column's slanted title.
    left, right, top, bottom = 1.75, 1.05, 1.75, 0.15
    cell_h = 0.3
    height = top + bottom + cell_h * len(overview.rows)
    fig, ax = _figure(height, left, right, top, bottom)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(overview.rows), 0)
    ax.set_axis_off()
    for y, row in enumerate(overview.rows):
        ax.text(-0.1, y + 0.5, f"{row.country} ({row.as_of})", ha="right", va="center")
        overall = NOT_ASSESSED if row.score is None else _band_of(row.score, bands)
        values = [(row.score, overall), *row.cells]
        for x, (score, rating) in enumerate(values):
            fill = _BAND_TINTS.get(rating, "#eeeeee")
            ax.add_patch(_rectangle(x, y, fill, BAND_COLOURS.get(rating, _NOT_ASSESSED_COLOUR)))
            text = "n/a" if score is None else str(int(score + 0.5))
            ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", color=_INK)
    for x, (_, title) in enumerate(columns):
        # One line each, slanted: a lens by the words before its first " and ".
        ax.text(
            x + 0.5,
            -0.15,
            title.split(" and ")[0],
            ha="left",
            va="bottom",
            rotation=50,
            rotation_mode="anchor",
            fontweight="bold" if x == 0 else None,
        )
    return fig


def _rectangle(x: float, y: float, fill: str, edge: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x + 0.04, y + 0.06), 0.92, 0.88, facecolor=fill, edgecolor=edge, lw=1.2)
