"""The operator registry: every record is read by the parser, compiler, engine, evaluator,
explanations, evidence and lint, and an operator added to it is used by all of them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.source import parse_yaml
from ssa_risk.base.validator import schema_validator
from ssa_risk.evaluation.compiler import compile_rule
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.explain import Evaluator, expected_text
from ssa_risk.profile.facts import Fact, profile_fields
from ssa_risk.rules import validation
from ssa_risk.rules.loader import load_rules
from ssa_risk.rules.model import Rule, RuleSet
from ssa_risk.rules.operators import REGISTRY, VALUE, Limits, Operator
from ssa_risk.rules.parser import FileChecker
from ssa_risk.rules.schema import rules_schema_definition
from ssa_risk.rules.validation import rule_file_problems
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, TUNISIA_2020, make_compiled


@dataclass(frozen=True)
class Case:
    kind: str
    field: str
    written: str  # the operator and value as a rule writes them: `{gt: 2000}`
    passes: dict[str, Any]  # fact fields that pass the test
    fails: dict[str, Any]  # fact fields that fail it
    compiled: dict[str, Any]  # the engine test the compiler writes
    expected: str  # what explanations say the test expects
    wrong: str  # a value of the wrong shape for it, or a value the schema does not allow
    problem: str  # the problem the parser reports for `wrong`


CASES = {
    "eq": Case(
        "institution",
        "kind",
        "{eq: armed_forces}",
        {"kind": "armed_forces"},
        {"kind": "interior_forces"},
        {"kind": "armed_forces"},
        "= armed_forces",
        "{eq: militias}",
        "'militias' is not an allowed value of institution.kind — did you mean 'militia'?",
    ),
    "in": Case(
        "institution",
        "kind",
        "{in: [armed_forces, presidential_guard]}",
        {"kind": "presidential_guard"},
        {"kind": "interior_forces"},
        {"$or": [{"kind": "armed_forces"}, {"kind": "presidential_guard"}]},
        "one of [armed_forces, presidential_guard]",
        "{in: []}",
        "'in' needs a list of values — write [a, b]",
    ),
    "gt": Case(
        "institution",
        "new_force_since",
        "{gt: 2000}",
        {"new_force_since": 2001},
        {"new_force_since": 2000},
        {"$gt": {"new_force_since": 2000}},
        "> 2000",
        "{gt: recent}",
        "'gt' compares numbers, got 'recent' — write a number",
    ),
    "gte": Case(
        "institution",
        "new_force_since",
        "{gte: 2000}",
        {"new_force_since": 2000},
        {"new_force_since": 1999},
        {"$gte": {"new_force_since": 2000}},
        ">= 2000",
        "{gte: true}",
        "'gte' compares numbers, got 'True' — write a number",
    ),
    "lt": Case(
        "institution",
        "new_force_since",
        "{lt: 2000}",
        {"new_force_since": 1999},
        {"new_force_since": 2000},
        {"$lt": {"new_force_since": 2000}},
        "< 2000",
        "{lt: [1]}",
        "'lt' compares numbers, got '[1]' — write a number",
    ),
    "lte": Case(
        "institution",
        "new_force_since",
        "{lte: 2000}",
        {"new_force_since": 2000},
        {"new_force_since": 2001},
        {"$lte": {"new_force_since": 2000}},
        "<= 2000",
        "{lte: '2000'}",
        "'lte' compares numbers, got '2000' — write a number",
    ),
    "exists": Case(
        "institution",
        "new_force_since",
        "{exists: false}",
        {},
        {"new_force_since": 2001},
        {"$nex": {"new_force_since": 1}},
        "absent",
        "{exists: 1}",
        "'exists' takes true or false — write exists: true",
    ),
    "matches": Case(
        "institution",
        "name",
        "{matches: 'army*'}",
        {"name": "Army staff"},
        {"name": "Navy"},
        {"$imt": {"name": "army.*"}},
        "matches army*",
        "{matches: ''}",
        "'matches' takes a text pattern — e.g. matches: 'counter*'",
    ),
    "contains": Case(
        "rivalry",
        "between",
        "{contains: army}",
        {"between": ["police", "army"]},
        {"between": ["police", "navy"]},
        {"$iany": {"between": {"$i": "army"}}},
        "contains army",
        "{contains: 3}",
        "rivalry.between holds text, not '3' — compare it with text",
    ),
}

LENS = """\
lens: {id: test, title: Test, question: Does it work?}
rules:
  - id: OP-01
    title: One test
    severity: low
    when:
      all:
        - fact: %s
          as: x
          where:
            %s: %s
    because: Text.
    recommend: [Act.]
    cite: [{ref: any}]
