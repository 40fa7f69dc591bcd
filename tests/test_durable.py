"""Each durable_rules workaround in engine/durable.py, pinned by a test that fails without it."""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path

import pytest

import engine.durable
from engine.compiler import CompiledRuleset, compile_rule
from engine.durable import RuleEngine, evaluate
from engine.errors import EngineError
from engine.facts import Fact
from engine.rules import FieldTest, Pattern, Rule

REPO = Path(__file__).resolve().parent.parent


def _rule(rule_id: str, all_: list[Pattern], none: list[Pattern] = (), conclude=None) -> Rule:  # type: ignore[assignment]
    return Rule(
        id=rule_id,
        title=rule_id,
        lens="test",
        severity="low",
        effect="risk",
        all=tuple(all_),
        any=(),
        none=tuple(none),
        conclude=conclude,
        subject=None,
        because="x",
        recommend=("x",),
        cite=(),
        file="t.yaml",
        line=1,
    )


def _p(kind: str, binding: str, **tests: object) -> Pattern:
    return Pattern(kind, binding, tuple(FieldTest(k, "eq", v, 1) for k, v in tests.items()), 1)


def _compiled(*rules: Rule) -> CompiledRuleset:
    definition = {n: a for r in rules for n, a in compile_rule(r).items()}
    name = "test-" + "-".join(r.id for r in rules) + f"-{id(rules)}"
    return CompiledRuleset(
        name,
        definition,
        {r.id: r.conclude for r in rules if r.conclude},
        {n: r.id for r in rules for n in compile_rule(r)},
    )


def _fact(fid: str, kind: str, **fields: object) -> Fact:
    return Fact(fid, kind, (fid,), fields)


def test_host_starts_no_timer_threads():
    before = {t.ident for t in threading.enumerate()}
    RuleEngine()
    after = [t for t in threading.enumerate() if t.ident not in before]
    assert after == []


def test_registering_the_same_ruleset_twice_is_free_and_does_not_mutate_it():
    compiled = _compiled(_rule("R1", [_p("a", "x")]))
    snapshot = repr(compiled.definition)
    engine = RuleEngine.get()
    engine.register(compiled)
    engine.register(compiled)  # durable_rules itself raises "already registered"
    assert repr(compiled.definition) == snapshot  # durable_rules deletes 'run' in place


def test_a_fact_no_rule_matches_does_not_fail_the_batch():
    compiled = _compiled(_rule("R2", [_p("a", "x")]))
    firings, _ = evaluate(compiled, [_fact("f1", "unmatched"), _fact("f2", "a")])
    assert [f.rule_id for f in firings] == ["R2"]


def test_session_where_no_rule_fires_cleans_up_without_crashing():
    compiled = _compiled(_rule("R3", [_p("a", "x")]))
    for _ in range(3):  # delete_state on an action-less session segfaults without the start rule
        firings, _ = evaluate(compiled, [_fact("f1", "b")])
        assert firings == []


def test_exception_inside_an_action_is_raised_not_swallowed(monkeypatch):
    compiled = _compiled(_rule("R4", [_p("a", "x")]))

    def broken(*args: object) -> None:
        raise ValueError("kaboom")

    monkeypatch.setattr(engine.durable, "Firing", broken)
    with pytest.raises(EngineError, match=r"a rule action failed: .*R4: ValueError: kaboom"):
        evaluate(compiled, [_fact("f1", "a")])


def test_two_facts_with_one_identity_raise_instead_of_losing_one():
    compiled = _compiled(_rule("R5", [_p("a", "x")]))
    with pytest.raises(EngineError, match=r"two facts shared an identity \(same\)"):
        evaluate(compiled, [_fact("same", "a", v=1), _fact("same", "a", v=2)])
    # The engine stays usable afterwards (no half-stored session, no crash on cleanup).
    firings, _ = evaluate(compiled, [_fact("f1", "a")])
    assert [f.rule_id for f in firings] == ["R5"]


def test_facts_with_equal_fields_but_distinct_ids_are_both_kept():
    compiled = _compiled(_rule("R6", [_p("a", "x")]))
    firings, _ = evaluate(compiled, [_fact("f1", "a", v=1), _fact("f2", "a", v=1)])
    assert sorted(f.bindings for f in firings) == [(("x", "f1"),), (("x", "f2"),)]


@pytest.mark.parametrize("order", ["negated-fact-first", "negated-fact-last"])
def test_none_condition_holds_whatever_order_facts_arrive_in(order):
    rule = _rule("R7", [_p("assistance", "aid")], none=[_p("framework", "n", seq=True)])
    compiled = _compiled(rule)
    facts = [_fact("aid", "assistance"), _fact("fw", "framework", seq=True)]
    if order == "negated-fact-first":
        facts.reverse()
    firings, _ = evaluate(compiled, facts)
    assert firings == []
    firings, _ = evaluate(compiled, [_fact("aid", "assistance")])
    assert [f.rule_id for f in firings] == ["R7"]


def test_rule_with_only_a_negated_condition_still_fires():
    compiled = _compiled(_rule("R8", [], none=[_p("framework", "n")]))
    firings, _ = evaluate(compiled, [_fact("aid", "assistance")])
    assert [f.rule_id for f in firings] == ["R8"]


def test_negation_sees_signals_concluded_during_the_session():
    concl = _rule("S1", [_p("a", "x")], conclude="flag")
    neg = _rule("R9", [_p("a", "x")], none=[_p("signal", "n", name="flag")])
    firings, signals = evaluate(_compiled(concl, neg), [_fact("f1", "a")])
    assert [f.rule_id for f in firings] == ["S1"]
    assert [s.fields["name"] for s in signals.values()] == ["flag"]


def test_signal_asserted_in_an_action_reaches_rules_that_use_it():
    concl = _rule("S2", [_p("a", "x")], conclude="elevated")
    use = _rule("R10", [_p("signal", "s", name="elevated")])
    firings, _ = evaluate(_compiled(concl, use), [_fact("f1", "a")])
    assert [f.rule_id for f in firings] == ["S2", "R10"]


def test_engine_refuses_calls_from_another_thread():
    compiled = _compiled(_rule("R11", [_p("a", "x")]))
    RuleEngine.get().register(compiled)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            evaluate(compiled, [_fact("f1", "a")])
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert len(errors) == 1 and isinstance(errors[0], EngineError)
    assert "not thread-safe" in str(errors[0])


def test_python_version_range_excludes_313():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["requires-python"] == ">=3.11,<3.13"


def test_only_engine_durable_imports_durable_rules():
    importers = [
        p.relative_to(REPO).as_posix()
        for p in [*sorted(REPO.glob("engine/*.py")), REPO / "cli.py"]
        if "from durable" in p.read_text(encoding="utf-8")
        or "import durable" in p.read_text(encoding="utf-8")
    ]
    assert importers == ["engine/durable.py"]
