"""Charts for the HTML report, drawn with matplotlib and embedded as inline SVG.

The SVG is deterministic: a fixed hash salt for element ids, no date in the metadata, and
text kept as text. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ssa_risk.assessment.model import Assessment, Portfolio
from ssa_risk.assessment.timeline import Timeline

_COLOURS = {"low": "#4c9a5f", "moderate": "#e0b040", "high": "#d9763a", "critical": "#b3262b"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "ssa-risk",
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 9,
            # Programme names are text, not formulas: "$5m" must not start maths mode.
            "text.parse_math": False,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _svg(fig: Any, plt: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    # Drop the XML prolog and doctype: the SVG is embedded in an HTML page.
    return text[text.index("<svg") :]


def lens_chart(assessment: Assessment) -> str:
    """Horizontal bars: each lens's inherent and residual score (0-100); a lens not assessed
    has no bar, and says so."""
    plt = _pyplot()
    lenses = list(reversed(assessment.lenses))
    fig, ax = plt.subplots(figsize=(7, 0.38 * len(lenses) + 0.8))
    labels = [lens.title for lens in lenses]
    ax.barh(
        labels, [lens.inherent_score or 0 for lens in lenses], color="#dddddd", label="inherent"
    )
    ax.barh(
        labels,
        [lens.score or 0 for lens in lenses],
        height=0.5,
        color=[_COLOURS.get(lens.residual, "#777777") for lens in lenses],
        label="residual (after mitigation)",
    )
    for y, lens in enumerate(lenses):
        if not lens.assessed:
            ax.text(1, y, "not assessed", va="center", fontsize=7, color="#555555")
    ax.set_xlim(0, 100)
    ax.set_title("Lens scores (0-100)")
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, plt)


def timeline_chart(timeline: Timeline) -> str:
    """A grid: lenses down, snapshots across, each cell its residual score, coloured by band."""
    plt = _pyplot()
    rows = timeline.score_rows()
    years = [a.as_of for a in timeline.snapshots]
    fig, ax = plt.subplots(figsize=(1.1 * len(years) + 3.5, 0.38 * len(rows) + 0.9))
    for y, (_, cells) in enumerate(reversed(rows)):
        for x, (rating, score) in enumerate(cells):
            ax.add_patch(plt.Rectangle((x, y), 0.95, 0.9, color=_COLOURS.get(rating, "#ffffff")))
            ax.text(x + 0.47, y + 0.45, score, ha="center", va="center", fontsize=7)
    ax.set_xlim(0, len(years))
    ax.set_ylim(0, len(rows))
    ax.set_xticks([x + 0.47 for x in range(len(years))], years)
    ax.set_yticks([y + 0.45 for y in range(len(rows))], [t for t, _ in reversed(rows)])
    ax.set_title("Residual lens scores by snapshot")
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return _svg(fig, plt)


def assistance_chart(portfolio: Portfolio) -> str:
    """Stacked bars: yearly amounts by programme, where the profile gives yearly amounts."""
    plt = _pyplot()
    yearly = [p for p in portfolio.programmes if p.by_year]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    if yearly:
        years = sorted({fy for p in yearly for fy, _ in p.by_year})
        bottom = [0.0] * len(years)
        for programme in sorted(yearly, key=lambda p: -p.total_usd):
            amounts = dict(programme.by_year)
            values = [amounts.get(fy, 0) / 1e6 for fy in years]
            ax.bar([str(fy) for fy in years], values, bottom=bottom, label=_short(programme.name))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel("US$ million")
        ax.legend(fontsize=6, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.set_title("Assistance by programme (fiscal years with yearly amounts)")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, plt)


def _short(name: str) -> str:
    name = re.sub(r"\s+", " ", name)
    name = name if len(name) <= 40 else name[:38] + "…"
    # matplotlib leaves labels that start with "_" out of the legend.
    return " " + name if name.startswith("_") else name