"""


def _parse(kind: str, field: str, written: str) -> tuple[list[Rule], list[str]]:
    doc = parse_yaml(LENS % (kind, field, written), "t.yaml")
    found = rule_file_problems(doc)  # the schema first, as when rules load
    problems: list[Any] = [problem for _, problem in found]
    checker = FileChecker(doc, profile_fields(), None, problems, set(), {at for at, _ in found})
    lens = checker.lens()
    assert lens is not None
    rules = checker.rules(lens.id)
    return rules, [str(p).split(": ", 1)[1] for p in problems]


def _rule(case: Case) -> Rule:
    rules, problems = _parse(case.kind, case.field, case.written)
    assert problems == []
    return rules[0]


def _fired(rule: Rule, fields: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the engine and the independent evaluator fire `rule` on one fact."""
    facts = [Fact("f", rule.all[0].fact, ("f",), fields)]
    firings, _ = evaluate(make_compiled(rule), facts)
    ruleset = RuleSet("t", {}, (), (rule,), load_rules(DEFAULT_RULES).scoring, ())
    return bool(firings), rule.id in Evaluator(ruleset, facts).fired


def check_parser(name: str, case: Case) -> None:
    test = _rule(case).all[0].tests[0]
    assert (test.field, test.op) == (case.field, name)
    _, problems = _parse(case.kind, case.field, case.wrong)
    assert problems == [case.problem]


def check_compiler(name: str, case: Case) -> None:
    assert compile_rule(_rule(case)) == {
        "OP-01": {"all": [{"x": {"$and": [{"fact": case.kind}, case.compiled]}}]}
    }


def check_evaluation(name: str, case: Case) -> None:
    rule = _rule(case)
    assert _fired(rule, case.passes) == (True, True)
    assert _fired(rule, case.fails) == (False, False)


def check_explanation(name: str, case: Case) -> None:
    assert expected_text(_rule(case).all[0].tests[0]) == case.expected


def check_limits(name: str, case: Case) -> None:
    """Lint and the narrative check reason with `limits`, the evaluator decides with `holds`
    and `passes_missing`: they agree, and a value the test passes is within its limits (so
    lint never calls a condition impossible that some value meets)."""
    test = _rule(case).all[0].tests[0]
    op = test.operator
    limits = op.limits(test.value)
    for fields, passes in ((case.passes, True), (case.fails, False)):
        if case.field in fields:
            value = fields[case.field]
            assert op.holds(value, test.value) is passes
            if passes:
                assert not limits.meet(Limits(values=(value,), present=True)).empty
        else:
            assert op.passes_missing(test.value) is passes
            if passes:
                assert not limits.meet(Limits(absent=True)).empty


CHECKS = (check_parser, check_compiler, check_evaluation, check_explanation, check_limits)


def test_every_operator_in_the_registry_has_a_case():
    assert list(CASES) == list(REGISTRY)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", list(REGISTRY))
def test_each_operator_is_read_from_the_registry_everywhere(name, check):
    check(name, CASES[name])


def test_evidence_writes_each_operator_with_its_symbol(rules_copy):
    """A rule that fires because no fact passes tests with every operator: its evidence
    names each test with the operator's symbol."""
    tests = {
        "institution": "kind: {eq: militia, in: [militia]}, new_force_since: {gt: 1, gte: 1, lt: 9,"
        " lte: 9, exists: true}, name: {matches: 'zz*'}",
        "rivalry": "between: {contains: nobody}",
    }
    _append(
        rules_copy,
        "\n".join(f"        - fact: {k}\n          where: {{{v}}}" for k, v in tests.items()),
    )
    evidence = _absent_evidence(rules_copy)
    assert evidence == [
        "no institution with kind = militia, kind in [militia], new_force_since > 1,"
        " new_force_since >= 1, new_force_since < 9, new_force_since <= 9,"
        " new_force_since exists true, name matches zz*",
        "no rivalry with between contains nobody",
    ]
    used = {op.symbol for op in REGISTRY.values()}
    assert all(any(f" {symbol} " in e for e in evidence) for symbol in used)


