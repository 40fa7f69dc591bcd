"""durable_rules' limits are checked when rules load: exact, and before the engine sees a rule."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.base.errors import EngineError, InputError
from ssa_risk.base.source import load_yaml
from ssa_risk.evaluation.compiler import MAX_STACK, CompiledRuleset, compile_rule, compile_ruleset
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.profile.facts import Fact
from ssa_risk.profile.reader import validate_document
from ssa_risk.rules.loader import RuleSet, load_rules
from tests.helpers import DEFAULT_RULES

LENS_FILE = "executive_centralisation.yaml"


def _rule(rule_id: str, where: str, fact: str = "programme", extra: str = "") -> str:
    return f"""
  - id: {rule_id}
    title: A test rule.
    severity: low
    when:
      all:
        - fact: {fact}
          where: {where}{extra}
    because: A test rule.
    recommend: [Watch it.]
    cite: [{{ref: sam2020}}]"""


def _add(rules_copy: Path, *rules: str) -> Path:
    path = rules_copy / LENS_FILE
    path.write_text(path.read_text(encoding="utf-8") + "".join(rules) + "\n", encoding="utf-8")
    return path


def _problems(rules_copy: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        compile_ruleset(load_rules(rules_copy))
    return [str(p) for p in info.value.problems]


def _line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_an_id_too_long_for_a_message_is_shown_cut_short(rules_copy):
    # Other unusable ids are fixtures (tests/fixtures/rules/unusable-ids.yaml); this one would
    # be a 100,000-character line.
    _add(rules_copy, _rule("X" * 100_000, "{code: A}"))
    assert [p.split(": ", 1)[1] for p in _problems(rules_copy)] == [
        f"rule id {json.dumps('X' * 37 + '...')} is not usable: it is 100000 characters, over"
        " the limit of 32 — write an id such as CMR-04"
    ]


def test_bundled_ids_are_all_usable():
    assert compile_ruleset(load_rules(Path("rules")))


def test_a_text_longer_than_the_engine_matches_is_refused_by_the_validator(tmp_path):
    profile = Path("profiles/tunisia/2020.yaml").read_text(encoding="utf-8")
    for size, text, shown in [
        (65_535, "x" * 65_535, None),
        (65_536, "x" * 65_536, "text is 65,536 characters, over the limit of 65,535"),
        (
            40_000,
            "é" * 40_000,
            "text is 40,000 characters (80,000 bytes as the rules engine stores it), over the "
            "limit of 65,535",
        ),
    ]:
        path = tmp_path / f"p{size}.yaml"
        # The long text replaces the summary (line 12); the old summary becomes an unknown key.
        path.write_text(
            profile.replace("summary: >-", f"summary: {text}\nold: >-", 1), encoding="utf-8"
        )
        doc = load_yaml(path, str(path))
        found = [
            str(p) for p in validate_document(doc, date(2026, 1, 1)) if "limit of 65" in str(p)
        ]
        line = 12
        assert found == (
            [] if shown is None else [f"{path}:{line}:1: summary: {shown} — shorten it or split it"]
        )


def test_the_engine_matches_up_to_the_limit_and_not_beyond():
    """Pins the limit the validator enforces: the engine reads a text's length as 16 bits."""
    definition = {"R": {"all": [{"m": {"$and": [{"fact": "coup"}, {"$imt": {"note": "x.*"}}]}}]}}
    compiled = CompiledRuleset("limits-text", definition, {})
    fired, _ = evaluate(compiled, [Fact("c1", "coup", (), {"note": "x" * 65_535})])
    assert [f.rule_id for f in fired] == ["R"]


