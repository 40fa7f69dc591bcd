"""Rule files: every problem in one pass with file:line, and the compiled form."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.errors import InputError
from ssa_risk.base.source import load_yaml
from ssa_risk.evaluation.compiler import compile_rule, compile_ruleset
from ssa_risk.rules.loader import load_rules
from ssa_risk.rules.scoring import SCHEMA_PATH as SCORING_SCHEMA_PATH
from ssa_risk.rules.scoring import load_scoring
from ssa_risk.rules.validation import RULES_SCHEMA_PATH
from ssa_risk.toolkit.examples import run_example
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES

SCHEMA_COMMENT = "# yaml-language-server: $schema="
FIXTURES = Path(__file__).parents[1] / "fixtures" / "rules"
# The rule set a lens-file fixture is loaded in: the bundled references, and a scoring table
# that lists the fixture's lens (`lens: {id: fixture}`).
FIXTURE_SCORING = """\
lenses: [{id: fixture, requires: [profile]}]
points: {low: 10, moderate: 25, high: 45, critical: 70}
lens_bands: {moderate: 20, high: 40, critical: 65}
insufficient_evidence: {minimum_assessed_lenses: 1, rating: insufficient evidence}
overall:
  - {rating: suitable, when: {}}
"""


def _expected(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_rule_file_fixture_gives_exactly_its_expected_messages(path, tmp_path, monkeypatch):
    # The schema a fixture names for editors says what it is: a lens file or scoring.yaml.
    first = path.read_text(encoding="utf-8").splitlines()[0]
    schema = (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve()
    assert schema in (RULES_SCHEMA_PATH.resolve(), SCORING_SCHEMA_PATH.resolve()), first
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(path, folder)
    monkeypatch.chdir(folder)
    with pytest.raises(InputError) as info:
        if schema == SCORING_SCHEMA_PATH.resolve():
            load_scoring(load_yaml(Path(path.name)))
        else:
            shutil.copy(DEFAULT_RULES / "references.yaml", folder)
            (folder / "scoring.yaml").write_text(FIXTURE_SCORING, encoding="utf-8")
            load_rules(folder)
    # Only the fixture's own problems: a fixture whose lens is broken also leaves the test's
    # scoring.yaml naming a lens without a file.
    problems = [str(p) for p in info.value.problems if p.file == path.name]
    assert problems == _expected(path)
    assert problems  # a fixture must have at least one expectation


def _load_with(rules_copy: Path, name: str, text: str) -> list[str]:
    (rules_copy / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules(rules_copy)
    return [str(p).replace(str(rules_copy) + "/", "") for p in info.value.problems]


def test_lens_missing_from_scoring_is_reported(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    text = (rules_copy / "human_rights.yaml").read_text(encoding="utf-8")
    problems = _load_with(rules_copy, "extra.yaml", text.replace("id: human_rights", "id: extra"))
    assert (
        "extra.yaml:3:3: lens 'extra' is not listed in scoring.yaml — add it to 'lenses:' in"
        " scoring.yaml" in problems
    )


def _leverage_line() -> int:
    """The line of the leverage lens in the bundled scoring.yaml (its `- id:`)."""
    lines = (DEFAULT_RULES / "scoring.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index("  - id: leverage") + 1


def test_a_misspelt_lens_id_names_the_lens_it_was_meant_to_be(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    path = rules_copy / "leverage.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("id: leverage", "id: leverag", 1),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_rules(Path("."))
    assert [str(p) for p in info.value.problems] == [
        "leverage.yaml:3:3: lens 'leverag' is not listed in scoring.yaml — did you mean"
        " 'leverage'?",
        f"scoring.yaml:{_leverage_line()}:5: lens 'leverage' has no rule file — did you mean"
        " 'leverag'?",
    ]


def test_a_rule_file_ending_in_yml_is_named_not_ignored(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    (rules_copy / "leverage.yaml").rename(rules_copy / "leverage.yml")
    with pytest.raises(InputError) as info:
        load_rules(Path("."))
    assert [str(p) for p in info.value.problems] == [
        "leverage.yml: rule files end in .yaml: this file is not read — rename it to leverage.yaml",
        f"scoring.yaml:{_leverage_line()}:5: lens 'leverage' has no rule file — add leverage.yaml"
        " or remove it from 'lenses:'",
    ]


def test_bundled_rule_set_loads_and_covers_at_least_three_lenses():
    ruleset = load_rules(DEFAULT_RULES)
    assert len(ruleset.rules) >= 6
    assert len({r.lens for r in ruleset.rules}) >= 3
    assert [lens.id for lens in ruleset.lenses] == list(ruleset.scoring.lenses)


def test_compiled_form_tests_fact_kind_first_and_anchors_negation():
    ruleset = load_rules(DEFAULT_RULES)
    assert compile_rule(ruleset.rule("PLAN-02")) == {
        "PLAN-02": {
            "all": [
                {"_end": {"fact": "$end"}},
                {"aid": {"fact": "assistance"}},
                {"_p1$not": {"$and": [{"fact": "framework"}, {"sequenced_benchmarks": True}]}},
            ]
        }
    }
    assert compile_rule(ruleset.rule("CMR-07"))["CMR-07"]["all"][2] == {
        "prog": {
            "$and": [
                {"fact": "programme"},
                {"kind": "education_and_training"},
                {"recipient": {"mil": "key"}},
                {"$lte": {"years_ago": 2}},
            ]
        }
    }


def test_each_alternative_of_any_is_its_own_engine_rule():
    # durable_rules' own `any` fires for every combination of facts across alternatives.
    compiled = compile_rule(load_rules(DEFAULT_RULES).rule("RIV-01"))
    assert sorted(compiled) == ["RIV-01#0", "RIV-01#1", "RIV-01#2", "RIV-01#3"]
    assert [list(p) for p in compiled["RIV-01#1"]["all"]] == [["riv"], ["to_b"]]


def test_compiling_is_deterministic():
    first = compile_ruleset(load_rules(DEFAULT_RULES))
    second = compile_ruleset(load_rules(DEFAULT_RULES))
    assert first == second
    assert first.name.startswith("ssa-")


def test_example_runner_reports_an_example_whose_expectation_is_wrong(rules_copy):
    text = (rules_copy / "leverage.yaml").read_text(encoding="utf-8")
    # LEV-02's silent example (relationship_status: established) now claims the rule fires.
    example = "\n        profile:\n          assistance: {relationship_status: established}"
    text = text.replace("      - expect: silent" + example, "      - expect: fires" + example, 1)
    (rules_copy / "leverage.yaml").write_text(text, encoding="utf-8")
    ruleset = load_rules(rules_copy)
    rule = ruleset.rule("LEV-02")
    result = run_example(ruleset, compile_ruleset(ruleset), rule, 1)
    assert (result.expect, result.fired, result.passed) == ("fires", False, False)


def test_example_that_is_not_a_valid_profile_names_the_rule_file_line(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    text = (rules_copy / "leverage.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "assistance: {relationship_status: entitlement}",
        "assistance: {relationship_status: owed}",
        1,
    )
    (rules_copy / "leverage.yaml").write_text(text, encoding="utf-8")
    ruleset = load_rules(rules_copy)
    result = run_example(ruleset, compile_ruleset(ruleset), ruleset.rule("LEV-02"), 0)
    line = text.splitlines().index("          assistance: {relationship_status: owed}") + 1
    assert [str(p) for p in result.problems] == [
        f"rules/leverage.yaml:{line}:24: assistance.relationship_status: 'owed' is not an"
        " allowed value — use one of: new, fresh_start, established, entitlement"
    ]


EXTRA_RULES = """\
  - id: LEV-90
    title: Donor listed
    severity: low
    when:
      all:
        - fact: rivalry
          where:
            between: {contains: internal_security}
        - fact: assistance
          as: aid
          where:
            patron: {matches: "United*"}
            relationship_status: {exists: true}
    because: The interior forces have a rival.
    recommend: [Coordinate.]
    cite: [{ref: rand-epp}]
