"""The whole assessment of one profile, stage by stage, for callers that want all of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .assessment import Assessment, build_assessment
from .compiler import CompiledRuleset, compile_ruleset
from .durable import evaluate
from .facts import profile_facts
from .profile import Profile, load_profile
from .render import templates_hash
from .rules import RuleSet, load_rules
from .verify import verify_firings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO_ROOT / "rules"
DEFAULT_TEMPLATES = REPO_ROOT / "templates"
DEFAULT_PROFILES = REPO_ROOT / "profiles"


@dataclass(frozen=True)
class Assessor:
    """A rule set loaded and compiled once, ready to assess any number of profiles."""

    ruleset: RuleSet
    compiled: CompiledRuleset
    templates_sha256: str
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
        return cls(ruleset, compile_ruleset(ruleset), templates_hash(templates_dir), verify)

    def assess(self, profile_path: Path, label: str | None = None) -> Assessment:
        return self.assess_profile(load_profile(profile_path, label))

    def assess_profile(self, profile: Profile) -> Assessment:
        """Assess an already loaded profile (so several rule sets can share one load)."""
        facts = profile_facts(profile)
        firings, signals = evaluate(self.compiled, facts)
        if self.verify:
            verify_firings(self.ruleset, facts, firings, profile.path)
        return build_assessment(
            profile, self.ruleset, facts, firings, signals, self.templates_sha256
        )


def bundled_profiles(root: Path = DEFAULT_PROFILES) -> list[Path]:
    """Every snapshot under profiles/<country>/, in a stable order."""
    return sorted(root.glob("*/*.yaml"))
