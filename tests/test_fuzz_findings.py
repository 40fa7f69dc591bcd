"""Inputs the fuzzing found that broke a promise: each is exit 2 with one clear line now."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from engine.pipeline import DEFAULT_TEMPLATES

from .conftest import TUNISIA_2020


def test_flow_nesting_too_deep_for_the_parser_is_located(run_cli, tmp_path):
    # The parser recursed past Python's limit: "internal error: RecursionError".
    text = "schema_version: 1\ncountry: X\nnote: " + "[" * 2000 + "]" * 2000 + "\n"
    (tmp_path / "deep.yaml").write_text(text, encoding="utf-8")
    result = run_cli("validate", "deep.yaml")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "deep.yaml:3:71: nesting deeper than 64 levels — flatten the structure",
        "1 problem(s) in 1 of 1 profile(s)",
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
