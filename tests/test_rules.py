"""Rule files: every problem in one pass with file:line, and the compiled form."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compiler import compile_rule, compile_ruleset
from engine.errors import InputError
from engine.pipeline import DEFAULT_RULES
from engine.rules import load_rules

BAD_RULE = """\
lens:
  id: civil_military
  title: Civil-military relations and coup risk
  question: Could assistance raise coup risk?
rules:
  - id: CMR-01
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
    problems = _load_with(rules_copy, "civil_military.yaml", BAD_RULE)
    assert problems == [
        "civil_military.yaml:8:5: rule CMR-01: unknown severity 'hgh'"
        " — use one of: low, moderate, high, critical",
        "civil_military.yaml:14:13: 'institution' facts have no field 'politcal_role'"
        " — did you mean 'political_role'?",
        "civil_military.yaml:15:28: unknown operator 'grows'"
        " — use eq, in, gt, gte, lt, lte, exists, matches, contains",
        "civil_military.yaml:16:11: unknown fact kind 'institutoin' — did you mean 'institution'?",
        "civil_military.yaml:19:25: 'army.id' refers to 'army', which no earlier condition binds"
        " — bind it with 'as:' in an earlier condition",
        "civil_military.yaml:20:25: 'gte' compares numbers, got 'lots' — write a number",
        "civil_military.yaml:24:10: unknown reference 'sam2021' — did you mean 'sam2020'?",
    ]


def test_duplicate_rule_ids_and_unknown_signals_are_reported(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy)
    text = (rules_copy / "governance_reform.yaml").read_text(encoding="utf-8")
    text = text.replace("id: GOV-02", "id: GOV-01")
    text = text.replace(
        "        - fact: reform_area\n          as: area\n",
        "        - signal: military_elevatd\n        - fact: reform_area\n          as: area\n",
    )
    problems = _load_with(rules_copy, "governance_reform.yaml", text)
    assert problems == [
        "governance_reform.yaml:34: duplicate rule id 'GOV-01' (also at"
        " governance_reform.yaml:8) — give each rule its own id",
        "governance_reform.yaml:39: rule GOV-01 uses signal 'military_elevatd' but no rule"
        " concludes it — did you mean 'military_elevated'?",
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
        "all": [
            {"_end": {"fact": "$end"}},
            {"aid": {"fact": "assistance"}},
            {"_p1$not": {"$and": [{"fact": "framework"}, {"sequenced_benchmarks": True}]}},
        ]
    }
    assert compile_rule(ruleset.rule("CMR-04"))["all"][2] == {
        "prog": {
            "$and": [
                {"fact": "programme"},
                {"recipient": {"mil": "key"}},
                {"$lte": {"years_ago": 10}},
            ]
        }
    }


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


def test_rule_set_over_the_engine_node_limit_is_refused(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    many = "\n".join(
        f"""  - id: X-{i:02d}
    title: Condition {i}
    severity: low
    when:
      all:
        - fact: political_context
          where: {{polarisation: high}}
    because: Polarisation is high.
    recommend: [Watch it.]
    cite: [{{ref: sam2020}}]"""
        for i in range(60)
    )
    text = (rules_copy / "executive_centralisation.yaml").read_text(encoding="utf-8")
    (rules_copy / "executive_centralisation.yaml").write_text(text + many + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        compile_ruleset(load_rules(rules_copy))
    assert [str(p) for p in info.value.problems] == [
        "rules: 62 conditions test 'political_context' facts, over the engine's limit of 60"
        " — combine conditions into signals that other rules reuse"
    ]