"""


def test_contains_matches_and_exists_work_end_to_end(rules_copy, tunisia_copy, monkeypatch):
    monkeypatch.chdir(tunisia_copy.parent)
    with (rules_copy / "leverage.yaml").open("a", encoding="utf-8") as f:
        f.write(EXTRA_RULES)
    assessment = Assessor.load(rules_copy, DEFAULT_TEMPLATES).assess(tunisia_copy / "2020.yaml")
    [finding] = [f for f in assessment.findings if f.rule_id == "LEV-90"]
    values = {e.path: e.value for e in finding.evidence}
    assert values["rivalries[0].between"] == ("armed_forces", "internal_security")
    assert values["assistance.patron"] == "United States"


def _problems(call) -> list[str]:
    with pytest.raises(InputError) as info:
        call()
    return [str(p) for p in info.value.problems]


def test_negation_of_a_signal_resting_on_negation_is_refused_however_deep(rules_copy):
    with (rules_copy / "assistance_design.yaml").open("a", encoding="utf-8") as f:
        f.write(
            """\
  - id: PLAN-90
    title: Second step
    conclude: no_plan_2
    when:
      all:
        - signal: no_plan
    cite: [{ref: rand-epp}]
  - id: PLAN-91
    title: First step
    conclude: no_plan
    when:
      all:
        - fact: assistance
      none:
        - fact: framework
    cite: [{ref: rand-epp}]
  - id: PLAN-92
    title: Uses the negation of the second step
    severity: low
    when:
      all:
        - fact: assistance
      none:
        - signal: no_plan_2
    because: x
    recommend: [x]
    cite: [{ref: rand-epp}]
