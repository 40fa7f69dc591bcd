"""Reports for a set of assessments: each rendered, named and summed up in one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ssa_risk.assessment.batch import Assessed
from ssa_risk.assessment.model import Assessment, score_text
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.paths import terminal_path
from ssa_risk.reports.pdf import DEFAULT_PAPER, html_to_pdf
from ssa_risk.reports.render import render_diff, render_impact, render_report, render_timeline

if TYPE_CHECKING:
    from ssa_risk.comparison.diff import Diff
    from ssa_risk.comparison.impact import Impact


@dataclass(frozen=True)
class Report:
    """One rendered report, the file it goes to, and the line that sums it up."""

    target: Path
    text: str | bytes  # bytes for a PDF
    summary: str

    @property
    def line(self) -> str:
        """`Tunisia 2020-01: high, score 61 (12 findings) → reports/tunisia-2020.md`, the file named
        from the working folder."""
        return f"{self.summary} → {terminal_path(self.target)}"


def render(result: Assessment | Timeline | Diff | Impact, templates: Path, fmt: str = "md") -> str:
    """The report text of an assessment, a timeline, a diff or a rule change's impact (md, html,
    json; a PDF is made by `render_pdf`)."""
    if isinstance(result, Timeline):
        return render_timeline(result, templates, fmt)
    if isinstance(result, Assessment):
        return render_report(result, templates, fmt)
    # Imported only here: an assessment's report does without the comparison modules.
    from ssa_risk.comparison.diff import Diff

    if isinstance(result, Diff):
        return render_diff(result, templates, fmt)
    return render_impact(result, templates, fmt)


def render_pdf(result: Assessment | Timeline, templates: Path, paper: str = DEFAULT_PAPER) -> bytes:
    """The PDF of an assessment or a timeline: its HTML report laid out for print on `paper`."""
    if isinstance(result, Timeline):
        return html_to_pdf(render_timeline(result, templates, "html", paper))
    return html_to_pdf(render_report(result, templates, "html", paper))


def report_name(assessed: Assessed, fmt: str) -> str:
    """`profiles/tunisia/2020.yaml` → `tunisia-2020.md`; `profiles/tunisia/` →
    `tunisia-timeline.md`."""
    path = assessed.path.resolve()
    if isinstance(assessed.result, Timeline):
        return f"{path.name}-timeline.{fmt}"
    country = path.parent.name
    return f"{country}-{path.stem}.{fmt}" if country else f"{path.stem}.{fmt}"


def summary(result: Assessment | Timeline) -> str:
    """One line: the country, the date or dates, and the overall rating."""
    if isinstance(result, Timeline):
        count = len(result.snapshots)
        return (
            f"{result.country} {result.snapshots[0].as_of} to {result.latest.as_of}"
            f" ({count} snapshot{'s' if count != 1 else ''}): {result.latest.overall}"
            + _score(result.latest.score)
        )
    return (
        f"{result.country} {result.as_of}: {result.overall}{_score(result.score)}"
        f" ({len(result.findings)} findings)"
    )


def _score(score: float | None) -> str:
    return "" if score is None else f", score {score_text(score)}"


def reports(
    assessed: Sequence[Assessed],
    templates: Path,
    fmt: str,
    out_dir: Path,
    output: Path | None = None,
    paper: str = DEFAULT_PAPER,
) -> list[Report]:
    """Every report rendered (nothing written yet): to `output` when given, else into
    `out_dir` under its `report_name`. A PDF is laid out on `paper`."""
    return [
        Report(
            output or out_dir / report_name(a, fmt),
            render_pdf(a.result, templates, paper)
            if fmt == "pdf"
            else render(a.result, templates, fmt),
            summary(a.result),
        )
        for a in assessed
    ]
