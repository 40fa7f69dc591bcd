"""Narratives and templates render in a limited sandbox: bombs, escapes and mistakes in them
are input errors (exit 2) naming the file, the line, the limit and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import render
from engine.pipeline import DEFAULT_TEMPLATES
from engine.sandbox import Limits


@pytest.fixture
def own_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, target)
    return target


def _assess_with(run_cli, templates: Path, body: str, name: str = "report.md.j2"):
    (templates / name).write_text(body, encoding="utf-8")
    result = run_cli(
        "assess", str(DEFAULT_TEMPLATES.parent / "profiles/tunisia/2020.yaml"),
        "--templates", str(templates), "-o", "out.md",
    )  # fmt: skip
    assert result.exit_code == 2
    assert not Path("out.md").exists()
    return result.output.splitlines()


def test_templates_cannot_escape_the_sandbox(run_cli, own_templates):
    lines = _assess_with(
        run_cli, own_templates, "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n"
    )
    assert lines == [
        "templates/report.md.j2:1: template error: access to attribute '__init__' "
        "of 'StrictUndefined' object is unsafe. — fix the template"
    ]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "# Report\n{{ 9**999999999 }}\n",
            2,
            "template 'report.md.j2' computes a number of more than 10,000 bits (about 3,000 "
            "digits) — use smaller exponents and products",
        ),
        (
            "{{ 'x' * 10**9 }}\n",
            1,
            "template 'report.md.j2' builds a text or list longer than 20,000,000 — repeat, pad "
            "or join less",
        ),
        (
            # Ten nested loops writing a little each time: stopped at the output limit.
            "{% set s = 'x' * 1000 %}"
            + "".join(f"{{% for i{n} in range(100) %}}" for n in range(10))
            + "{{ s }}"
            + "{% endfor %}" * 10
            + "\n",
            1,
            "template 'report.md.j2' writes more than 20,000,000 characters — write less: loop "
            "over fewer items and do not repeat large texts",
        ),
        (
            "{% set s %}{% for i in range(100000) %}{% for j in range(100000) %}"
            "{{ 'x' * 1000 }}{% endfor %}{% endfor %}{% endset %}\n",
            1,
            "template 'report.md.j2' writes more than 20,000,000 characters — write less: loop "
            "over fewer items and do not repeat large texts",
        ),
        (
            "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\n{{ m(1) }}\n",
            1,
            "template 'report.md.j2' nests macro calls more than 100 deep — give a macro that "
            "calls itself a case where it stops",
        ),
        (
            "text\n{{ 1 / 0 }}\n",
            2,
            "template error: ZeroDivisionError: division by zero — fix the template",
        ),
        (
            "{{ a.findings | random }}\n",
            1,
            "template error: No filter named 'random'. — fix the template",
        ),
    ],
)
def test_template_bombs_and_mistakes_are_input_errors(run_cli, own_templates, body, line, message):
    lines = _assess_with(run_cli, own_templates, body)
    assert lines == [f"templates/report.md.j2:{line}: {message}"]


def test_nested_loops_stop_at_the_step_limit(run_cli, own_templates, monkeypatch):
    monkeypatch.setattr(
        render,
        "TEMPLATE_LIMITS",
        Limits(output=10**6, steps=1000, value=10**6, work=10**7, depth=10),
    )
    body = "".join(f"{{% for i{n} in range(100000) %}}" for n in range(10)) + "{% endfor %}" * 10
    lines = _assess_with(run_cli, own_templates, body + "\n")
    assert lines == [
        "templates/report.md.j2:1: template 'report.md.j2' takes more than 1,000 "
        "steps (loop items and calls) — loop over fewer items: a loop inside a loop multiplies "
        "the steps"
    ]


@pytest.mark.parametrize(
    "files",
    [
        {"report.md.j2": "{% include 'report.md.j2' %}\n"},
        {"report.md.j2": "{% include 'a.j2' %}\n", "a.j2": "{% include 'report.md.j2' %}\n"},
        {"report.md.j2": "{% extends 'b.j2' %}\n", "b.j2": "{% extends 'report.md.j2' %}\n"},
    ],
)
def test_include_and_extends_loops_are_input_errors(run_cli, own_templates, files):
    for name, body in files.items():
        (own_templates / name).write_text(body, encoding="utf-8")
    lines = _assess_with(run_cli, own_templates, files["report.md.j2"])
    assert lines == [
        "templates/report.md.j2: template 'report.md.j2' includes or extends itself "
        "in a loop, or a macro calls itself without end — remove the include/extends cycle, or "
        "give the macro a case where it stops"
    ]


def test_templates_have_no_random_or_unsafe_globals():
    env = render._environment(DEFAULT_TEMPLATES.resolve())
    assert "random" not in env.filters
    assert not {"cycler", "joiner", "lipsum"} & set(env.globals)
    assert {"usd", "cell"} <= set(env.filters)
