"""The compiled form of a rule set."""

from __future__ import annotations

from ssa_risk.evaluation.compiler import compile_ruleset
from ssa_risk.rules.loader import load_rules
from tests.helpers import DEFAULT_RULES


def test_compiled_form_is_identical_including_order():
    import json

    first = json.dumps(compile_ruleset(load_rules(DEFAULT_RULES)).definition)
    second = json.dumps(compile_ruleset(load_rules(DEFAULT_RULES)).definition)
    assert first == second
