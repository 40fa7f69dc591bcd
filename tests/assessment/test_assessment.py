"""Assessments of valid profiles that differ from the bundled one never crash."""

from __future__ import annotations

from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.profile.reader import load_profile
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, TUNISIA_2020


def _edit(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / TUNISIA_2020.name


def test_signal_concluded_twice_from_different_facts(tunisia_copy):
    second_army = (
        "  - id: republican_guard\n"
        "    name: A second military force\n"
        "    kind: armed_forces\n"
        "    budget_trend: rising\n"
        "    political_role: rising\n"
        "    sources: [sam2020]\n"
        "  - id: internal_security\n"
    )
    path = _edit(tunisia_copy, "2020.yaml", "  - id: internal_security\n", second_army)
    assessment = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess(path)
    traces = [s for s in assessment.signals if s.name == "military_elevated"]
    assert len(traces) == 2


def test_object_without_own_sources_cites_nothing_rather_than_the_bibliography(tunisia_copy):
    path = _edit(
        tunisia_copy,
        "2010.yaml",
        "    commanders_trained_by_patron: true     # a significant share of senior officers"
        " trained in the U.S. (IMET)\n"
        "    sources: [sam2020]\n",
        "    commanders_trained_by_patron: true\n",
    )
    assessment = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess(path)
    evidence = [
        e for f in assessment.findings for e in f.evidence if e.path.startswith("institutions[0]")
    ]
    assert evidence and all(e.sources == () for e in evidence)


def test_the_profile_hash_is_of_content_not_of_how_the_files_are_shown():
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    here = assessor.assess_profile(load_profile(TUNISIA_2020))
    shown = assessor.assess_profile(
        load_profile(
            TUNISIA_2020, "HEAD:tunisia/2020.yaml", labels=lambda p: f"HEAD:tunisia/{p.name}"
        )
    )
    assert shown.profile_path == "HEAD:tunisia/2020.yaml"
    assert shown.provenance.profile_sha256 == here.provenance.profile_sha256