def test_lint_and_assess_exit_2_on_a_crashing_pattern_without_crashing(rules_copy):
    _add(rules_copy, _rule("X-1", "{note: {matches: '" + "*" * 130 + "'}}", fact="coup"))
    for args in (
        ["rules", "lint", str(rules_copy)],
        [
            "assess",
            "--rules",
            str(rules_copy),
            "profiles/tunisia/2020.yaml",
            "-o",
            str(rules_copy / "out.md"),
        ],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 2:
            done = subprocess.run(
                [str(Path(sys.executable).parent / "ssa-risk"), *args],
                capture_output=True,
                text=True,
                timeout=60,
            )
        assert done.returncode == 2, done.stdout + done.stderr
        assert "crashes the engine" in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    assert not (rules_copy / "out.md").exists()


def test_an_in_list_of_512_values_is_refused_before_registration_hangs(rules_copy):
    path = _add(
        rules_copy, _rule("X-1", json.dumps({"code": {"in": [f"C{i}" for i in range(512)]}}))
    )
    where = json.dumps({"code": {"in": [f"C{i}" for i in range(512)]}})
    line = _line_of(path, "          where: " + where)
    assert _problems(rules_copy) == [
        f"{path}:{line}:28: 'in' lists 512 values, over the engine's limit of 511"
        " — split the list into two rules or use a signal"
    ]


def test_an_in_list_that_fills_an_engine_node_is_refused_and_a_smaller_one_works(rules_copy):
    # Bundled rules already put tests under 'programme' facts: 511 values more would hang.
    _add(rules_copy, _rule("X-1", json.dumps({"code": {"in": [f"C{i}" for i in range(511)]}})))
    assert [p.split(": ", 1)[1] for p in _problems(rules_copy)] == [
        "rule X-1: more than 511 different tests follow one test, over the engine's limit"
        " — split the list into two rules or use a signal"
    ]
    path = rules_copy / LENS_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n  - id: X-1")] + "\n", encoding="utf-8")
    _add(rules_copy, _rule("X-1", json.dumps({"code": {"in": [f"C{i}" for i in range(500)]}})))
    ruleset = load_rules(rules_copy)
    fired, _ = evaluate(compile_ruleset(ruleset), [Fact("p1", "programme", (), {"code": "C499"})])
    assert "X-1" in [f.rule_id for f in fired]


def test_any_alternatives_count_once_each_is_its_own_engine_rule(rules_copy):
    # 15 'all' conditions and 3 alternatives: each engine rule holds 16 facts.
    extra = "".join(f"\n        - fact: programme\n          as: p{i}" for i in range(14))
    extra += "\n      any:" + "\n        - fact: coup" * 3
    _add(rules_copy, _rule("X-1", "{code: A}", extra=extra))
    compiled = compile_ruleset(load_rules(rules_copy))
    assert [n for n in compiled.definition if n.startswith("X-1")] == ["X-1#0", "X-1#1", "X-1#2"]


def test_sixteen_conditions_in_one_rule_load_and_fire(rules_copy):
    # Each condition matches one fact: conditions that match every fact multiply the
    # engine's partial matches (16 facts over 16 such conditions exhaust memory).
    extra = "".join(
        f"\n        - fact: programme\n          as: p{i}\n          where: {{code: A{i}}}"
        for i in range(15)
    )
    _add(rules_copy, _rule("X-1", "{code: A}", extra=extra))
    compiled = compile_ruleset(load_rules(rules_copy))
    facts = [
        Fact(f"p{i}", "programme", (), {"code": f"A{i}" if i < 15 else "A"}) for i in range(16)
    ]
    fired, _ = evaluate(compiled, facts)
    assert "X-1" in [f.rule_id for f in fired]


def test_several_hundred_rules_over_one_fact_kind_load_and_evaluate(rules_copy):
    """The old guess refused more than 60 conditions per fact kind; the engine takes these."""
    _add(
        rules_copy,
        *(_rule(f"X-{i}", f"{{code: C{i}, total_usd: {{gt: {i}}}}}") for i in range(500)),
    )
    compiled = compile_ruleset(load_rules(rules_copy))
    facts = [
        Fact(f"p{i}", "programme", (), {"code": f"C{i}", "total_usd": 10_000}) for i in range(500)
    ]
    fired, _ = evaluate(compiled, facts)
    assert {f.rule_id for f in fired} >= {f"X-{i}" for i in range(500)}


# The programme fact that reaches the most tests (it meets the bundled rules' tests too), in
# each order a profile can give its fields: those written in the profile in the profile's
# order, then the derived years_ago (profile/facts.py). The engine pushes a node's tests
# field by field, so the order decides how high its stack grows.
PROBE_FIELDS = {"total_usd": 10**9, "kind": "education_and_training", "recipient": "x"}
PROBE_DERIVED = {"years_ago": 1}


def _fails_in_some_order(compiled: CompiledRuleset, n: int) -> bool:
    """Whether the engine fails (error 303) on the probe fact in some order of its fields; in
    every order it runs, each of the `n` X rules fires."""
    failed = False
    for i, order in enumerate(itertools.permutations(PROBE_FIELDS)):
        fields = {**{k: PROBE_FIELDS[k] for k in order}, **PROBE_DERIVED}
        fact = Fact("p1", "programme", (), fields)
        try:
            # Registered afresh each time: after error 303 the engine keeps the half-asserted
            # fact's actions, and the next session of that rule set finds them unfinished.
            fired, _ = evaluate(replace(compiled, name=f"{compiled.name}-{i}"), [fact])
        except EngineError as exc:
            assert "303" in str(exc)
            failed = True
        else:
            assert len([f for f in fired if f.rule_id.startswith("X-")]) == n
    return failed


def _unchecked(ruleset: RuleSet) -> CompiledRuleset:
    """The rule set as the engine would get it without the limit check."""
    definition: dict[str, Any] = {}
    rule_ids: dict[str, str] = {}
    for rule in ruleset.rules:
        for name, antecedent in compile_rule(rule).items():
            definition[name], rule_ids[name] = antecedent, rule.id
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:16]
    conclusions = {r.id: r.conclude for r in ruleset.rules if r.conclude}
    return CompiledRuleset(f"unchecked-{digest}", definition, conclusions, rule_ids)


