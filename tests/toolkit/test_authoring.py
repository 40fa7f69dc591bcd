"""The rule-authoring toolkit: rules list/show/lint/test, explain, and the oracle."""

from __future__ import annotations

import json

import pytest
import yaml

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.rules.loader import load_rules
from ssa_risk.toolkit.authoring import unread_fields
from ssa_risk.toolkit.examples import example_document
from tests.helpers import (
    CASES,
    DEFAULT_PROFILES,
    DEFAULT_RULES,
    DEFAULT_TEMPLATES,
    TUNISIA_2020,
)

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
# The bundled snapshots and the backtest's cases: both evaluations must agree on all.
PROFILES = sorted(DEFAULT_PROFILES.glob("*/*.yaml")) + sorted(CASES.glob("*/profile.yaml"))


# --- the oracle: two independent evaluations agree --------------------------------------


def _both(profile: Profile) -> tuple[set[str], set[str]]:
    facts = profile_facts(profile)
    firings, _ = evaluate(ASSESSOR.compiled, facts)
    return {f.rule_id for f in firings}, Evaluator(ASSESSOR.ruleset, facts).fired


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_python_evaluation_agrees_with_the_engine_on_bundled_profiles(path):
    engine, python = _both(load_profile(path))
    assert engine == python
    assert engine  # the comparison means something only if rules fire


def test_python_evaluation_agrees_with_the_engine_on_every_rule_example():
    mismatches = []
    for rule in ASSESSOR.ruleset.rules:
        for i, example in enumerate(rule.examples):
            doc = example_document(ASSESSOR.ruleset, rule, example)
            engine, python = _both(Profile(doc))
            if engine != python:
                mismatches.append((rule.id, i, engine ^ python))
    assert mismatches == []


# --- rules list / show ------------------------------------------------------------------


def test_rules_list_table_and_json(run_in_checkout):
    result = run_in_checkout("rules", "list", "--lens", "leverage")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID      LENS      SEVERITY          TITLE",
        "LEV-01  leverage  moderate          A customer rather than a grantee",
        "LEV-02  leverage  moderate          Assistance treated as an entitlement",
        "LEV-03  leverage  moderate          Large assistance without agreed benchmarks",
        "LEV-04  leverage  moderate          Several competing donors",
        "LEV-05  leverage  low               A major non-NATO ally",
        "LEV-06  leverage  moderate          Another state keeps forces in the country",
        "LEV-07  leverage  moderate          Another donor gives on a patron's scale",
        "LEV-M1  leverage  mitigation (low)  A fresh start in the partnership",
    ]
    import json

    listed = json.loads(run_in_checkout("rules", "list", "--format", "json").stdout)
    assert len(listed) == len(ASSESSOR.ruleset.rules)
    assert listed[0] == {
        "id": "PLAN-01",
        "lens": "assistance_design",
        "severity": "high",
        "effect": "risk",
        "title": "Uncoordinated donors and a shopping-list partner",
        "file": "rules/assistance_design.yaml",
        "line": 9,
    }


def test_rules_list_unknown_lens(run_cli):
    result = run_cli("rules", "list", "--lens", "levrage")
    assert result.exit_code == 2
    assert result.stderr.startswith("--lens: unknown lens 'levrage' — use one of: civil_military,")


def test_rules_show(run_in_checkout):
    result = run_in_checkout("rules", "show", "CMR-07")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith(
        "CMR-07: Officer training for a military gaining political weight\n"
        "  lens: Civil-military relations and coup risk (civil_military)\n"
        "  severity: moderate\n"
        "  defined at rules/civil_military.yaml:"
    )
    assert (
        "    - programme (as prog): kind = education_and_training, recipient = mil.id,"
        " years_ago <= 2\n" in text
    )
    assert (
        "  [1] expect silent near miss, training ended three years before"
        " (rules/civil_military.yaml:" in text
    )


def test_rules_show_gives_each_recommendation_with_who_acts_and_its_stance(run_in_checkout):
    result = run_in_checkout("rules", "show", "HR-03")
    assert result.exit_code == 0
    assert (
        "Recommend:\n"
        "  - [agency, withhold] Exclude crowd-control and surveillance equipment from support"
        " to this unit.\n"
        "  - [agency, engage] Fund complaint and accountability mechanisms alongside any"
        " support.\n"
    ) in result.stdout


