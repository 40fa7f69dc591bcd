"""The indicators a proposal's monitoring plan watches: the country values whose change alone
would make a line's verdict worse.

Candidates come from the conditions of the rules that bear on the verdicts (the rules of the
proposal-line lens, and the country rules whose findings or gates bear on a line), as tipping
points finds them for ratings (comparison/tipping.py); each is applied to the profile and the
proposal judged again. Only changes that really worsen a verdict are kept, nearest first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import WatchIndicator
from ssa_risk.assessment.proposal import ProposalAssessment
from ssa_risk.base.errors import InputError
from ssa_risk.base.parallel import Parallel
from ssa_risk.comparison.tipping import (
    PAST_FIELDS,
    Change,
    describe_now,
    describe_then,
    rule_candidates,
)
from ssa_risk.profile.edits import edit_profile
from ssa_risk.profile.facts import KEY_FIELDS
from ssa_risk.profile.proposal import Decisions, Proposal
from ssa_risk.rules.approvals import VERDICTS

WATCH_LIMIT = 8


@dataclass(frozen=True)
class _Judge:
    """One candidate change, judged in a worker: the verdict of each line after it (None when
    the changed profile or the decisions no longer check)."""

    assessor: Assessor
    proposal: Proposal
    decisions: Decisions | None
    on: str | None

    def __call__(self, change: Change) -> tuple[str, ...] | None:
        try:
            edited = edit_profile(self.proposal.profile, [change.edit])
            judged = self.assessor.assess_proposal(
                replace(self.proposal, profile=edited), self.decisions, self.on
            )
        except InputError:
            return None
        return tuple(line.verdict for line in judged.lines)


def verdict_watch(
    assessor: Assessor,
    proposal: Proposal,
    decisions: Decisions | None,
    on: str | None,
    base: ProposalAssessment,
    parallel: Parallel | None = None,
    limit: int = WATCH_LIMIT,
) -> tuple[WatchIndicator, ...]:
    ruleset = assessor.ruleset
    bearing = {r.finding.rule_id for line in base.lines for r in line.risks}
    bearing |= {g.finding.rule_id for line in base.lines for g in line.gates}
    rules = [r for r in ruleset.rules if r.id in bearing or ruleset.is_line_rule(r)]
    candidates = [
        c
        for c in rule_candidates(rules, proposal.profile)
        if c.path.rpartition(".")[2] not in KEY_FIELDS | PAST_FIELDS and c.kind != "item removed"
    ]
    run = parallel or Parallel()
    results = run.map(_Judge(assessor, proposal, decisions, on), candidates)
    out: list[WatchIndicator] = []
    seen: set[str] = set()
    for change, verdicts in sorted(
        zip(candidates, results, strict=True), key=lambda x: (x[0].distance, x[0].edit)
    ):
        if verdicts is None or change.label in seen:
            continue
        worse = [
            (line, after)
            for line, after in zip(base.lines, verdicts, strict=True)
            if VERDICTS.index(after) > VERDICTS.index(line.verdict)
        ]
        if not worse:
            continue
        seen.add(change.label)
        changes = "; ".join(
            f"line {line.number} would go from {line.verdict} to {after}" for line, after in worse
        )
        out.append(
            WatchIndicator(
                change.label, describe_now(change), describe_then(change), changes, change.rules
            )
        )
        if len(out) == limit:
            break
    return tuple(out)


def with_verdict_watch(
    assessor: Assessor,
    proposal: Proposal,
    decisions: Decisions | None,
    on: str | None,
    base: ProposalAssessment,
    parallel: Parallel | None = None,
) -> ProposalAssessment:
    return replace(base, watch=verdict_watch(assessor, proposal, decisions, on, base, parallel))
