"""The engine never fails silently: abandoned work, wrong results and disagreement are loud."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import durable_rules_engine
import pytest
from durable import engine as _durable

import ssa_risk.evaluation.durable
import ssa_risk.evaluation.verify
from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.errors import EngineError
from ssa_risk.console import cli
from ssa_risk.evaluation.compiler import CompiledRuleset
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import load_profile
from tests.helpers import (
    DEFAULT_RULES,
    DEFAULT_TEMPLATES,
    TUNISIA_2020,
    make_compiled,
    make_fact,
    make_pattern,
    make_rule,
)


@pytest.fixture
def slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """durable_rules' clock jumps eleven seconds at every reading, as in a paused process."""
    ticks = itertools.count()
    monkeypatch.setattr(_durable, "_unix_now", lambda: 11.0 * next(ticks))


def _chain() -> CompiledRuleset:
    """Three rules that fire one after another through signals: several actions per run."""
    return make_compiled(
        make_rule("G1", [make_pattern("a", "x")], conclude="one"),
        make_rule("G2", [make_pattern("signal", "s", name="one")], conclude="two"),
        make_rule("G3", [make_pattern("signal", "s", name="two"), make_pattern("a", "y")]),
    )


def test_actions_that_end_after_ten_seconds_are_not_abandoned(slow_clock):
    firings, signals = ssa_risk.evaluation.durable.evaluate(
        _chain(), [make_fact("f1", "a"), make_fact("f2", "a")]
    )
    assert sorted({f.rule_id for f in firings}) == ["G1", "G2", "G3"]
    assert len(signals) == 4  # G1 twice (two facts), G2 once per 'one' signal


def test_work_the_engine_abandons_is_an_error_not_a_smaller_result(monkeypatch):
    # The engine hands out no further action after the first one, leaving the rest queued.
    monkeypatch.setattr(durable_rules_engine, "complete_and_start_action", lambda *args: None)
    with pytest.raises(EngineError) as info:
        ssa_risk.evaluation.durable.evaluate(_chain(), [make_fact("f1", "a"), make_fact("f2", "a")])
    # The first action is never completed, so the end marker's call runs no action at all.
    assert str(info.value) == (
        "the engine stopped before finishing (it returned None instead of the session state "
        "after 1 action); the assessment would be incomplete, so none is given"
    )


def test_a_result_that_is_not_the_session_state_is_an_error(monkeypatch):
    compiled = make_compiled(make_rule("G4", [make_pattern("a", "x")]))
    # Code 3: the engine took the facts but gave no state back.
    monkeypatch.setattr(durable_rules_engine, "assert_facts", lambda handle, batch: (3, 0))
    with pytest.raises(EngineError) as info:
        ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "a")])
    assert str(info.value) == (
        "the engine stopped before finishing (it returned 0 instead of the session state after "
        "0 actions); the assessment would be incomplete, so none is given"
    )


def test_an_action_the_engine_still_holds_is_an_error(monkeypatch):
    compiled = make_compiled(make_rule("G7", [make_pattern("a", "x")]))
    monkeypatch.setattr(
        _durable.durable_rules_engine, "start_action", lambda handle: ("{}", "{}", 0)
    )
    with pytest.raises(EngineError, match="the engine left actions unfinished after 1 action;"):
        ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "b")])


def test_a_fact_the_engine_did_not_store_is_an_error(monkeypatch):
    compiled = make_compiled(make_rule("G5", [make_pattern("a", "x")]))
    real = durable_rules_engine.get_facts
    monkeypatch.setattr(
        durable_rules_engine,
        "get_facts",
        lambda handle, sid: json.dumps(json.loads(real(handle, sid))[1:]),
    )
    with pytest.raises(EngineError, match="the engine stored 3 facts where 4 were asserted"):
        ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "a"), make_fact("f2", "b")])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (1, "a fact reached no rule despite the sentinel rule"),
        (2, "the engine rejected a fact as a duplicate of another (identity collision)"),
    ],
)
def test_a_fact_the_engine_refuses_is_an_error(monkeypatch, code, message):
    compiled = make_compiled(make_rule("G8", [make_pattern("a", "x")]))
    monkeypatch.setattr(durable_rules_engine, "assert_facts", lambda handle, batch: (code, 0))
    with pytest.raises(EngineError) as info:
        ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "a")])
    assert str(info.value) == message


def test_an_action_that_raises_is_an_error(monkeypatch):
    compiled = make_compiled(make_rule("G9", [make_pattern("a", "x")]))
    monkeypatch.setattr(ssa_risk.evaluation.durable, "Firing", lambda *args: 1 / 0, raising=True)
    with pytest.raises(EngineError) as info:
        ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "a")])
    assert str(info.value) == "a rule action failed: ['G9: ZeroDivisionError: division by zero']"


@pytest.mark.parametrize("rule_id", ["$start", "$sentinel", "$end"])
def test_internal_rule_names_cannot_be_replaced(rule_id):
    compiled = make_compiled(make_rule(rule_id, [make_pattern("a", "x")]))
    with pytest.raises(EngineError, match="are reserved for the engine"):
        ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "a")])