def test_rules_show_and_explain_a_condition_on_any_signal(run_cli, rules_copy):
    leverage = rules_copy / "leverage.yaml"
    leverage.write_text(
        leverage.read_text(encoding="utf-8")
        + """\
  - id: LEV-95
    title: Any signal at all
    severity: low
    when:
      all:
        - fact: signal
    because: Text.
    recommend: [Act.]
    cite: [{ref: rand-epp}]
""",
        encoding="utf-8",
    )
    shown = run_cli("rules", "show", "LEV-95", "--rules", str(rules_copy))
    assert "  all of:\n    - signal: any\n" in shown.stdout
    explained = run_cli(
        "explain", str(TUNISIA_2020), "--rule", "LEV-95", "--rules", str(rules_copy)
    )
    assert explained.stdout.startswith("LEV-95 fired: Any signal at all\nMatched:\n  signal ")


def test_rule_ids_match_in_any_case(run_cli):
    shown = run_cli("rules", "show", "cmr-02")
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("CMR-02: Public support for military rule")
    explained = run_cli("explain", str(TUNISIA_2020), "--rule", "cmr-02")
    assert explained.exit_code == 0, explained.stderr
    assert explained.stdout.startswith(
        "CMR-02 fired: Public support for military rule alongside an elevated military\n"
    )


def test_rules_show_unknown_id_suggests(run_cli):
    result = run_cli("rules", "show", "cmr-004")
    assert result.exit_code == 2
    assert result.stderr == "unknown rule 'cmr-004' — did you mean 'CMR-04'?\n"
    assert (
        run_cli("rules", "show", "XYZ").stderr == "unknown rule 'XYZ' — see 'ssa-risk rules list'\n"
    )


# --- rules lint -------------------------------------------------------------------------

LINT_RULES = """\
  - id: LEV-80
    title: Signal nobody uses
    conclude: lonely_signal
    when:
      all:
        - fact: assistance
    cite: [{ref: rand-epp}]
  - id: LEV-81
    title: Impossible range
    severity: low
    when:
      all:
        - fact: civil_military
          where:
            support_for_military_rule_pct: {gte: 50, lt: 30}
    because: x
    recommend: [{do: x, by: agency, stance: monitor}]
    cite: [{ref: rand-epp}]
  - id: LEV-82
    title: Impossible values
    severity: low
    when:
      all:
        - fact: assistance
          where:
            relationship_status: {eq: new, in: [established, entitlement]}
    because: x
    recommend: [{do: x, by: agency, stance: monitor}]
    cite: [{ref: rand-epp}]
    examples:
      - expect: fires
        profile: {assistance: {relationship_status: new}}
"""


def test_lint_reports_each_warning_and_strict_fails_on_them(run_cli, rules_copy):
    leverage = rules_copy / "leverage.yaml"
    original = leverage.read_text(encoding="utf-8")
    n = len(original.splitlines())
    leverage.write_text(original + LINT_RULES, encoding="utf-8")
    refs = rules_copy / "references.yaml"
    refs.write_text(refs.read_text(encoding="utf-8") + "  unused-ref: Nobody cites this.\n")
    refs_line = len(refs.read_text(encoding="utf-8").splitlines())
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"rules/leverage.yaml:{n + 1}: warning: rule LEV-80 concludes signal 'lonely_signal' but"
        " no rule uses it — use it in another rule's conditions, or remove 'conclude'",
        f"rules/leverage.yaml:{n + 1}: warning: rule LEV-80 has no example that fires and one"
        " that stays silent — add one that fires and one that stays silent under 'examples:'",
        f"rules/leverage.yaml:{n + 8}: warning: rule LEV-81 has no example that fires and one"
        " that stays silent — add one that fires and one that stays silent under 'examples:'",
        f"rules/leverage.yaml:{n + 15}: warning: rule LEV-81: no value of"
        " 'support_for_military_rule_pct' can pass all of gte 50, lt 30 — the condition can"
        " never hold; correct the bounds or values",
        f"rules/leverage.yaml:{n + 19}: warning: rule LEV-82 has no example that stays silent"
        " — add one that stays silent under 'examples:'",
        f"rules/leverage.yaml:{n + 26}: warning: rule LEV-82: no value of"
        " 'relationship_status' can pass all of eq new, in [established, entitlement] — the"
        " condition can never hold; correct the bounds or values",
        f"rules/references.yaml:{refs_line}:3: warning: reference 'unused-ref' is not cited by"
        " any rule — cite it or remove it",
        "0 error(s), 7 warning(s)",
    ]
    strict = run_cli("rules", "lint", str(rules_copy), "--strict")
    assert strict.exit_code == 2


