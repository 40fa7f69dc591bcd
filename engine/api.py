"""The public entry points: what the `ssa-risk` command, a script or a notebook calls."""

from __future__ import annotations

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.comparison.diff import Diff, diff_assessments
from ssa_risk.comparison.impact import Impact, impact
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.rules.loader import RuleSet, load_rules

__all__ = [
    "Assessment",
    "Assessor",
    "Diff",
    "Impact",
    "Profile",
    "RuleSet",
    "diff_assessments",
    "impact",
    "load_profile",
    "load_rules",
]