def test_end_marker_is_asserted_even_without_negation():
    # Every call must return the session state; the end rule guarantees an action runs.
    compiled = make_compiled(make_rule("G6", [make_pattern("a", "x")]))
    firings, _ = ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "b")])
    assert firings == []


# --- --verify: the independent evaluation as a cross-check ---------------------------------


def test_verify_agrees_on_the_bundled_profile():
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES, verify=True)
    assert assessor.assess(TUNISIA_2020).overall == "high risk — conditions required"


class _Disagreeing(Evaluator):
    """An evaluation that finds one rule fewer than the engine does."""

    def __init__(self, ruleset, facts):
        super().__init__(ruleset, facts)
        self.matches.pop("CMR-02", None)


def test_verify_refuses_to_give_an_assessment_when_the_two_disagree(monkeypatch):
    monkeypatch.setattr(ssa_risk.evaluation.verify, "Evaluator", _Disagreeing)
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES, verify=True)
    with pytest.raises(EngineError) as info:
        assessor.assess(TUNISIA_2020, "profiles/tunisia/2020.yaml")
    assert str(info.value) == (
        "profiles/tunisia/2020.yaml: the rules engine and the independent check disagree "
        "(only the engine: CMR-02; only the check: nothing); no assessment is given"
    )


def test_verify_disagreement_exits_1_with_one_line_and_no_report(run_cli, monkeypatch):
    monkeypatch.setattr(ssa_risk.evaluation.verify, "Evaluator", _Disagreeing)
    result = run_cli("assess", str(TUNISIA_2020), "--verify", "-o", "out.md")
    assert result.exit_code == 1
    assert result.stderr.startswith("ssa-risk: the rules engine failed: ")
    assert result.stderr.endswith(
        "no assessment is given — this is a bug, not a mistake in your files; rerun with "
        "--debug for the traceback and report it\n"
    )
    assert not Path("out.md").exists()


def test_without_verify_the_check_does_not_run(run_cli, monkeypatch):
    monkeypatch.setattr(ssa_risk.evaluation.verify, "Evaluator", _Disagreeing)
    result = run_cli("assess", str(TUNISIA_2020), "-o", "out.md")
    assert result.exit_code == 0, result.stderr


def test_verify_is_offered_wherever_profiles_are_assessed():
    for name in ("assess", "diff", "impact"):
        options = {o for p in cli.main.commands[name].params for o in getattr(p, "opts", [])}
        assert "--verify" in options, name


def test_explain_and_the_engine_agree_on_every_rule_of_the_bundled_profile():
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    profile = load_profile(TUNISIA_2020)
    facts = profile_facts(profile)
    firings, _ = ssa_risk.evaluation.durable.evaluate(assessor.compiled, facts)
    assert ssa_risk.evaluation.verify.engine_findings(assessor.ruleset, firings) == (
        ssa_risk.evaluation.verify.evaluator_findings(
            assessor.ruleset, Evaluator(assessor.ruleset, facts)
        )
    )


# --- profile size limits: bounded time and memory ---------------------------------------


def _profile_with(tmp_path: Path, institutions: int) -> Path:
    lines = [
        "schema_version: 1",
        "country: Bigland",
        "iso3: BIG",
        "as_of: 2020-01",
        "sources: [{id: s, title: A source}]",
        "institutions:",
    ]
    lines += [
        f"  - {{id: f{k}, name: Force {k}, kind: armed_forces, political_role: rising}}"
        for k in range(institutions)
    ]
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_profile_over_a_list_limit_is_refused_with_the_limit(run_cli, tmp_path):
    # 5,000 armed forces once needed 14 GB, and the engine dropped work: "suitable".
    path = _profile_with(tmp_path, 5000)
    result = run_cli("assess", str(path), "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "big.yaml:6:1: institutions: 5,000 entries, over the limit of 100 — keep the entries "
        "that matter for the assessment (the limit keeps an assessment's time and memory "
        "bounded), or merge entries that say the same thing\n"
    )
    assert not (tmp_path / "out.md").exists()


def test_a_profile_at_the_list_limit_is_assessed(run_cli, tmp_path):
    path = _profile_with(tmp_path, 100)
    result = run_cli("assess", str(path), "-o", "out.md", "--verify")
    assert result.exit_code == 0, result.stderr


def test_an_error_between_actions_leaves_no_action_for_the_next_profile(monkeypatch):
    # The engine refuses a signal an action concluded: that evaluation fails, and the action
    # it was in is given back, so the next evaluation does not find it waiting.
    compiled = _chain()
    with monkeypatch.context() as patch:
        patch.setattr(durable_rules_engine, "assert_fact", lambda handle, fact: (2, 0))
        with pytest.raises(EngineError) as info:
            ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f1", "a")])
    assert str(info.value) == (
        "the engine rejected a fact as a duplicate of another (identity collision)"
    )
    firings, _ = ssa_risk.evaluation.durable.evaluate(compiled, [make_fact("f2", "a")])
    assert sorted({f.rule_id for f in firings}) == ["G1", "G2", "G3"]