"""
        )
    problems = _problems(lambda: compile_ruleset(load_rules(rules_copy)))
    assert len(problems) == 1
    assert problems[0].endswith(
        "rule PLAN-92: 'none' tests signal 'no_plan_2', which rests on a rule that itself has"
        " a 'none' condition — rewrite one of the two rules without 'none'"
    )


def test_missing_references_file_is_one_message(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    (rules_copy / "references.yaml").unlink()
    assert _problems(lambda: load_rules(rules_copy)) == [
        "rules/references.yaml: file not found — check the path"
    ]


def test_unreadable_rule_file_gives_only_its_own_problem(rules_copy, monkeypatch):
    # Its lens and the signal its rules conclude are unknown, not missing.
    monkeypatch.chdir(rules_copy.parent)
    path = rules_copy / "civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    title = "    title: The armed forces' political weight is rising\n"
    path.write_text(text.replace(title, '    title: "unclosed\n'), encoding="utf-8")
    assert _problems(lambda: load_rules(rules_copy)) == [
        "rules/civil_military.yaml:23:29: YAML syntax error: expected <block end>, but found"
        " '<scalar>' — fix the YAML syntax at this point"
    ]


def test_broken_lens_is_not_also_reported_as_a_lens_without_a_file(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    path = rules_copy / "civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  id: civil_military\n", ""), encoding="utf-8")
    problems = _problems(lambda: load_rules(rules_copy))
    assert problems == [
        "rules/civil_military.yaml:2:1: lens: missing required field 'id' — add 'id:'"
    ]


_NOT_RULES = (
    ": not a rules folder (no scoring.yaml or references.yaml in it)"
    " — name the folder that holds the rule files\n"
)


@pytest.mark.parametrize("folder", ["emptyr", "profiles"])
def test_a_folder_without_a_rule_set_is_one_line(run_cli, tmp_path, folder):
    # Not one "file not found" line for each of scoring.yaml and references.yaml.
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "2020.yaml").write_text("country: Tunisia\n", encoding="utf-8")
    lint = run_cli("rules", "lint", folder)
    assert (lint.exit_code, lint.stdout) == (2, folder + _NOT_RULES + "1 error(s), 0 warning(s)\n")
    profile = str(DEFAULT_PROFILES / "tunisia/2020.yaml")
    diff = run_cli("diff", profile, profile, "--rules-before", folder)
    assert (diff.exit_code, diff.stdout, diff.stderr) == (2, "", folder + _NOT_RULES)


def test_a_rule_set_missing_one_file_still_names_it(rules_copy):
    (rules_copy / "references.yaml").unlink()
    with pytest.raises(InputError) as info:
        load_rules(rules_copy)
    assert [p.message for p in info.value.problems] == ["file not found"]