def test_lint_json_gives_each_problem_with_its_level_and_rule(run_cli, rules_copy):
    leverage = rules_copy / "leverage.yaml"
    original = leverage.read_text(encoding="utf-8")
    n = len(original.splitlines())
    impossible = LINT_RULES[LINT_RULES.index("  - id: LEV-81") : LINT_RULES.index("  - id: LEV-82")]
    leverage.write_text(original + impossible, encoding="utf-8")
    result = run_cli("rules", "lint", str(rules_copy), "--format", "json")
    assert result.exit_code == 0
    impossible_message = (
        "rule LEV-81: no value of 'support_for_military_rule_pct' can pass all of gte 50, lt 30"
    )
    assert result.stdout.splitlines() == [
        "{",
        '  "format_version": 1,',
        '  "problems": [',
        "    {",
        '      "file": "rules/leverage.yaml",',
        f'      "line": {n + 1},',
        '      "column": null,',
        '      "level": "warning",',
        '      "rule": "LEV-81",',
        '      "message": "rule LEV-81 has no example that fires and one that stays silent",',
        '      "fix": "add one that fires and one that stays silent under \'examples:\'"',
        "    },",
        "    {",
        '      "file": "rules/leverage.yaml",',
        f'      "line": {n + 8},',
        '      "column": null,',
        '      "level": "warning",',
        '      "rule": "LEV-81",',
        f'      "message": "{impossible_message}",',
        '      "fix": "the condition can never hold; correct the bounds or values"',
        "    }",
        "  ]",
        "}",
    ]
    assert run_cli("rules", "lint", str(rules_copy), "--format", "json", "--strict").exit_code == 2


def test_lint_warns_of_each_recommendation_written_as_plain_text(run_cli, rules_copy):
    leverage = rules_copy / "leverage.yaml"
    original = leverage.read_text(encoding="utf-8")
    n = len(original.splitlines())
    leverage.write_text(
        original
        + """\
  - id: LEV-83
    title: Plain recommendations
    severity: low
    when:
      all:
        - fact: assistance
    because: x
    recommend:
      - Tie the next tranche to a benchmark.
      - do: Track the benchmark in every review.
        by: programme
        stance: monitor
      - Fund the oversight committee.
    cite: [{ref: rand-epp}]
    examples:
      - expect: fires
        profile: {assistance: {relationship_status: new}}
      - expect: silent
        profile: {}
""",
        encoding="utf-8",
    )
    fix = (
        "write it as 'do: ...' with 'by:' (partner, agency or programme) and 'stance:'"
        " (withhold, condition, engage, monitor or press); until then it counts as by: agency,"
        " stance: condition"
    )
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"rules/leverage.yaml:{n + 9}:9: warning: rule LEV-83: recommendation has no 'by:' or"
        f" 'stance:' — {fix}",
        f"rules/leverage.yaml:{n + 13}:9: warning: rule LEV-83: recommendation has no 'by:' or"
        f" 'stance:' — {fix}",
        "0 error(s), 2 warning(s)",
    ]
    # A plain recommendation is still valid: the rule loads and says what it counts as.
    shown = run_cli("rules", "show", "LEV-83", "--rules", str(rules_copy))
    assert (
        "Recommend:\n"
        "  - [agency, condition] Tie the next tranche to a benchmark.\n"
        "  - [programme, monitor] Track the benchmark in every review.\n"
        "  - [agency, condition] Fund the oversight committee.\n"
    ) in shown.stdout
    problems = json.loads(run_cli("rules", "lint", str(rules_copy), "--format", "json").stdout)
    assert [(p["line"], p["column"], p["rule"]) for p in problems["problems"]] == [
        (n + 9, 9, "LEV-83"),
        (n + 13, 9, "LEV-83"),
    ]


def test_lint_json_lists_load_errors_with_the_rule_they_concern(run_cli, rules_copy):
    path = rules_copy / "leverage.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: moderate", "severity: moderat", 1)
    )
    result = run_cli("rules", "lint", str(rules_copy), "--format", "json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert [(p["level"], p["rule"], p["message"], p["fix"]) for p in problems] == [
        (
            "error",
            "LEV-01",
            "rule LEV-01: severity: 'moderat' is not an allowed value",
            "did you mean 'moderate'? (one of: low, moderate, high, critical)",
        )
    ]


def test_lint_errors_exit_2(run_cli, rules_copy):
    path = rules_copy / "leverage.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: moderate", "severity: moderat", 1)
    )
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == "1 error(s), 0 warning(s)"
    assert "rule LEV-01: severity: 'moderat' is not an allowed value" in result.stdout