RULE = """\
  - id: LEV-90
    title: Evidence of what is absent
    severity: low
    when:
      all:
        - fact: profile
      none:
%s
    because: Text.
    recommend: [Act.]
    cite: [{ref: rand-epp}]
"""


def _append(rules: Path, none: str) -> None:
    path = rules / "leverage.yaml"
    path.write_text(path.read_text(encoding="utf-8") + RULE % none, encoding="utf-8")


def _absent_evidence(rules: Path) -> list[str]:
    assessment = Assessor.load(rules, DEFAULT_TEMPLATES).assess(TUNISIA_2020)
    finding = next(f for f in assessment.findings if f.rule_id == "LEV-90")
    return sorted(e.path for e in finding.evidence if e.fact_kind == "absent")


# --- an operator added in one place ------------------------------------------------------

NOT_EQUAL = Operator(
    "ne",
    "other than",
    "!=",
    VALUE,
    "scalar",
    lambda field, operand: {"$neq": {field: operand}},
    lambda actual, target: bool(actual != target),
    lambda value: Limits(present=True),
)


@pytest.fixture
def not_equal(monkeypatch: pytest.MonkeyPatch) -> Operator:
    # The cache of checked rule sets cannot see a patched registry: rule sets are read afresh.
    monkeypatch.setenv("SSA_RISK_CACHE", "off")
    monkeypatch.setitem(REGISTRY, "ne", NOT_EQUAL)
    # The published rule-file schema is generated from the registry (make schema).
    monkeypatch.setattr(
        validation, "_validator", lambda: schema_validator(rules_schema_definition())
    )
    return NOT_EQUAL


def test_an_operator_added_to_the_registry_is_used_everywhere(not_equal, rules_copy):
    case = Case(
        "institution",
        "kind",
        "{ne: armed_forces}",
        {"kind": "interior_forces"},
        {"kind": "armed_forces"},
        {"$neq": {"kind": "armed_forces"}},
        "other than armed_forces",
        "{ne: militias}",
        "'militias' is not an allowed value of institution.kind — did you mean 'militia'?",
    )
    for check in CHECKS:
        check("ne", case)
    # Unknown operators are listed from the registry; evidence uses the new symbol.
    _, problems = _parse("institution", "kind", "{grows: x}")
    assert problems == [
        "rule OP-01: when.all[0].where.kind: unknown operator 'grows' — "
        "use one of: eq, in, gt, gte, lt, lte, exists, matches, contains, ne"
    ]
    _append(
        rules_copy,
        "        - fact: institution\n          where: {kind: {ne: militia}, name: {eq: Nobody}}",
    )
    assert _absent_evidence(rules_copy) == ["no institution with kind != militia, name = Nobody"]


# --- lint's reasoning on limits -----------------------------------------------------------


@pytest.mark.parametrize(
    ("limits", "empty"),
    [
        ([Limits(low=50), Limits(high=30, high_open=True)], True),
        ([Limits(low=30), Limits(high=30)], False),
        ([Limits(low=30, low_open=True), Limits(high=30)], True),
        ([Limits(values=("new",)), Limits(values=("established", "entitlement"))], True),
        ([Limits(values=(1, 5)), Limits(low=2)], False),
        ([Limits(values=(1, "a")), Limits(low=2)], True),
        ([Limits(present=True), Limits(absent=True)], True),
        ([Limits(low=-math.inf), Limits(values=("a",))], False),
    ],
)
def test_limits_meet_and_know_when_nothing_passes(limits, empty):
    met = limits[0]
    for more in limits[1:]:
        met = met.meet(more)
    assert met.empty is empty


# --- comparisons the engine and the evaluation would answer differently --------------------


@pytest.mark.parametrize("name", [n for n, op in REGISTRY.items() if op.operand.numeric])
@pytest.mark.parametrize("field", ["name", "kind", "receives_assistance"])
def test_number_comparisons_are_refused_on_fields_that_hold_no_numbers(name, field):
    """The engine orders text and true/false against numbers (`'abc' > 0` holds there), the
    independent evaluation does not: such a test would make the two disagree."""
    _, problems = _parse("institution", field, f"{{{name}: 1}}")
    assert problems == [
        f"institution.{field} is not a number: '{name}' compares numbers — compare it with eq or in"
    ]
