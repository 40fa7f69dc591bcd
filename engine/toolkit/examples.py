"""Run the `examples` written beside each rule: small profiles on which it must fire or not.

An example's profile fragment is laid over a minimal valid profile, validated like any
profile (problems point at the rule file's lines), and assessed with the whole rule set, so
signals concluded by other rules are available exactly as in a real assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ssa_risk.assessment.builder import build_assessment
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.source import Document, Location, YamlPath
from ssa_risk.evaluation.compiler import CompiledRuleset
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.proposal import check_lines, lines_as_facts, with_lines
from ssa_risk.profile.reader import Profile, validate_document
from ssa_risk.rules.loader import Example, Rule, RuleSet

EXAMPLE_BASE: dict[str, Any] = {
    "schema_version": 1,
    "country": "Exampleland",
    "iso3": "EXL",
    "as_of": "2020-06",
    "sources": [{"id": "example", "title": "A rule example"}],
}
# Examples describe a fixed past; "today" is pinned so that they never expire.
EXAMPLE_TODAY = date(2026, 1, 1)


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    index: int
    expect: str
    fired: bool
    fired_rules: tuple[str, ...]
    problems: tuple[Problem, ...]
    file: str
    line: int
    # Narratives that failed to render on this example (also in `problems`).
    narration_problems: tuple[Problem, ...] = ()
    name: str = ""  # how results name it: see example_name

    @property
    def passed(self) -> bool:
        return not self.problems and self.fired == (self.expect == "fires")


def example_name(rule: Rule, index: int) -> str:
    """How test results name an example: `CMR-02[0:fires]`, then its `name:` if it has one."""
    example = rule.examples[index]
    label = f"{rule.id}[{index}:{example.expect}]"
    return f"{label} {example.name}" if example.name else label


def example_document(ruleset: RuleSet, rule: Rule, example: Example) -> Document:
    """The example as a profile Document whose locations point into the rule file."""
    source = ruleset.documents[rule.file]
    data = {**EXAMPLE_BASE, **example.profile}
    n = len(example.path)
    locations: dict[YamlPath, Location] = {
        path[n:]: loc for path, loc in source.locations.items() if path[:n] == example.path
    }
    return Document(rule.file, data, locations, ((rule.file, ""),))


def example_lines(ruleset: RuleSet, rule: Rule, example: Example) -> Document:
    """The example's proposal lines as a Document whose locations point into the rule file."""
    source = ruleset.documents[rule.file]
    where = (*example.path[:-1], "lines")
    n = len(where)
    locations: dict[YamlPath, Location] = {
        ("lines", *path[n:]): loc for path, loc in source.locations.items() if path[:n] == where
    }
    return Document(rule.file, {"lines": list(example.lines)}, locations, ((rule.file, ""),))


def run_example(
    ruleset: RuleSet, compiled: CompiledRuleset, rule: Rule, index: int
) -> ExampleResult:
    example = rule.examples[index]
    doc = example_document(ruleset, rule, example)
    problems = tuple(validate_document(doc, EXAMPLE_TODAY))
    fired: tuple[str, ...] = ()
    narration: tuple[Problem, ...] = ()
    lines = example_lines(ruleset, rule, example) if example.lines else None
    if not problems and lines is not None:
        problems = tuple(check_lines(lines, Profile(doc)))
    if not problems:
        profile = Profile(doc) if lines is None else with_lines(Profile(doc), lines)
        facts = profile_facts(Profile(doc))
        if lines is not None:
            facts += lines_as_facts(lines.data["lines"], profile)
        firings, signals = evaluate(compiled, facts)
        fired = tuple(dict.fromkeys(f.rule_id for f in firings))
        try:
            # Score and narrate as a real assessment would, so that a narrative that fails
            # on this example fails the example.
            build_assessment(profile, ruleset, facts, firings, signals, "", "")
        except InputError as exc:
            problems = narration = tuple(exc.problems)
    return ExampleResult(
        rule.id,
        index,
        example.expect,
        rule.id in fired,
        fired,
        problems,
        rule.file,
        example.line,
        narration,
        example_name(rule, index),
    )
