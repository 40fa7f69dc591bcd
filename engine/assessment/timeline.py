"""A country's snapshots side by side: ratings per year and what changed between years."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from ssa_risk.assessment.changes import NOT_ASSESSED, LensChange, lens_changes
from ssa_risk.assessment.model import Assessment, score_text
from ssa_risk.base.errors import InputError
from ssa_risk.profile.snapshots import country_mismatch


@dataclass(frozen=True)
class FindingRef:
    rule_id: str
    subject: str
    title: str
    severity: str
    effect: str = "risk"  # risk, gate, mitigation or protective
    subject_name: str = ""  # the subject in prose; "" for the country


@dataclass(frozen=True)
class Change:
    """What changed from one snapshot to the next."""

    before: str  # as_of of the earlier snapshot
    after: str
    overall: tuple[str, str]
    lens_changes: tuple[LensChange, ...]
    added: tuple[FindingRef, ...]
    removed: tuple[FindingRef, ...]

    @property
    def lenses(self) -> tuple[tuple[str, str, str], ...]:
        """(lens title, residual before, residual after) of each lens that changed."""
        return tuple(c.row for c in self.lens_changes)


@dataclass(frozen=True)
class Timeline:
    country: str
    snapshots: tuple[Assessment, ...]  # oldest first
    changes: tuple[Change, ...]

    @property
    def latest(self) -> Assessment:
        return self.snapshots[-1]

    def score_rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Per lens: (band, score as shown) in each snapshot, oldest first; NOT_ASSESSED for
        both where a snapshot's rule set had no such lens."""
        titles = [
            (lens.id, lens.title + (" (context, not averaged)" if lens.context else ""))
            for lens in self.latest.lenses
        ]
        by_year = [
            {lens.id: (lens.residual, score_text(lens.score)) for lens in a.lenses}
            for a in self.snapshots
        ]
        return [
            (title, [year.get(lens_id, (NOT_ASSESSED, NOT_ASSESSED)) for year in by_year])
            for lens_id, title in titles
        ]


def build_timeline(assessments: list[Assessment]) -> Timeline:
    """Snapshots ordered by as_of, with the changes between consecutive ones."""
    mismatch = country_mismatch([(a.profile_path, a.country, a.iso3) for a in assessments])
    if mismatch is not None:
        raise InputError([mismatch])
    ordered = tuple(sorted(assessments, key=lambda a: a.as_of))
    changes = tuple(_change(a, b) for a, b in pairwise(ordered))
    return Timeline(ordered[-1].country, ordered, changes)


def _refs(assessment: Assessment) -> dict[tuple[str, str], FindingRef]:
    return {
        (f.rule_id, f.subject): FindingRef(
            f.rule_id, f.subject, f.title, f.severity, f.effect, f.subject_name
        )
        for f in assessment.findings
    }


def _change(before: Assessment, after: Assessment) -> Change:
    old, new = _refs(before), _refs(after)
    return Change(
        before.as_of,
        after.as_of,
        (before.overall, after.overall),
        lens_changes(before, after),
        tuple(new[k] for k in sorted(set(new) - set(old))),
        tuple(old[k] for k in sorted(set(old) - set(new))),
    )
