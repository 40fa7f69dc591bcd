"""What if a profile's values were different: the profile with `--set PATH=VALUE` edits
applied (profile/edits.py) is assessed beside the profile as written, and the two are compared
as `diff` compares two assessments, the edits named as the causes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.comparison.diff import Diff, diff_assessments
from ssa_risk.profile.edits import edit_profile
from ssa_risk.profile.reader import Profile


@dataclass(frozen=True)
class WhatIf:
    baseline: Assessment
    edited: Assessment
    diff: Diff


def whatif_label(shown: str, texts: Sequence[str]) -> str:
    """The edited side's name in the diff: `profiles/tunisia/2020.yaml with --set a=1`."""
    return shown + " with " + " ".join(f"--set {t}" for t in texts)


def what_if(
    assessor: Assessor, profile: Profile, texts: Sequence[str], today: date | None = None
) -> WhatIf:
    """The profile assessed as written and with every edit; InputError lists every problem of
    every edit, each named by its `--set`."""
    edited = edit_profile(profile, texts, today)
    before = assessor.assess_profile(profile)
    after = assessor.assess_profile(edited)
    diff = diff_assessments(before, after, (profile.path, whatif_label(profile.path, texts)))
    return WhatIf(before, after, diff)
