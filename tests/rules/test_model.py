"""What the rule model answers once for every layer: signals a rule uses, engine field names."""

from __future__ import annotations

from ssa_risk.profile.facts import engine_field, rule_field
from ssa_risk.rules.model import FieldTest, Pattern, Ref
from tests.helpers import make_pattern, make_rule


def _signal(name: str, binding: str = "_s") -> Pattern:
    return Pattern("signal", binding, (FieldTest("name", "eq", name, 1),), 1)


def test_a_rule_names_the_signals_it_needs_and_those_it_negates():
    rule = make_rule(
        "R-1",
        [_signal("elevated"), make_pattern("institution", "mil", budget_trend="rising")],
        none=[_signal("mitigated"), make_pattern("signal", "_b", by="R-2")],
    )
    assert rule.signals_needed == ("elevated",)
    assert rule.signals_used == ("elevated", "mitigated")
    assert [p.signal for p in rule.patterns] == ["elevated", None, "mitigated", None]


def test_the_profile_id_is_the_engine_key_in_tests_and_joins():
    test = FieldTest("id", "eq", Ref("mil", "id"), 1)
    assert (test.engine_field, test.value.engine_field) == ("key", "key")
    assert FieldTest("kind", "eq", "x", 1).engine_field == "kind"
    assert [rule_field(engine_field(n)) for n in ("id", "kind")] == ["id", "kind"]
