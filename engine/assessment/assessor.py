"""The whole assessment of one profile, stage by stage, for callers that want all of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ssa_risk.assessment.builder import build_assessment
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.provenance import templates_hash
from ssa_risk.base.paths import display_path
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_ruleset
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.verify import verify_firings
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.rules.loader import RuleSet, load_rules


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

    def assess_profile(self, profile: Profile) -> Assessment:
        """Assess an already loaded profile (so several rule sets can share one load)."""
        facts = profile_facts(profile)
        firings, signals = evaluate(self.compiled, facts)
        if self.verify:
            verify_firings(self.ruleset, facts, firings, profile.path)
        return build_assessment(
            profile,
            self.ruleset,
            facts,
            firings,
            signals,
            self.templates_sha256,
            self.templates_folder,
        )