def _stack_threshold(rules_copy: Path, extra: str = "") -> tuple[int, list[str]]:
    """The fewest X rules (`total_usd > i`, tests that all hold at once) that the check
    refuses, with its problems. The engine must run the largest set accepted in every order
    of the fact's fields, and fail on the first set refused in some order."""
    if extra:
        _append(rules_copy, "institutional_rivalry.yaml", extra)
    path = rules_copy / LENS_FILE
    original = path.read_text(encoding="utf-8")
    accepted = None
    for n in range(52, 70):
        path.write_text(original, encoding="utf-8")
        _add(rules_copy, *(_rule(f"X-{i}", f"{{total_usd: {{gt: {i}}}}}") for i in range(n)))
        ruleset = load_rules(rules_copy)
        try:
            accepted = compile_ruleset(ruleset)
        except InputError as exc:
            assert accepted is not None, "the search starts too high"
            assert not _fails_in_some_order(accepted, n - 1), f"{n - 1} accepted, engine fails"
            assert _fails_in_some_order(_unchecked(ruleset), n), f"{n} refused, but engine runs"
            return n, [str(p) for p in exc.problems]
    raise AssertionError("no number of X rules was refused")


def _stack_message(rules_copy: Path, named: str, more: int) -> str:
    return (
        f"{rules_copy / 'civil_military.yaml'}:{_rule_line(rules_copy, 'CMR-07')}: a 'programme'"
        f" fact can be passing {MAX_STACK + 1} condition tests at once, over the engine's limit"
        f" of {MAX_STACK}; the tests are those of rules {named} and {more} more — split those"
        " rules' conditions on 'programme': start them with an equality test that tells facts"
        " apart (e.g. code), or conclude a signal once and test the signal"
    )


def test_tests_one_fact_passes_at_once_are_counted_exactly(rules_copy):
    """Conditions whose second tests can all hold at once: the engine's stack of 64. The
    check refuses the first number of them that makes the engine fail, and no fewer."""
    over, problems = _stack_threshold(rules_copy)
    # Named at the rule with the most tests on the stack: bundled rules with two tests or more
    # there come first, then the generated ones in order, eight in all (four bundled rules in
    # all: CMR-07's programme test, kind and join, the two joins of RIV-01 and of RIV-10's
    # `none`, CMR-37's join and years_ago; THR-04's kind test cannot hold with CMR-07's).
    assert problems == [
        _stack_message(
            rules_copy, "CMR-07, RIV-01, RIV-10, CMR-37, X-0, X-1, X-2, X-3", over + 4 - 8
        )
    ]


# A `none` whose programme tests are those of RIV-01's first two alternatives: in the same order
# (each join is a node of its own in the engine, so a fact passes both chains), or reordered.
NONE_RULE = """  - id: RIV-90
    title: Repeats RIV-01's tests
    severity: low
    subject: riv
    when:
      all:
        - fact: rivalry
          as: riv
          where: {intensity: {in: [high, severe]}, assistance_is_currency: true}
      none:
        - fact: programme
          where: {FIRST_A, SECOND_A}
        - fact: programme
          where: {FIRST_B, SECOND_B}
"""


