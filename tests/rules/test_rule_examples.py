"""Every rule's examples, one test each: `pytest -k CMR-02` runs one rule's examples."""

from __future__ import annotations

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.rules.scoring import RATINGS
from ssa_risk.toolkit.examples import example_name, run_example
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
CASES = [
    pytest.param(rule, i, id=example_name(rule, i))
    for rule in ASSESSOR.ruleset.rules
    for i in range(len(rule.examples))
]


@pytest.mark.parametrize(("rule", "index"), CASES)
def test_rule_example(rule, index):
    result = run_example(ASSESSOR.ruleset, ASSESSOR.compiled, rule, index)
    assert not result.problems, [str(p) for p in result.problems]
    wanted = "fire" if result.expect == "fires" else "stay silent"
    assert result.fired == (result.expect == "fires"), (
        f"{rule.file}:{result.line}: expected {rule.id} to {wanted};"
        f" rules that fired: {', '.join(result.fired_rules) or 'none'}"
    )


def test_every_rule_has_an_example_that_fires_and_one_that_stays_silent():
    lacking = [
        rule.id
        for rule in ASSESSOR.ruleset.rules
        if {e.expect for e in rule.examples} != {"fires", "silent"}
    ]
    assert lacking == []


def test_default_rule_set_covers_nine_lenses_with_at_least_forty_cited_rules():
    rules = ASSESSOR.ruleset.rules
    assert len(rules) >= 40
    assert [lens.id for lens in ASSESSOR.ruleset.lenses] == [
        "civil_military",
        "institutional_rivalry",
        "governance_reform",
        "human_rights",
        "executive_centralisation",
        "political_context",
        "assistance_design",
        "leverage",
        "threat_environment",
    ]
    assert all(rule.cite for rule in rules)
    # Every rule belongs to a country lens, or to the lens of the rules that judge proposal lines.
    assert (
        {rule.lens for rule in rules}
        == {lens.id for lens in ASSESSOR.ruleset.all_lenses}
        == {lens.id for lens in ASSESSOR.ruleset.lenses} | {"proposal_lines"}
    )
    assert all(r.severity in RATINGS for r in rules if r.severity)
    # Layered reasoning, mitigations and gates are all in use.
    assert {r.effect for r in rules} == {"risk", "mitigation", "gate", "protective"}
    assert {r.conclude for r in rules if r.conclude} == {
        "coup_prone",
        "coup_trigger",
        "military_elevated",
        "performance_over_reform",
        "threat_surge",
    }


def test_a_named_example_carries_its_name_in_its_test_id():
    ids = [case.id for case in CASES]
    assert "CMR-03[4:silent] coup forty years ago" in ids
    assert "CMR-03[0:fires]" in ids
