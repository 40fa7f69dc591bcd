"""The portfolio view: Markdown, self-contained HTML with a heatmap (the PDF is laid out from
it), or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssa_risk.base.choices import OVERVIEW_FORMATS as OVERVIEW_FORMATS
from ssa_risk.base.jsonable import picked
from ssa_risk.comparison.overview import Overview
from ssa_risk.reports.charts import heatmap_chart
from ssa_risk.reports.pdf import html_to_pdf
from ssa_risk.reports.render import render_html, render_template

OVERVIEW_SCHEMA_VERSION = 1


def render_overview(
    overview: Overview,
    directory: Path,
    fmt: str = "md",
    paper: str | None = None,
    links: Mapping[str, str] | None = None,
) -> str:
    """`links`: each country's folder (as shown) → the page it links to (the static site)."""
    if fmt == "json":
        return overview_json(overview)
    if fmt != "html":
        return render_template(directory, f"portfolio.{fmt}.j2", o=overview, charts={})
    charts = {"heatmap": heatmap_chart(overview)}
    return render_html(
        directory, "portfolio.html.j2", paper, o=overview, charts=charts, links=links or {}
    )


def render_overview_pdf(overview: Overview, directory: Path, paper: str) -> bytes:
    return html_to_pdf(render_overview(overview, directory, "html", paper))


def overview_dict(o: Overview) -> dict[str, Any]:
    return {
        "schema_version": OVERVIEW_SCHEMA_VERSION,
        "kind": "portfolio",
        "profiles": o.folder,
        "rules": o.rules,
        "lenses": [{"id": i, "title": t} for i, t in o.lenses],
        "countries": [
            picked(
                r,
                "country iso3 folder as_of previous snapshots overall score confidence gates"
                " lenses moves assistance",
                previous=r.previous or None,
                lenses={c.lens: {"score": c.score, "rating": c.rating} for c in r.cells},
                moves=[picked(m, "lens before after rating_before rating_after") for m in r.moves],
                assistance={
                    "total_usd": r.assistance_usd,
                    "years": r.assistance_years or None,
                    "recent_annual_usd": r.recent_annual_usd,
                },
            )
            for r in o.rows
        ],
    }


def overview_json(o: Overview) -> str:
    return json.dumps(overview_dict(o), indent=2, ensure_ascii=False) + "\n"