def _none_rule(reordered: bool) -> str:
    tests = {
        "A": ["recipient: {eq: {ref: riv.party_a}}", "years_ago: {lte: 2}"],
        "B": ["recipient: {eq: {ref: riv.party_b}}", "years_ago: {lte: 2}"],
    }
    text = NONE_RULE
    for side, (first, second) in tests.items():
        if reordered:
            first, second = second, first
        text = text.replace(f"FIRST_{side}", first).replace(f"SECOND_{side}", second)
    return text + RULE_TAIL


def test_a_none_repeating_a_condition_s_tests_is_counted_as_the_engine_builds_it(rules_copy):
    """The engine shares no join, so a fact passes RIV-01's programme tests and the `none`'s
    both: two X rules fewer are accepted. The count that shared them accepted both sets
    below this one, and the engine failed on them with error 303."""
    over, problems = _stack_threshold(rules_copy, _none_rule(reordered=False))
    alone, _ = _stack_threshold(_fresh_copy(rules_copy))
    assert over == alone - 2
    assert problems == [
        _stack_message(
            rules_copy, "CMR-07, RIV-01, RIV-10, RIV-90, CMR-37, X-0, X-1, X-2", over + 5 - 8
        )
    ]


def test_a_none_with_the_tests_reordered_is_accepted_as_far_as_the_engine_runs(rules_copy):
    """years_ago first: that test is GOV-07's too (shared), and the two joins follow it there.
    A programme's years_ago (derived) comes after the fields its profile writes, so every
    test a fact passes on those fields is still on the stack below the two joins: one X rule
    fewer is accepted."""
    over, problems = _stack_threshold(rules_copy, _none_rule(reordered=True))
    alone, _ = _stack_threshold(_fresh_copy(rules_copy))
    assert over == alone - 1
    assert problems == [
        _stack_message(
            rules_copy, "CMR-07, RIV-01, RIV-10, RIV-90, X-0, X-1, X-2, X-3", over + 5 - 8
        )
    ]


def test_tests_no_one_value_passes_together_are_not_counted_together(rules_copy):
    """Ten `total_usd < -i` tests: a value below -9 passes them all, but none of the X rules'
    `total_usd > i`, so as many X rules are accepted as without them (the count that took
    every comparison to hold refused ten fewer)."""
    below = "".join(_rule(f"Y-{i}", f"{{total_usd: {{lt: {-i}}}}}") for i in range(10))
    over, _ = _stack_threshold(rules_copy, below.lstrip("\n") + "\n")
    alone, _ = _stack_threshold(_fresh_copy(rules_copy))
    assert over == alone


def _fresh_copy(rules_copy: Path) -> Path:
    target = rules_copy.parent / "rules-alone"
    shutil.copytree(DEFAULT_RULES, target)
    return target


def _rule_line(rules_dir: Path, rule_id: str) -> int:
    """The line of a rule's `- id:` in its file."""
    for path in sorted(rules_dir.glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() == f"- id: {rule_id}":
                return number
    raise AssertionError(f"no rule {rule_id} in {rules_dir}")


def _append(rules_dir: Path, name: str, text: str) -> None:
    path = rules_dir / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


RULE_TAIL = """    because: x
    recommend: [x]
    cite: [{ref: sam2020}]
"""


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "{new_force_since: {lt: {ref: i.new_force_since}}}",
            "a join ({ref: ...}) can only test equality, not 'lt'"
            " — write field: {eq: {ref: name.field}}",
        ),
        (
            "{between: [army, police]}",
            "rivalry.between is a list: 'eq' cannot compare it"
            " — use contains: VALUE to ask whether the list holds a value",
        ),
    ],
    ids=["ordered-join", "list-eq"],
)
def test_forms_the_engine_cannot_run_are_refused_when_rules_load(rules_copy, where, message):
    kind = "institution" if "new_force" in where else "rivalry"
    _append(
        rules_copy,
        "institutional_rivalry.yaml",
        f"""\
  - id: RIV-91
    title: Refused form
    severity: low
    when:
      all:
        - fact: institution
          as: i
        - fact: {kind}
          where: {where}
"""
        + RULE_TAIL,
    )
    with pytest.raises(Exception) as info:
        load_rules(rules_copy)
    assert str(info.value).endswith(message)
