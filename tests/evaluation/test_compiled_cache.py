"""The cache of compiled rule sets (ssa_risk.evaluation.compiler, ssa_risk.base.cache): a rule
set read from or stored in the cache of checked rule sets is compiled once, under the same
key; a changed rule file compiles again; a damaged entry or a rule set with problems is never
taken from the cache; without the cache every compile does the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssa_risk.base import cache
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.evaluation import compiler
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_ruleset
from ssa_risk.rules.loader import RuleSet, load_rules


@pytest.fixture
def folder(own_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own, the working folder beside it."""
    monkeypatch.chdir(tmp_path)
    return own_cache


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rule sets (by folder) compiled from their rules rather than read from the cache."""
    seen: list[str] = []
    real = compiler._compile

    def counted(ruleset: RuleSet) -> CompiledRuleset:
        seen.append(ruleset.directory)
        return real(ruleset)

    monkeypatch.setattr(compiler, "_compile", counted)
    return seen


def entries(folder: Path) -> list[Path]:
    found = folder / "compiled"
    return sorted(found.glob("*.bin")) if found.is_dir() else []


def same(a: CompiledRuleset, b: CompiledRuleset) -> bool:
    return (a.name, a.definition, a.conclusions, a.rule_ids) == (
        b.name,
        b.definition,
        b.conclusions,
        b.rule_ids,
    )


def test_a_rule_set_is_compiled_once_then_read_back(folder, rules_copy, compiles):
    stored = load_rules(rules_copy)  # a miss of the rules cache: stored, with its key
    assert stored.cache_key is not None
    first = compile_ruleset(stored)
    assert compiles == ["rules"] and len(entries(folder)) == 1
    hit = load_rules(rules_copy)  # read from the rules cache, with the same key
    assert hit.cache_key == stored.cache_key
    again = compile_ruleset(hit)
    assert compiles == ["rules"]  # read from the entry, not compiled
    assert again is not first and same(again, first)


def test_an_edited_rule_file_is_compiled_again(folder, rules_copy, compiles):
    before = compile_ruleset(load_rules(rules_copy))
    path = rules_copy / "assistance_design.yaml"
    text = path.read_text(encoding="utf-8")
    # PLAN-02 binds its assistance fact under another name: another compiled form.
    bound = "        - fact: assistance\n          as: aid\n      none:"
    assert text.count(bound) == 1
    path.write_text(text.replace(bound, bound.replace("as: aid", "as: help")), encoding="utf-8")
    after = compile_ruleset(load_rules(rules_copy))
    assert compiles == ["rules", "rules"] and len(entries(folder)) == 2
    assert after.name != before.name
    assert "help" in after.definition["PLAN-02"]["all"][1]
    assert "aid" in before.definition["PLAN-02"]["all"][1]
    # The old text back: the first entry again, nothing compiled.
    path.write_text(text, encoding="utf-8")
    assert same(compile_ruleset(load_rules(rules_copy)), before)
    assert compiles == ["rules", "rules"]


def test_a_damaged_entry_is_compiled_and_written_again(folder, rules_copy, compiles):
    ruleset = load_rules(rules_copy)
    first = compile_ruleset(ruleset)
    (entry,) = entries(folder)
    entry.write_bytes(entry.read_bytes()[:-10] + b"0123456789")
    assert same(compile_ruleset(ruleset), first)
    assert compiles == ["rules", "rules"]
    assert same(compile_ruleset(ruleset), first)
    assert compiles == ["rules", "rules"]  # the entry written again is read


def test_problems_are_never_stored(folder, rules_copy, monkeypatch):
    ruleset = load_rules(rules_copy)
    problem = Problem("rules", None, None, "over a limit", "split the rule")

    def refused(_: RuleSet) -> CompiledRuleset:
        raise InputError([problem])

    real = compiler._compile
    monkeypatch.setattr(compiler, "_compile", refused)
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            compile_ruleset(ruleset)
        assert caught.value.problems == [problem]
    assert entries(folder) == []
    monkeypatch.setattr(compiler, "_compile", real)
    compile_ruleset(ruleset)
    assert len(entries(folder)) == 1


def test_without_the_cache_every_compile_does_the_work(folder, rules_copy, compiles, monkeypatch):
    monkeypatch.setenv(cache.ENV_SWITCH, "off")
    ruleset = load_rules(rules_copy)
    compile_ruleset(ruleset)
    compile_ruleset(ruleset)
    assert compiles == ["rules", "rules"]
    assert entries(folder) == []
