"""The bundled Tunisia profile comes out the way the case study reads it."""

from __future__ import annotations

from engine.pipeline import DEFAULT_RULES, DEFAULT_TEMPLATES, Assessor

from .conftest import TUNISIA_2020


def test_tunisia_2020_lens_ratings_and_findings():
    assessment = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess(TUNISIA_2020)
    ratings = {lens.id: (lens.inherent, lens.residual) for lens in assessment.lenses}
    assert ratings == {
        # Elevated military and 47% support for military rule keep civil-military risk high.
        "civil_military": ("high", "high"),
        "institutional_rivalry": ("high", "high"),
        "governance_reform": ("high", "high"),
        "human_rights": ("critical", "critical"),
        "executive_centralisation": ("high", "high"),
        # The 2017 action plan mitigates planning risk.
        "assistance_design": ("moderate", "low"),
    }
    fired = sorted({(f.rule_id, f.subject) for f in assessment.findings})
    assert fired == [
        ("CMR-02", "Tunisia"),
        ("CMR-04", "armed_forces"),
        ("EXE-01", "Tunisia"),
        ("GOV-01", "Tunisia"),
        ("GOV-02", "Tunisia"),
        ("HR-01", "internal_security: arbitrary targeting"),
        ("HR-01", "internal_security: torture"),
        ("HR-02", "internal_security"),
        ("PLAN-03", "Tunisia"),
        ("PLAN-M1", "Tunisia"),
        ("RIV-01", "armed_forces vs internal_security"),
    ]
    assert [s.name for s in assessment.signals] == ["military_elevated", "performance_over_reform"]
    assert assessment.overall == "high risk — conditions required"
