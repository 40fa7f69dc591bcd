"""Inputs the fuzzing found that broke a promise: each is exit 2 with one clear line now."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_TEMPLATES, TUNISIA_2020


def test_flow_nesting_too_deep_for_the_parser_is_located(run_cli, tmp_path):
    # The parser recursed past Python's limit: "internal error: RecursionError".
    text = "schema_version: 1\ncountry: X\nnote: " + "[" * 2000 + "]" * 2000 + "\n"
    (tmp_path / "deep.yaml").write_text(text, encoding="utf-8")
    result = run_cli("validate", "deep.yaml")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "deep.yaml:3:71: nesting deeper than 64 levels — flatten the structure",
        "1 problem in 1 of 1 profile",
    ]


def test_in_without_a_list_is_reported_not_a_crash(run_cli, rules_copy):
    # The narrative check sampled the first value of a boolean: "internal error: TypeError".
    path = rules_copy / "leverage.yaml"
    text = path.read_text(encoding="utf-8")
    old = "            sales_exceed_grants: true\n"
    assert old in text
    path.write_text(text.replace(old, "            sales_exceed_grants: {in: true}\n", 1))
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 2
    assert "'in' needs a list of values — write [a, b]" in result.output
    assert "internal error" not in result.output


def test_a_template_that_extends_itself_stops_quickly(run_cli, tmp_path):
    # It rendered itself again and again until 20 million characters: 15 s, then exit 2.
    templates = tmp_path / "t"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    report = templates / "report.md.j2"
    report.write_text("{% extends 'report.md.j2' %}\n" + report.read_text(encoding="utf-8"))
    start = time.perf_counter()
    result = run_cli("assess", str(TUNISIA_2020), "--templates", str(templates), "-o", "r.md")
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "template 'report.md.j2' includes, imports or extends templates more than 100 times in"
        " one report — remove the cycle: a template must not include or extend itself, directly"
        " or through another\n"
    )
    assert not Path("r.md").exists()


def test_a_number_the_engine_cannot_read_is_refused(run_cli, tmp_path):
    # durable_rules misread 1e-05 and dropped the fact without a word; the completeness
    # check caught it as an engine failure (exit 1). It is the profile's to fix: exit 2.
    (tmp_path / "p.yaml").write_text(
        "schema_version: 1\ncountry: X\niso3: XXX\nas_of: 2020-01\n"
        "sources: [{id: s, title: T}]\ncivil_military:\n  support_for_military_rule_pct: 1e-05\n",
        encoding="utf-8",
    )
    result = run_cli("assess", "p.yaml", "-o", "r.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "p.yaml:7:3: civil_military.support_for_military_rule_pct: 1e-05 is written in a form"
        " the rules engine cannot read — round it (for example to 4 decimal places), or write 0\n"
    )


def test_matches_on_a_number_is_refused_when_rules_load(run_cli, rules_copy):
    # The engine rejected the whole rule set (error 102): "the rules engine failed".
    path = rules_copy / "leverage.yaml"
    text = path.read_text(encoding="utf-8")
    old = "            sales_usd: {exists: true}\n"
    path.write_text(text.replace(old, "            sales_usd: {matches: '1*'}\n", 1))
    line = text.splitlines().index(old.rstrip("\n")) + 1
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 2
    assert (
        f"rules/leverage.yaml:{line}:25: assistance.sales_usd is not text: 'matches' compares text"
        " — compare it with eq, in, gt, gte, lt or lte"
    ) in result.output.splitlines()


def test_a_narrative_nested_too_deeply_to_parse_is_reported(run_cli, rules_copy):
    path = rules_copy / "leverage.yaml"
    text = path.read_text(encoding="utf-8")
    deep = "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"
    path.write_text(text.replace("    because: >-\n", f"    because: >-\n      {deep}\n", 1))
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 2
    assert "'because' nests expressions too deeply to read" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda data: data["rules"][0].update(definition="{not json"),
            "rules[0].definition: is not the JSON of a rule",
        ),
        (
            lambda data: data.update(country="Tunisia\ud800"),
            "country: text holds an unpaired surrogate, which no file can hold",
        ),
    ],
    ids=["definition", "surrogate"],
)
def test_a_damaged_saved_assessment_is_refused(run_cli, change, problem):
    # Both crashed diff with exit 1 (JSONDecodeError, UnicodeEncodeError).
    assert run_cli("assess", str(TUNISIA_2020), "--format", "json", "-o", "a.json").exit_code == 0
    data = json.loads(Path("a.json").read_text(encoding="utf-8"))
    change(data)
    Path("b.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("diff", "a.json", "b.json")
    assert result.exit_code == 2
    assert result.stderr == (
        f"b.json: is not a complete assessment ({problem}) — write it again with"
        " 'ssa-risk assess --format json'\n"
    )
