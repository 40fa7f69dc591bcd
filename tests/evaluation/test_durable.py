"""Each durable_rules workaround in evaluation/durable.py, pinned by a test that fails without
it."""

from __future__ import annotations

import shutil
import threading
import tomllib
from pathlib import Path

import pytest

import ssa_risk.evaluation.durable
from ssa_risk.base.errors import EngineError
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_ruleset
from ssa_risk.evaluation.durable import RuleEngine, evaluate
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import load_profile
from ssa_risk.rules.loader import load_rules
from tests.helpers import TUNISIA_2020, make_compiled, make_fact, make_pattern, make_rule

REPO = Path(__file__).resolve().parents[2]


def test_host_starts_no_timer_threads():
    before = {t.ident for t in threading.enumerate()}
    RuleEngine()
    after = [t for t in threading.enumerate() if t.ident not in before]
    assert after == []


def test_registering_the_same_ruleset_twice_is_free_and_does_not_mutate_it():
    compiled = make_compiled(make_rule("R1", [make_pattern("a", "x")]))
    snapshot = repr(compiled.definition)
    engine = RuleEngine.get()
    engine.register(compiled)
    engine.register(compiled)  # durable_rules itself raises "already registered"
    assert repr(compiled.definition) == snapshot  # durable_rules deletes 'run' in place


def test_a_fact_no_rule_matches_does_not_fail_the_batch():
    compiled = make_compiled(make_rule("R2", [make_pattern("a", "x")]))
    firings, _ = evaluate(compiled, [make_fact("f1", "unmatched"), make_fact("f2", "a")])
    assert [f.rule_id for f in firings] == ["R2"]


def test_session_where_no_rule_fires_cleans_up_without_crashing():
    compiled = make_compiled(make_rule("R3", [make_pattern("a", "x")]))
    for _ in range(3):  # delete_state on an action-less session segfaults without the start rule
        firings, _ = evaluate(compiled, [make_fact("f1", "b")])
        assert firings == []


def test_exception_inside_an_action_is_raised_not_swallowed(monkeypatch):
    compiled = make_compiled(make_rule("R4", [make_pattern("a", "x")]))

    def broken(*args: object) -> None:
        raise ValueError("kaboom")

    monkeypatch.setattr(ssa_risk.evaluation.durable, "Firing", broken)
    with pytest.raises(EngineError, match=r"a rule action failed: .*R4: ValueError: kaboom"):
        evaluate(compiled, [make_fact("f1", "a")])


def test_two_facts_with_one_identity_raise_instead_of_losing_one():
    compiled = make_compiled(make_rule("R5", [make_pattern("a", "x")]))
    with pytest.raises(EngineError, match=r"two facts shared an identity \(same\)"):
        evaluate(compiled, [make_fact("same", "a", v=1), make_fact("same", "a", v=2)])
    # The engine stays usable afterwards (no half-stored session, no crash on cleanup).
    firings, _ = evaluate(compiled, [make_fact("f1", "a")])
    assert [f.rule_id for f in firings] == ["R5"]


def test_facts_with_equal_fields_but_distinct_ids_are_both_kept():
    compiled = make_compiled(make_rule("R6", [make_pattern("a", "x")]))
    firings, _ = evaluate(compiled, [make_fact("f1", "a", v=1), make_fact("f2", "a", v=1)])
    assert sorted(f.bindings for f in firings) == [(("x", "f1"),), (("x", "f2"),)]


@pytest.mark.parametrize("order", ["negated-fact-first", "negated-fact-last"])
def test_none_condition_holds_whatever_order_facts_arrive_in(order):
    rule = make_rule(
        "R7", [make_pattern("assistance", "aid")], none=[make_pattern("framework", "n", seq=True)]
    )
    compiled = make_compiled(rule)
    facts = [make_fact("aid", "assistance"), make_fact("fw", "framework", seq=True)]
    if order == "negated-fact-first":
        facts.reverse()
    firings, _ = evaluate(compiled, facts)
    assert firings == []
    firings, _ = evaluate(compiled, [make_fact("aid", "assistance")])
    assert [f.rule_id for f in firings] == ["R7"]


def test_rule_with_only_a_negated_condition_still_fires():
    compiled = make_compiled(make_rule("R8", [], none=[make_pattern("framework", "n")]))
    firings, _ = evaluate(compiled, [make_fact("aid", "assistance")])
    assert [f.rule_id for f in firings] == ["R8"]


def test_negation_sees_signals_concluded_during_the_session():
    concl = make_rule("S1", [make_pattern("a", "x")], conclude="flag")
    neg = make_rule("R9", [make_pattern("a", "x")], none=[make_pattern("signal", "n", name="flag")])
    firings, signals = evaluate(make_compiled(concl, neg), [make_fact("f1", "a")])
    assert [f.rule_id for f in firings] == ["S1"]
    assert [s.fields["name"] for s in signals.values()] == ["flag"]


def test_signal_asserted_in_an_action_reaches_rules_that_use_it():
    concl = make_rule("S2", [make_pattern("a", "x")], conclude="elevated")
    use = make_rule("R10", [make_pattern("signal", "s", name="elevated")])
    firings, _ = evaluate(make_compiled(concl, use), [make_fact("f1", "a")])
    assert [f.rule_id for f in firings] == ["S2", "R10"]


