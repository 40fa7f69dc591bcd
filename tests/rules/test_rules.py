"""Rule files: every problem in one pass with file:line, and the compiled form."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssa_risk.base.errors import InputError
from ssa_risk.evaluation.compiler import compile_rule, compile_ruleset
from ssa_risk.rules.loader import load_rules
from ssa_risk.toolkit.examples import run_example
from tests.helpers import DEFAULT_RULES

BAD_RULE = """\
  - id: CMR-99
    title: Broken on purpose
    severity: hgh
    when:
      all:
        - fact: institution
          as: mil
          where:
            politcal_role: rising
            budget_trend: {grows: rising}
        - fact: institutoin
        - fact: programme
          where:
            recipient: {eq: {ref: army.id}}
            total_usd: {gte: lots}
    because: "{{ mil.name }}"
    recommend: [Do something.]
    cite:
      - {ref: sam2021}
"""


def _load_with(rules_copy: Path, name: str, text: str) -> list[str]:
    (rules_copy / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules(rules_copy)
    return [str(p).replace(str(rules_copy) + "/", "") for p in info.value.problems]


def test_every_problem_in_a_rule_file_is_reported_with_its_line(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    original = (rules_copy / "civil_military.yaml").read_text(encoding="utf-8")
    n = len(original.splitlines())  # the broken rule is appended after the file's own rules
    problems = _load_with(rules_copy, "civil_military.yaml", original + BAD_RULE)
    assert problems == [
        f"civil_military.yaml:{n + 3}:5: rule CMR-99: unknown severity 'hgh'"
        " — use one of: low, moderate, high, critical",
        f"civil_military.yaml:{n + 9}:13: 'institution' facts have no field 'politcal_role'"
        " — did you mean 'political_role'?",
        f"civil_military.yaml:{n + 10}:28: unknown operator 'grows'"
        " — use eq, in, gt, gte, lt, lte, exists, matches, contains",
        f"civil_military.yaml:{n + 11}:11: unknown fact kind 'institutoin'"
        " — did you mean 'institution'?",
        f"civil_military.yaml:{n + 14}:25: 'army.id' refers to 'army', which no earlier"
        " condition binds — bind it with 'as:' in an earlier condition",
        f"civil_military.yaml:{n + 15}:25: 'gte' compares numbers, got 'lots' — write a number",
        f"civil_military.yaml:{n + 19}:10: unknown reference 'sam2021' — did you mean 'sam2020'?",
    ]


def test_values_must_be_allowed_by_the_profile_schema(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    original = (rules_copy / "leverage.yaml").read_text(encoding="utf-8")
    n = len(original.splitlines())
    bad = """\
  - id: LEV-99
    title: Wrong values
    severity: low
    effect: mitigation
    scope: unit
    when:
      all:
        - fact: assistance
          where:
            relationship_status: {in: [fresh, entitlement]}
            shopping_list_behaviour: "yes"
            fms_usd: true
    because: Text.
    cite: [{ref: sam2020}]
"""
    assert _load_with(rules_copy, "leverage.yaml", original + bad) == [
        f"leverage.yaml:{n + 5}:5: 'scope' applies to gates only — add 'effect: gate'",
        f"leverage.yaml:{n + 10}:35: 'fresh' is not an allowed value of"
        " assistance.relationship_status — did you mean 'fresh_start'?",
        f"leverage.yaml:{n + 11}:13: assistance.shopping_list_behaviour holds true or false,"
        " not 'yes' — compare it with true or false",
        f"leverage.yaml:{n + 12}:13: assistance.fms_usd holds a whole number, not 'true'"
        " — compare it with a whole number",
    ]


def test_duplicate_rule_ids_and_unknown_signals_are_reported(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    text = (rules_copy / "governance_reform.yaml").read_text(encoding="utf-8")
    text = text.replace("id: GOV-02", "id: GOV-01")
    text = text.replace(
        "        - fact: reform_area\n          as: area\n",
        "        - signal: military_elevatd\n        - fact: reform_area\n          as: area\n",
        1,
    )
    lines = text.splitlines()
    second = lines.index("  - id: GOV-01", lines.index("  - id: GOV-01") + 1) + 1
    signal = lines.index("        - signal: military_elevatd") + 1
    problems = _load_with(rules_copy, "governance_reform.yaml", text)
    assert problems == [
        f"governance_reform.yaml:{second}: duplicate rule id 'GOV-01' (also at"
        " governance_reform.yaml:8) — give each rule its own id",
        f"governance_reform.yaml:{signal}: rule GOV-01 uses signal 'military_elevatd' but no"
        " rule concludes it — did you mean 'military_elevated'?",
    ]


def test_lens_missing_from_scoring_is_reported(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    text = (rules_copy / "human_rights.yaml").read_text(encoding="utf-8")
    problems = _load_with(rules_copy, "extra.yaml", text.replace("id: human_rights", "id: extra"))
    assert (
        "extra.yaml: lens 'extra' is not listed in scoring.yaml — add it to 'lenses:' in"
        " scoring.yaml" in problems
    )


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
    assert compile_rule(ruleset.rule("CMR-04"))["CMR-04"]["all"][2] == {
        "prog": {
            "$and": [
                {"fact": "programme"},
                {"recipient": {"mil": "key"}},
                {"$lte": {"years_ago": 10}},
            ]
        }
    }


def test_each_alternative_of_any_is_its_own_engine_rule():
    # durable_rules' own `any` fires for every combination of facts across alternatives.
    compiled = compile_rule(load_rules(DEFAULT_RULES).rule("RIV-01"))
    assert sorted(compiled) == ["RIV-01#0", "RIV-01#1"]
    assert [list(p) for p in compiled["RIV-01#1"]["all"]] == [["riv"], ["to_b"]]


def test_compiling_is_deterministic():
    first = compile_ruleset(load_rules(DEFAULT_RULES))
    second = compile_ruleset(load_rules(DEFAULT_RULES))
    assert first == second
    assert first.name.startswith("ssa-")


def test_narrative_may_only_use_fields_a_matching_profile_is_sure_to_have(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    text = (rules_copy / "human_rights.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "Emergency powers are in force,",
        "Emergency powers are in force since {{ ctx.emergency_powers_since }} {{ who }},",
    )
    problems = _load_with(rules_copy, "human_rights.yaml", text)
    assert problems == [
        "human_rights.yaml:27:5: rule HR-01: 'because' uses 'who', which the rule does not bind"
        " — use abuse, as_of, country, ctx",
        "human_rights.yaml:27:5: rule HR-01: 'because' uses ctx.emergency_powers_since, which a"
        " profile may leave out — test it in the rule (e.g. emergency_powers_since:"
        " {exists: true}) or drop it from the text",
    ]


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
