"""What changed between two assessments of one country, and why.

Both sides are Assessments (made now, or read back from saved JSON), so a saved report and a
fresh one compare alike. Findings are matched by rule id and subject; entries of the
profile's lists (abuses, programmes, institutions...) by their id or natural key
(profile.facts.ITEM_KEYS), never by position. Each added, removed or changed finding gets
every cause that applies (comparison/causes.py):
- the rule was added or removed;
- the rule, or a rule concluding a signal it relies on, was edited (which keys, old → new);
- the profile changed (which values, old → new, with file:line);
- wording only (the rule's text or the templates changed; nothing else did).
The diff also lists every rule whose definition changed and every profile value that changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from ssa_risk.assessment.changes import LensChange, lens_changes, overall_worse
from ssa_risk.assessment.model import Assessment, Finding, score_text
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.comparison.causes import (
    Cause,
    ProfileChanges,
    RuleChange,
    RuleSets,
    causes_of,
    rule_sets,
)
from ssa_risk.rules.scoring import RATINGS


@dataclass(frozen=True)
class FindingChange:
    status: str  # added / removed / changed
    rule_id: str
    subject: str
    title: str
    lens: str
    severity_before: str | None
    severity_after: str | None
    causes: tuple[Cause, ...]  # every cause found, logic first

    @property
    def cause(self) -> Cause:
        """All causes as one, as reports show them: "rule edited and profile changed"."""
        if len(self.causes) == 1:
            return self.causes[0]
        kinds = " and ".join(c.kind for c in self.causes)
        return Cause(kinds, tuple(d for c in self.causes for d in c.details))


@dataclass(frozen=True)
class Diff:
    country: str
    before: str  # label of the earlier side
    after: str
    as_of: tuple[str, str]
    overall: tuple[str, str]
    overall_score: tuple[float | None, float | None]  # None: no lens assessed
    overall_worse: bool | None  # None: the two scoring tables do not order the two ratings
    lens_changes: tuple[LensChange, ...]  # changed lenses only
    changes: tuple[FindingChange, ...]
    unchanged: int
    rule_changes: tuple[RuleChange, ...] = ()
    profile_changes: tuple[str, ...] = ()  # every profile value changed: "path: old → new (at)"
    notes: tuple[str, ...] = ()  # changes outside findings, rules and profile
    # How a side was read, not a change: e.g. a working copy that differs from the revision
    # its rules come from.
    hints: tuple[str, ...] = ()

    @property
    def lenses(self) -> tuple[tuple[str, str, str], ...]:
        """(lens title, residual before, residual after) of each lens that changed."""
        return tuple(c.row for c in self.lens_changes)

    @property
    def scores(self) -> str:
        """The overall score as reports show it: "35 → 61", or once when unchanged ("35",
        "not assessed")."""
        old, new = (score_text(s) for s in self.overall_score)
        return f"{old} → {new}" if self.score_changed else new

    @property
    def score_text(self) -> str:
        """ "score 35 → 61", "score 35", "score not assessed"."""
        return f"score {self.scores}"

    @property
    def score_changed(self) -> bool:
        """The overall score changed as reports show it (a whole number)."""
        return score_text(self.overall_score[0]) != score_text(self.overall_score[1])

    @property
    def any_change(self) -> bool:
        return (
            bool(self.changes or self.lens_changes)
            or self.overall[0] != self.overall[1]
            or self.score_changed
        )

    @property
    def rating_worse(self) -> bool:
        """The overall or a lens rating got worse (an overall change that cannot be ordered
        counts as worse: a pipeline gate should stop rather than pass it unseen)."""
        return self.overall_worse is not False or any(lens.worse for lens in self.lens_changes)

    @property
    def new_high(self) -> bool:
        return any(
            c.severity_after in ("high", "critical")
            and (c.status == "added" or _worse(c.severity_before, c.severity_after))
            for c in self.changes
        )


def _worse(before: str | None, after: str | None) -> bool:
    if before is None or after is None:
        return False
    return RATINGS.index(after) > RATINGS.index(before)


def diff_assessments(before: Assessment, after: Assessment, labels: tuple[str, str]) -> Diff:
    """Compare two assessments of the same country."""
    if before.iso3 != after.iso3:
        raise InputError(
            [
                Problem(
                    after.profile_path,
                    None,
                    None,
                    f"assesses {after.country}, but {before.profile_path} assesses "
                    f"{before.country}",
                    "compare two assessments of the same country",
                )
            ]
        )
    rules = rule_sets(before.rules, after.rules)
    profile = ProfileChanges(before.facts, after.facts)
    templates_changed = before.provenance.templates_sha256 != after.provenance.templates_sha256
    old = _findings(before)
    new = _findings(after)
    lens_ids = [lens.id for lens in after.lenses]
    changes = []
    unchanged = 0
    for key in sorted(set(old) | set(new), key=lambda k: (_lens_rank(lens_ids, old, new, k), k)):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and a[1] == b[1] and _same_evidence(a[0], b[0], profile):
            unchanged += 1
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        finding = b[0] if b else a[0] if a else None
        assert finding is not None
        causes = causes_of(
            key[0], a[0] if a else None, b[0] if b else None, rules, profile, templates_changed
        )
        changes.append(
            FindingChange(
                status,
                key[0],
                key[1],
                finding.title,
                finding.lens,
                a[0].severity if a else None,
                b[0].severity if b else None,
                causes,
            )
        )
    worse = overall_worse(before, after)
    return Diff(
        after.country,
        labels[0],
        labels[1],
        (before.as_of, after.as_of),
        (before.overall, after.overall),
        (before.score, after.score),
        worse,
        lens_changes(before, after),
        tuple(changes),
        unchanged,
        rules.changes(),
        tuple(c.text for c in profile.changes()),
        _notes(before, after, rules, templates_changed, worse),
    )


def _notes(
    before: Assessment, after: Assessment, rules: RuleSets, templates: bool, worse: bool | None
) -> tuple[str, ...]:
    notes = []
    scoring_changed = replace(before.methodology, rule_count=0) != replace(
        after.methodology, rule_count=0
    )
    if scoring_changed:
        notes.append("the scoring table (scoring.yaml) changed")
    if worse is None:
        notes.append(
            f"'{after.overall}' is not a band of the earlier scoring table, nor "
            f"'{before.overall}' of the later one, so which is worse is not known "
            "(--fail-on rating-worse counts it as worse)"
        )
    if rules.changes():
        notes.append("the rules changed: " + ", ".join(_rule_note(r) for r in rules.changes()))
    rules_files = before.provenance.rules_sha256 != after.provenance.rules_sha256
    if rules_files and not rules.changes() and not scoring_changed:
        notes.append("the rule files changed, but no rule did (comments or layout only)")
    if templates:
        notes.append("the templates changed")
    return tuple(notes)


def _rule_note(change: RuleChange) -> str:
    details = f" ({'; '.join(change.details)})" if change.details else ""
    return f"{change.rule_id} {change.change}{details}"


# --- findings ---------------------------------------------------------------------------

_Key = tuple[str, str]  # rule id, subject
_COMPARED = ("severity", "effect", "narrative", "title", "recommend", "citations")


def _findings(assessment: Assessment) -> dict[_Key, tuple[Finding, tuple[Any, ...]]]:
    """Each finding with what decides whether it changed, but for the values it cites
    (_same_evidence): its text."""
    return {
        (finding.rule_id, finding.subject): (finding, tuple(getattr(finding, k) for k in _COMPARED))
        for finding in assessment.findings
    }


def _same_evidence(a: Finding, b: Finding, profile: ProfileChanges) -> bool:
    """Whether two findings cite the same values, each value named by its identity rather than
    its position in a list."""
    # One profile's values on both sides, so one name for each path: the very same evidence
    # (an impact run shares it between rule sets) is the same values.
    if (
        profile.same
        and len(a.evidence) == len(b.evidence)
        and all(x is y for x, y in zip(a.evidence, b.evidence, strict=True))
    ):
        return True
    return _cited(a, profile.identity_before) == _cited(b, profile.identity_after)


def _cited(finding: Finding, identity: dict[str, str]) -> list[tuple[str, str]]:
    return sorted((identity.get(e.path, e.path), json.dumps(e.value)) for e in finding.evidence)


def _lens_rank(
    lens_ids: list[str],
    old: dict[_Key, tuple[Finding, tuple[Any, ...]]],
    new: dict[_Key, tuple[Finding, tuple[Any, ...]]],
    key: _Key,
) -> int:
    lens = (new.get(key) or old[key])[0].lens
    return lens_ids.index(lens) if lens in lens_ids else len(lens_ids)
