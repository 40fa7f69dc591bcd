"""The whole assessment of one profile, stage by stage, for callers that want all of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ssa_risk.assessment.builder import build_assessment, build_findings
from ssa_risk.assessment.model import Assessment, FactValue
from ssa_risk.assessment.provenance import templates_hash
from ssa_risk.assessment.shared import FiringMemo
from ssa_risk.base.errors import InputError
from ssa_risk.base.paths import display_path
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_ruleset
from ssa_risk.evaluation.durable import Firing, evaluate
from ssa_risk.profile.facts import Fact, profile_facts
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.rules.approvals import missing_approvals
from ssa_risk.rules.loader import RuleSet, load_rules

# Proposals and the cross-check (--verify) are imported when used: an assessment of a profile
# does without them.
if TYPE_CHECKING:
    from ssa_risk.assessment.proposal import ProposalAssessment
    from ssa_risk.profile.proposal import Decisions, Proposal

# What the engine gave for one profile's facts: the firings, and each concluded signal's fact.
Evaluation = tuple[list[Firing], dict[str, Fact]]


@dataclass(frozen=True)
class Assessor:
    """A rule set loaded and compiled once, ready to assess any number of profiles."""

    ruleset: RuleSet
    compiled: CompiledRuleset
    templates_sha256: str
    templates_folder: str  # as display_path shows it, for the report's provenance
    verify: bool = False  # cross-check every evaluation with the independent evaluator

    @classmethod
    def load(
        cls,
        rules_dir: Path,
        templates_dir: Path,
        label: str | None = None,
        verify: bool = False,
    ) -> Assessor:
        ruleset = load_rules(rules_dir, label)
        return cls(
            ruleset,
            compile_ruleset(ruleset),
            templates_hash(templates_dir),
            display_path(templates_dir),
            verify,
        )

    def assess(self, profile_path: Path, label: str | None = None) -> Assessment:
        return self.assess_profile(load_profile(profile_path, label))

    def assess_profile(
        self,
        profile: Profile,
        facts: list[Fact] | None = None,
        fact_values: tuple[FactValue, ...] | None = None,
        fired: Evaluation | None = None,
        shared: FiringMemo | None = None,
    ) -> Assessment:
        """Assess an already loaded profile (so several rule sets can share one load).

        `facts` (the profile's facts) and `fact_values` (an assessment's `facts` of the same
        profile) may come from an assessment of it under another rule set: they depend on the
        profile alone, and are then not worked out again. So may `fired`, what `evaluate`
        gave for these facts under a rule set that fires alike (assessment/shared.py:
        same_logic), and `shared`, the evidence and narratives of the rules both sets share."""
        if facts is None:
            facts = profile_facts(profile)
        firings, signals = self.evaluate(profile, facts) if fired is None else fired
        return build_assessment(
            profile,
            self.ruleset,
            facts,
            firings,
            signals,
            self.templates_sha256,
            self.templates_folder,
            fact_values,
            shared,
        )

    def evaluate(self, profile: Profile, facts: list[Fact]) -> Evaluation:
        """The firings and concluded signals of the profile's facts (checked with the
        independent evaluator when `verify`)."""
        firings, signals = evaluate(self.compiled, facts)
        if self.verify:
            from ssa_risk.evaluation.verify import verify_firings

            verify_firings(self.ruleset, facts, firings, profile.path)
        return firings, signals

    def assess_proposal(
        self, proposal: Proposal, decisions: Decisions | None = None, on: str | None = None
    ) -> ProposalAssessment:
        """Assess the proposal's country and judge its lines; decisions are checked on `on`
        (default: the decision record's date, else the proposal's)."""
        from ssa_risk.assessment.proposal import judge_proposal
        from ssa_risk.evaluation.verify import verify_firings
        from ssa_risk.profile.proposal import line_facts, with_lines

        approvals = self.ruleset.approvals
        if approvals is None:
            raise InputError([missing_approvals(self.ruleset.directory)])
        profile = proposal.profile
        facts = profile_facts(profile)
        lines = line_facts(proposal)
        firings, signals = evaluate(self.compiled, facts + lines)
        if self.verify:
            verify_firings(self.ruleset, facts + lines, firings, profile.path)
        judged = {r.id for r in self.ruleset.rules if self.ruleset.is_line_rule(r)}
        country = build_assessment(
            profile,
            self.ruleset,
            facts,
            [f for f in firings if f.rule_id not in judged],
            signals,
            self.templates_sha256,
            self.templates_folder,
        )
        found, _ = build_findings(
            with_lines(profile, proposal.doc),
            self.ruleset,
            facts + lines,
            [f for f in firings if f.rule_id in judged],
            signals,
        )
        return judge_proposal(
            proposal,
            self.ruleset,
            approvals,
            country,
            list(found.values()),
            decisions,
            on or (decisions.as_of if decisions else None) or proposal.as_of,
        )