def test_lint_of_the_bundled_rules_is_clean(run_cli):
    result = run_cli("rules", "lint", "--strict")
    assert result.exit_code == 0
    assert result.stdout == "0 error(s), 0 warning(s)\n"


# --- rules test -------------------------------------------------------------------------


def test_rules_test_passes_on_the_bundled_rules(run_cli):
    result = run_cli("rules", "test")
    examples = sum(len(r.examples) for r in ASSESSOR.ruleset.rules)
    assert result.exit_code == 0
    assert result.stdout == f"{examples} passed, 0 failed\n"


def test_rules_test_shows_expected_actual_and_why_not(run_cli, rules_copy):
    path = rules_copy / "civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    # CMR-08's firing example now says the military never held power: the rule stays silent.
    text = text.replace(
        "civil_military: {military_held_power: true, support_for_military_rule_pct: 35}",
        "civil_military: {military_held_power: false, support_for_military_rule_pct: 35}",
        1,
    )
    path.write_text(text, encoding="utf-8")
    result = run_cli("rules", "test", str(rules_copy), "-k", "CMR-08")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL CMR-08[0:fires] (rules/civil_military.yaml:")
    assert lines[1:4] == [
        "  expected CMR-08 to fire; it stayed silent",
        "  CMR-08 did not fire: A military that has ruled before, with public support for its"
        " return",
        "  Conditions, failing first:",
    ]
    assert (
        "    FAIL military_held_power: expected = true, actual false (profile rules/civil"
        in result.stdout
    )
    ok_line = (
        "    ok   support_for_military_rule_pct: expected >= 30, actual 35 (profile rules/civil"
    )
    assert ok_line in result.stdout
    assert lines[-1] == "2 passed, 1 failed"


def test_an_example_name_shows_in_results_and_selects_with_k(run_cli, rules_copy):
    path = rules_copy / "civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    old = (
        "      - expect: fires\n        profile:\n"
        "          civil_military: {military_held_power: true, support_for_military_rule_pct: 35}"
    )
    assert old in text
    # CMR-08's firing example gets a name, and a profile on which the rule stays silent.
    new = old.replace("- expect: fires", "- name: ruled before, 35% support\n        expect: fires")
    path.write_text(text.replace(old, new.replace("true", "false"), 1), encoding="utf-8")
    result = run_cli("rules", "test", str(rules_copy), "-k", "35% SUPPORT")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "FAIL CMR-08[0:fires] ruled before, 35% support (rules/civil_military.yaml:"
    )
    assert lines[-1] == "0 passed, 1 failed"
    shown = run_cli("rules", "show", "CMR-08", "--rules", str(rules_copy))
    assert "  [0] expect fires ruled before, 35% support (rules/civil_military.yaml:" in (
        shown.stdout
    )


def test_rules_test_coverage(run_cli):
    result = run_cli("rules", "test", "--coverage")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "RULE     EXAMPLE  PROFILES" in lines
    assert "CMR-02   yes      2020" in lines
    assert "CMR-03   yes      -" in lines  # no bundled snapshot has a recent coup
    heading = "Profile fields no rule reads and the schema does not mark descriptive ("
    [at] = [i for i, line in enumerate(lines) if line.startswith(heading)]
    listed = lines[at + 1 : -1]  # up to the closing count of rules fired
    assert lines[-1].endswith("fire in a profile of the project")
    assert listed == ["  (none)"]  # every collected field is read or marked descriptive
    assert "  institution.role" not in listed  # prose, marked descriptive
    assert "  coup.year" not in listed  # read through coup.years_ago
    assert "  assistance.recent_annual_usd" not in listed  # derived, not collected
    assert lines[at] == f"{heading}0):"


def test_a_field_no_rule_reads_any_more_joins_the_unread_list(rules_copy):
    before = unread_fields(load_rules(rules_copy))
    assert "threat.public_priority_pct" not in before
    # THR-07 is the only rule that reads public_priority_pct (in its condition and narrative).
    path = rules_copy / "threat_environment.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("  - id: THR-07\n"), text.index("  - id: THR-08\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    after = unread_fields(load_rules(rules_copy))
    assert set(after) - set(before) == {"threat.public_priority_pct"}


