"""A proposal's report: Markdown, self-contained HTML (the PDF is laid out from it) or JSON.

The proposal's judgement comes first (recommendation, lines, conditions, accepted risks,
monitoring plan, approval levels), then the country assessment it rests on, in full.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ssa_risk.assessment.model import Finding
from ssa_risk.assessment.proposal import LineVerdict, ProposalAssessment
from ssa_risk.assessment.serialize import assessment_dict
from ssa_risk.base.choices import PROPOSAL_FORMATS as PROPOSAL_FORMATS
from ssa_risk.base.jsonable import picked
from ssa_risk.profile.proposal import DecisionEntry
from ssa_risk.reports.pdf import html_to_pdf
from ssa_risk.reports.render import assessment_charts, render_html, render_template

PROPOSAL_SCHEMA_VERSION = 1


def render_proposal(
    result: ProposalAssessment, directory: Path, fmt: str = "md", paper: str | None = None
) -> str:
    if fmt == "json":
        return proposal_json(result)
    a = result.country
    if fmt != "html":
        return render_template(directory, f"proposal.{fmt}.j2", p=result, a=a, charts={})
    return render_html(
        directory, "proposal.html.j2", paper, p=result, a=a, charts=assessment_charts(a)
    )


def render_proposal_pdf(result: ProposalAssessment, directory: Path, paper: str) -> bytes:
    return html_to_pdf(render_proposal(result, directory, "html", paper))


def _finding(f: Finding) -> dict[str, Any]:
    return picked(
        f,
        "rule_id title lens subject subject_name units severity effect narrative rule_file"
        " rule_line evidence",
        evidence=[picked(e, "path value file line label") for e in f.evidence],
    )


def _decision(d: DecisionEntry | None, confirm_by: str = "") -> dict[str, Any] | None:
    if d is None:
        return None
    return picked(
        d,
        "kind justification authority approved expires file line needs_confirmation_by",
        needs_confirmation_by=confirm_by or None,
    )


def _line(v: LineVerdict) -> dict[str, Any]:
    risks = [
        picked(
            r,
            "finding about inherent residual answered_by accepted",
            finding=_finding(r.finding),
            accepted=_decision(r.decision, r.confirm_by),
        )
        for r in v.risks
    ]
    gates = [
        picked(g, "finding bars waived", finding=_finding(g.finding), waived=_decision(g.decision))
        for g in v.gates
    ]
    mitigations = [
        picked(m, "number kind text answers flag file line", flag=m.flag or None)
        for m in v.mitigations
    ]
    return picked(
        v,
        "number id title activity recipient recipient_name amount_usd from_fy to_fy objectives"
        " benchmarks verdict reasons inherent residual approval risks gates mitigations"
        " conditions missing_mandatory review_months reviews file line",
        risks=risks,
        gates=gates,
        mitigations=mitigations,
    )


def proposal_dict(result: ProposalAssessment) -> dict[str, Any]:
    a = result.country
    return {
        "schema_version": PROPOSAL_SCHEMA_VERSION,
        "kind": "proposal",
        "proposal": {
            "id": result.id,
            "title": result.title,
            "file": result.file,
            "sponsor": result.sponsor,
            "summary": result.summary,
            "as_of": result.as_of,
            "decision_file": result.decision_file or None,
            "decisions_checked_on": result.checked_on,
        },
        "recommendation": {
            "verdict": result.verdict,
            "reasons": list(result.reasons),
            "residual": result.residual,
            "approval": result.approval,
        },
        "lines": [_line(v) for v in result.lines],
        "package_conditions": list(result.package_conditions),
        "monitoring": {
            "baseline": {
                "overall": a.overall,
                "score": a.score,
                "confidence": a.confidence,
                "as_of": a.as_of,
                "lenses": [
                    {"id": lens.id, "score": lens.score, "rating": lens.residual}
                    for lens in a.lenses
                ],
                "lines": [
                    {"number": v.number, "inherent": v.inherent, "residual": v.residual}
                    for v in result.lines
                ],
            },
            "watch": [
                picked(w, "label now then changes rules", changes=w.raises) for w in result.watch
            ],
            "reviews": [
                {"line": v.number, "every_months": v.review_months, "dates": list(v.reviews)}
                for v in result.lines
            ],
            "triggers": [picked(t, "id event then") for t in result.triggers],
        },
        "approval_levels": [
            {"residual": r, "approval": ap, "review_months": m, "mandatory": list(k)}
            for r, ap, m, k in result.levels
        ],
        "country": assessment_dict(a),
    }


def proposal_json(result: ProposalAssessment) -> str:
    return json.dumps(proposal_dict(result), indent=2, ensure_ascii=False) + "\n"