def test_engine_refuses_calls_from_another_thread():
    compiled = make_compiled(make_rule("R11", [make_pattern("a", "x")]))
    RuleEngine.get().register(compiled)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            evaluate(compiled, [make_fact("f1", "a")])
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


def test_only_the_adapter_and_the_pattern_probe_use_durable_rules():
    # The pattern probe asks durable_rules' compiler, in a child process, which `matches`
    # patterns it can build; everything else goes through the adapter.
    importers = [
        p.relative_to(REPO).as_posix()
        for p in [*sorted(REPO.glob("engine/**/*.py")), REPO / "cli.py"]
        if "from durable" in p.read_text(encoding="utf-8")
        or "import durable" in p.read_text(encoding="utf-8")
    ]
    assert importers == ["engine/evaluation/durable.py", "engine/rules/patterns.py"]


def test_one_fact_never_fills_two_conditions_of_a_rule():
    rule = make_rule("R20", [make_pattern("inst", "i"), make_pattern("inst", "j")])
    firings, _ = evaluate(make_compiled(rule), [make_fact("a", "inst"), make_fact("h", "inst")])
    assert sorted(f.bindings for f in firings) == [
        (("i", "a"), ("j", "h")),
        (("i", "h"), ("j", "a")),
    ]


def test_a_none_condition_ignores_the_facts_the_rule_bound():
    rule = make_rule(
        "R21",
        [make_pattern("inst", "i", role="army")],
        none=[make_pattern("inst", "n", role="army")],
    )
    firings, _ = evaluate(make_compiled(rule), [make_fact("a", "inst", role="army")])
    assert [f.rule_id for f in firings] == ["R21"]


RULE_TAIL = """    because: x
    recommend: [x]
    cite: [{ref: sam2020}]
"""


def _append(rules_dir: Path, name: str, text: str) -> None:
    path = rules_dir / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _agree(rules_dir: Path, profile: Path) -> set[str]:
    ruleset = load_rules(rules_dir)
    facts = profile_facts(load_profile(profile))
    firings, _ = evaluate(compile_ruleset(ruleset), facts)
    engine = {f.rule_id for f in firings}
    assert Evaluator(ruleset, facts).fired == engine
    return engine


def test_negating_rule_using_a_signal_from_another_negating_rule(rules_copy):
    _append(
        rules_copy,
        "threat_environment.yaml",
        """\
  - id: X-B
    title: Uses a late signal
    severity: low
    when:
      all:
        - signal: sig_neg
      none:
        - fact: framework
          where: {name: Nothing}
"""
        + RULE_TAIL
        + """\
  - id: X-A
    title: Concludes a late signal
    conclude: sig_neg
    when:
      all:
        - fact: assistance
      none:
        - fact: framework
          where: {name: Nothing}
    cite: [{ref: sam2020}]
""",
    )
    assert {"X-A", "X-B"} <= _agree(rules_copy, TUNISIA_2020)


def test_matches_ignores_case_of_ascii_letters_only(rules_copy, tunisia_copy):
    _append(
        rules_copy,
        "institutional_rivalry.yaml",
        """\
  - id: RIV-90
    title: Accented name
    severity: low
    when:
      all:
        - fact: institution
          where: {name: {matches: "SÛRETÉ*"}}
"""
        + RULE_TAIL,
    )
    path = tunisia_copy / "2010.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Internal security forces", "name: Sûreté forces", 1))
    assert "RIV-90" not in _agree(rules_copy, tunisia_copy / "2020.yaml")


def test_rule_sets_differing_only_in_a_signal_concluded_each_conclude_their_own(tmp_path):
    # Same conditions, so the same compiled definition: the engine registers a ruleset by
    # name, so a name from the definition alone made the second set conclude the first's
    # signal when both were evaluated in one process (an impact run).
    edited = tmp_path / "rules"
    shutil.copytree(REPO / "rules", edited)
    rule = "  - id: CMR-20\n"
    text = (edited / "civil_military.yaml").read_text(encoding="utf-8")
    start = text.index(rule)
    head, tail = text[:start], text[start:]
    tail = tail.replace("conclude: coup_prone", "conclude: coup_trap_recent", 1)
    (edited / "civil_military.yaml").write_text(head + tail, encoding="utf-8")
    bundled = compile_ruleset(load_rules(REPO / "rules"))
    changed = compile_ruleset(load_rules(edited))
    assert changed.definition == bundled.definition
    assert changed.name != bundled.name
    facts = profile_facts(load_profile(REPO / "profiles" / "philippines" / "2010.yaml"))

    def concluded(compiled: CompiledRuleset) -> list[str]:
        _, signals = evaluate(compiled, facts)
        return sorted(s.fields["name"] for s in signals.values() if s.fields["by"] == "CMR-20")

    assert concluded(bundled) == ["coup_prone"]
    assert concluded(changed) == ["coup_trap_recent"]
    assert concluded(bundled) == ["coup_prone"]