def test_a_join_reads_the_field_it_compares_with(rules_copy):
    # line.recipient is read only through joins ({eq: {ref: line.recipient}}): the narratives
    # name the recipient institution, not the line's field.
    assert "line.recipient" not in unread_fields(load_rules(rules_copy))
    path = rules_copy / "proposal_lines.yaml"
    text = path.read_text(encoding="utf-8")
    assert "{{ line.recipient }}" not in text
    path.write_text(text.replace("ref: line.recipient}", "ref: line.activity}"), encoding="utf-8")
    assert "line.recipient" in unread_fields(load_rules(rules_copy))


def test_rules_test_pattern_matching_nothing(run_cli):
    result = run_cli("rules", "test", "-k", "XYZ-99")
    assert result.exit_code == 2
    assert result.stderr == "-k XYZ-99: no example matches — try a rule id such as PLAN-01\n"


def test_rules_test_pattern_close_to_a_rule_id(run_cli):
    result = run_cli("rules", "test", "-k", "gov-8")
    assert result.exit_code == 2
    assert result.stderr == "-k gov-8: no example matches — did you mean 'GOV-08'?\n"


def test_rules_test_on_rules_without_examples(run_cli, rules_copy):
    for path in rules_copy.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", []) if isinstance(data.get("rules"), list) else ():
            rule.pop("examples", None)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = run_cli("rules", "test", "rules")
    assert result.exit_code == 2
    assert result.stderr == (
        "rules: no rule has examples — add 'examples:' to a rule (see README, Rules)\n"
    )


# --- explain ----------------------------------------------------------------------------


def test_explain_a_fired_rule_shows_matched_facts_and_the_signal_chain(run_in_checkout):
    result = run_in_checkout("explain", str(TUNISIA_2020), "--rule", "CMR-02")
    assert result.exit_code == 0
    assert result.stdout == (
        "CMR-02 fired: Public support for military rule alongside an elevated military\n"
        "Matched:\n"
        "  signal military_elevated\n"
        "  civil_military (profiles/tunisia/2020.yaml:20)\n"
        "    support_for_military_rule_pct = 47 (profiles/tunisia/2020.yaml:22)\n"
        "Signals it relied on:\n"
        "  military_elevated, concluded by CMR-01 (rules/civil_military.yaml:9) from:\n"
        "    institutions[0] (profiles/tunisia/2020.yaml:33)\n"
        "      kind = armed_forces (profiles/tunisia/2010.yaml:61)\n"
        "      political_role = rising (profiles/tunisia/2020.yaml:35)\n"
        "      budget_trend = rising (profiles/tunisia/2020.yaml:34)\n"
    )


def test_explain_an_unfired_rule_says_a_missing_field_is_missing(run_in_checkout):
    result = run_in_checkout(
        "explain", str(DEFAULT_PROFILES / "tunisia" / "2016.yaml"), "--rule", "CMR-02"
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "CMR-02 did not fire: Public support for military rule alongside an elevated military\n"
        "Conditions, failing first:\n"
        "  FAIL all: civil_military (rules/civil_military.yaml:50)\n"
        "    FAIL support_for_military_rule_pct: expected >= 40, actual missing from the"
        " profile (rule rules/civil_military.yaml:53)\n"
        "  ok   signal military_elevated: concluded (rules/civil_military.yaml:54)\n"
    )


def test_explain_an_unfired_rule_blocked_by_a_none_condition(run_in_checkout):
    result = run_in_checkout("explain", str(TUNISIA_2020), "--rule", "PLAN-02")
    assert result.stdout.splitlines()[2] == (
        "  FAIL none: assistance.frameworks[0] matches, which must be absent"
        " (rules/assistance_design.yaml:45; profiles/tunisia/2020.yaml:142)"
    )


def test_explain_with_a_wrong_value_shows_expected_and_actual_with_lines(run_in_checkout):
    result = run_in_checkout(
        "explain", str(DEFAULT_PROFILES / "tunisia" / "2010.yaml"), "--rule", "GOV-01"
    )
    assert "    FAIL status: expected one of [stalled, deadlocked], actual absent" in result.stdout
    assert "(profile profiles/tunisia/2010.yaml:" in result.stdout


def test_explain_without_rule_lists_fired_and_near_misses(run_cli):
    result = run_cli("explain", str(TUNISIA_2020))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Tunisia 2020-07: 38 rules fired"
    assert "  CMR-02   Public support for military rule alongside an elevated military" in lines
    assert (
        "  CMR-08   A military that has ruled before, with public support for its return:"
        " military_held_power is false, needs = true"
    ) in lines
    assert lines[-1] == "Run `ssa-risk explain PROFILE --rule ID` for one rule's conditions."
