"""The cross-check: durable_rules' firings against the independent Python evaluation.

Both must find the same findings on the same profile: the same rules firing about the same
subjects (the fact each rule names in `subject:`). Bindings beyond the subject are not compared:
for a rule with `any` branches the engine also reports facts that matched another branch, which
the report merges into one finding's evidence anyway. A disagreement is a bug in one of the
two evaluations, never a user mistake.
"""

from __future__ import annotations

from collections.abc import Sequence

from ssa_risk.base.errors import EngineError
from ssa_risk.evaluation.durable import Firing
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.profile.facts import Fact
from ssa_risk.rules.loader import RuleSet

Findings = set[tuple[str, str | None]]


def engine_findings(ruleset: RuleSet, firings: Sequence[Firing]) -> Findings:
    """(rule id, id of its subject fact) for every firing of the engine."""
    out: Findings = set()
    for firing in firings:
        subject = ruleset.rule(firing.rule_id).subject
        out.add((firing.rule_id, dict(firing.bindings).get(subject) if subject else None))
    return out


def evaluator_findings(ruleset: RuleSet, evaluator: Evaluator) -> Findings:
    out: Findings = set()
    for rule_id, found in evaluator.matches.items():
        subject = ruleset.rule(rule_id).subject
        for bound in found:
            fact = bound.get(subject) if subject else None
            out.add((rule_id, fact.id if fact else None))
    return out


def verify_firings(
    ruleset: RuleSet, facts: Sequence[Fact], firings: Sequence[Firing], profile: str
) -> None:
    """Raise EngineError unless the engine and the Python evaluation agree on `facts`."""
    engine = engine_findings(ruleset, firings)
    check = evaluator_findings(ruleset, Evaluator(ruleset, facts))
    if engine == check:
        return

    def shown(items: Findings) -> str:
        return ", ".join(f"{r} ({s})" if s else r for r, s in sorted(items, key=str)) or "nothing"

    raise EngineError(
        f"{profile}: the rules engine and the independent check disagree (only the engine: "
        f"{shown(engine - check)}; only the check: {shown(check - engine)}); no assessment "
        "is given"
    )
