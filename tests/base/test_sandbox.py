"""Narratives and templates render in a limited sandbox: bombs, escapes and mistakes in them
are input errors (exit 2) naming the file, the line, the limit and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, StrictUndefined, pass_context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment, unsafe
from markupsafe import Markup

from ssa_risk.base import sandbox
from ssa_risk.base.sandbox import LimitedSandbox, LimitError, Limits
from ssa_risk.reports import render
from ssa_risk.rules.narrative import NarrativeError, narrate, usd
from tests.helpers import DEFAULT_TEMPLATES


def _set_because(rules: Path, text: str) -> None:
    """Replace the 'because' text of LEV-01 (rules/leverage.yaml, line 19) with `text`."""
    path = rules / "leverage.yaml"
    source = path.read_text(encoding="utf-8")
    start = source.index("    because: >-\n")
    end = source.index("buys little leverage.\n", start) + len("buys little leverage.\n")
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(f'{source[:start]}    because: "{quoted}"\n{source[end:]}', encoding="utf-8")


DIVIDE_HINT = "do not divide by a field that can be 0, or test in the rule that it is not"
TYPE_HINT = (
    "use each filter and operator on values of the right kind (numbers, text, lists), "
    "and give '%' formatting one value per placeholder"
)
LOWEST = "; it fails for the lowest values a profile may have (0, empty lists, first choices)"


@pytest.mark.parametrize(
    ("because", "message"),
    [
        (
            "{{ 1/0 }}",
            f"its 'because' text fails to render (division by zero) — {DIVIDE_HINT}{LOWEST}",
        ),
        (
            "{{ country | sum }}",
            "its 'because' text fails to render (unsupported operand type(s) for +: 'int' and "
            f"'str') — {TYPE_HINT}{LOWEST}",
        ),
        (
            "{{ '%s%s' % (country,) }}",
            "its 'because' text fails to render (not enough arguments for format string) — "
            f"{TYPE_HINT}{LOWEST}",
        ),
        (
            "{% include 'other.j2' %}",
            "'because' uses '{% include %}', which a narrative may not use — write the text in "
            "the rule itself; a narrative cannot read other templates",
        ),
        (
            "{{ aid.sales_usd | random }}",
            "its 'because' text fails to render (No filter named 'random'.) — use only names "
            "bound with 'as:', fields those facts have, and Jinja's built-in filters (except "
            "'random') or 'usd'",
        ),
        (
            "{{ 9**999999999 }}",
            "its 'because' text computes a number of more than 10,000 bits (about 3,000 digits) "
            "— use smaller exponents and products",
        ),
    ],
)
def test_lint_and_assess_report_a_narrative_that_cannot_render(
    run_cli, rules_copy, because, message
):
    _set_because(rules_copy, because)
    expected = f"rules/leverage.yaml:20:5: rule LEV-01: {message}"
    lint = run_cli("rules", "lint", str(rules_copy))
    assert lint.exit_code == 2
    assert lint.output.splitlines() == [expected, "1 error(s), 0 warning(s)"]
    assess = run_cli(
        "assess", str(DEFAULT_TEMPLATES.parent / "profiles/tunisia/2020.yaml"),
        "--rules", str(rules_copy), "-o", "out.md",
    )  # fmt: skip
    assert assess.exit_code == 2
    assert expected in assess.output.splitlines()
    assert not Path("out.md").exists()


def test_lint_renders_narratives_on_the_examples_that_fire(run_cli, rules_copy):
    # Renders for the schema's lowest and highest values, but not for the example's 5000000.
    _set_because(rules_copy, "{{ 1 // (aid.sales_usd - 5000000) }}")
    result = run_cli("rules", "lint", str(rules_copy))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"rules/leverage.yaml:9: rule LEV-01: its 'because' text fails to render "
        f"(division by zero) — {DIVIDE_HINT}",
        "1 error(s), 0 warning(s)",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ 'x' * 10**9 }}", "builds a text or list longer than 20,000"),
        ("{{ 'ab'.center(10**9) }}", "builds a text or list longer than 20,000"),
        (
            "{{ ('x' * 1000) | replace('x', 'y' * 1000) }}",
            "builds a text or list longer than 20,000",
        ),
        ("{{ (['x' * 1000] * 1000) | join }}", "builds a text or list longer than 20,000"),
        ("{{ '%999999999s' % country }}", "builds a text or list longer than 20,000"),
        ("{{ '{:>999999999}'.format(country) }}", "builds a text or list longer than 20,000"),
        (
            "{% for a in 'x' * 10000 %}{% for b in 'x' * 10000 %}{% endfor %}{% endfor %}",
            "takes more than 10,000 steps (loop items and calls)",
        ),
        (
            "{% for a in 'x' * 1000 %}{{ 'y' * 1000 }}{% endfor %}",
            "writes more than 20,000 characters",
        ),
        (
            "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
            "nests macro calls more than 20 deep",
        ),
        ("{{ 2 ** 20000 }}", "computes a number of more than 10,000 bits (about 3,000 digits)"),
        ("{{ (10 ** 3000) * (10 ** 3000) }}", "computes a number of more than 10,000 bits"),
    ],
)
def test_narrative_bombs_stop_at_a_limit(text, reason):
    with pytest.raises(NarrativeError) as info:
        narrate(text, {"country": "Tunisia"})
    assert info.value.reason.startswith(reason)


@pytest.mark.parametrize(
    "text",
    [
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner() }}",
        "{{ lipsum() }}",
        "{{ namespace() }}",
        "{{ country.__class__ }}",
    ],
)
def test_narratives_have_no_unsafe_or_random_globals(text):
    with pytest.raises(NarrativeError) as info:
        narrate(text, {"country": "Tunisia"})
    assert info.value.reason.startswith("fails to render (")


def test_usd_never_overflows():
    huge = 10**400
    assert usd(huge) == "$" + f"{10**394:,}" + ".0 million"
    assert usd(12_345_678) == "$12.3 million"
    assert usd(999_999) == "$999,999"
    assert usd(2.5e6) == "$2.5 million"
    assert usd(float("inf")) == "inf"
    assert usd(True) == "True"


def test_a_huge_amount_is_one_input_error_not_a_crash(run_cli, tmp_path):
    profile = tmp_path / "huge.yaml"
    amount = "1" + "0" * 400
    profile.write_text(
        "schema_version: 1\ncountry: Hugeland\niso3: HUG\nas_of: 2020-06\n"
        "sources:\n  - {id: s, title: A source}\n"
        f"assistance:\n  fms_usd: {amount}\n  fmf_usd: 1\n",
        encoding="utf-8",
    )
    result = run_cli("assess", str(profile), "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "huge.yaml:8:12: '10000000000000000000…' has more than 18 digits — write a smaller number\n"
    )
    assert not Path("out.md").exists()


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
        "templates/report.md.j2:1: template 'report.md.j2' includes, imports or extends "
        "templates more than 100 times in one report — remove the cycle: a template must not "
        "include or extend itself, directly or through another"
    ]


def test_templates_have_no_random_or_unsafe_globals():
    env = render._environment(DEFAULT_TEMPLATES.resolve())
    assert "random" not in env.filters
    assert not {"cycler", "joiner", "lipsum"} & set(env.globals)
    assert {"usd", "cell"} <= set(env.filters)


class _Clearable:
    """An object with a `clear` attribute that changes nothing."""

    clear = "kept"


@pytest.mark.parametrize("first", ["safe", "unsafe"])
def test_remembered_attribute_checks_stay_per_type(first):
    # The sandbox remembers each (type, attribute) decision: reading `clear` of a harmless
    # object must not make a dict's `clear` readable in a narrative, nor the other way round,
    # and a safe attribute read first must not open a dunder of the same type.
    safe = "{{ obj.clear }}"
    unsafe = "{{ d.clear() }}"
    context = {"obj": _Clearable(), "d": {"a": 1}, "country": "Tunisia"}
    for text in [safe, unsafe] if first == "safe" else [unsafe, safe]:
        if text == safe:
            assert narrate(text, context) == "kept"
        else:
            with pytest.raises(NarrativeError) as info:
                narrate(text, context)
            assert "access to attribute 'clear' of 'dict' object is unsafe" in info.value.reason
    assert narrate("{{ country.upper() }}", context) == "TUNISIA"
    with pytest.raises(NarrativeError) as info:
        narrate("{{ country.__class__ }}", context)
    assert info.value.reason.startswith("fails to render (")
    # A text's `format` stays sandboxed however often it has been read.
    assert narrate("{{ '{0}!'.format(country) }}", context) == "Tunisia!"
    with pytest.raises(NarrativeError) as info:
        narrate("{{ '{0.__class__}'.format(country) }}", context)
    assert "access to attribute '__class__' of 'str' object is unsafe" in info.value.reason


def _render(text: str, limits: Limits, **context: object) -> str:
    env = LimitedSandbox(undefined=StrictUndefined)
    return sandbox.render(env.from_string(text), limits, context)


def _limits(output: int = 10**6, steps: int = 10**6) -> Limits:
    return Limits(output=output, steps=steps, value=10**6, work=10**7, depth=10)


@pytest.mark.parametrize(
    ("text", "written", "result"),
    [
        ("ab{{ x }}cd{{ x }}", 10, "ab123cd123"),  # one run of four pieces
        ("{% for i in [1] %}ab{{ x }}{% endfor %}cd{{ x }}", 10, "ab123cd123"),
        # Counted in the buffer of a `set` block, then its length (2 characters) is written.
        ("{% set s %}ab{{ x }}cd{{ x }}{% endset %}{{ s | length }}", 12, "10"),
        # Counted in the macro's buffer, then x is written.
        ("{% macro m() %}ab{{ x }}cd{% endmacro %}{% set s = m() %}{{ x }}", 10, "123"),
    ],
)
def test_output_is_counted_to_the_character(text, written, result):
    assert _render(text, _limits(output=written), x="123") == result
    with pytest.raises(LimitError) as info:
        _render(text, _limits(output=written - 1), x="123")
    assert info.value.message == f"writes more than {written - 1:,} characters"


def _plain(value: str) -> str:
    return value.upper()


def _stops() -> str:
    raise StopIteration


@pass_context
def _with_context(context: Any) -> str:
    return str(context["x"])


class _Owner:
    def shout(self, value: str) -> str:
        return value.upper() + "!"


def test_calls_of_plain_functions_and_methods_behave_as_in_jinja():
    context = {"f": _plain, "o": _Owner(), "c": _with_context, "s": _stops, "x": "abc"}
    text = "{{ f(x) }} {{ o.shout(x) }} {{ c() }} {{ s() is undefined }}"
    assert _render(text, _limits(), **context) == "ABC ABC! abc True"


def test_unsafe_functions_stay_refused():
    @unsafe
    def marked() -> str:
        return "ran"

    def alters() -> str:
        return "ran"

    alters.alters_data = True  # type: ignore[attr-defined]
    for function in (marked, alters):
        with pytest.raises(SecurityError):
            _render("{{ f() }}", _limits(), f=function)


def test_a_text_method_reached_through_a_call_stays_checked():
    # A method of a text (here of a str subclass, written in Python) gets the text checks.
    with pytest.raises(SecurityError):
        _render("{{ t.format(x) }}", _limits(), t=Markup("{0.__class__}"), x="abc")
    # A width, count or size argument over the value limit is refused before the call.
    with pytest.raises(LimitError) as info:
        _render("{{ f(' ', 10 ** 7) }}", _limits(), f=Markup("a b").split)
    assert info.value.message == "builds a text or list longer than 1,000,000"


def test_each_call_is_a_step():
    # Three loop items and three calls: six steps.
    text = "{% for i in [1, 2, 3] %}{{ f('a') }}{% endfor %}"
    assert _render(text, _limits(steps=6), f=_plain) == "AAA"
    with pytest.raises(LimitError) as info:
        _render(text, _limits(steps=5), f=_plain)
    assert info.value.message == "takes more than 5 steps (loop items and calls)"


class _Item:
    """An object that cannot be subscripted: filters read its attributes."""

    def __init__(self, name: str) -> None:
        self.name = name


class _Box:
    """An object that can: filters read its items."""

    def __getitem__(self, key: str) -> str:
        return f"item {key}"

    name = "attribute"


def test_filters_read_attributes_of_objects_and_items_of_containers():
    items = [_Item("b"), _Item("a")]
    text = (
        "{{ items | map(attribute='name') | join }} "
        "{{ items | sort(attribute='name') | map(attribute='name') | join }}"
    )
    for _ in range(2):  # the second time, the attribute is known to be safe
        assert _render(text, _limits(), items=items) == "ba ab"
    assert _render("{{ boxes | map(attribute='name') | join }}", _limits(), boxes=[_Box()]) == (
        "item name"
    )
    assert _render("{{ d | map(attribute='k') | join }}", _limits(), d=[{"k": "v"}]) == "v"
    # A name starting with "_" is refused, through a filter too, however often `name` was read.
    with pytest.raises(SecurityError):
        _render("{{ items | map(attribute='__class__') | join }}", _limits(), items=items)


_TEMPLATES = {
    "base.j2": "head {{ x }}\n{% block body %}default {{ x }}{% endblock %}\ntail{{ y }}",
    "child.j2": "{% extends 'base.j2' %}not written {{ x }}"
    "{% block body %}child {{ super() }} {{ x }}{% endblock %}",
    "maybe.j2": "{% if z %}{% extends 'base.j2' %}{% endif %}out {{ x }}"
    "{% block body %}B{{ y }}{% endblock %}",
    "macro.j2": "{% macro m(a) %}<{{ a }}|{{ caller() if caller is defined else '' }}>"
    "{% endmacro %}{{ m(x) }}{% call m(y) %}in {{ x }}{% endcall %}",
    "blocks.j2": "{% filter upper %}ab {{ x }} cd{% endfilter %}{% set s %}S{{ y }}{% endset %}"
    "{{ s }}",
    "include.j2": "a{% include 'macro.j2' %}b{% import 'macro.j2' as mm with context %}"
    "{{ mm.m(x) }}",
    "loop.j2": "{% for i in [1, 2, 3] recursive %}{{ i }}{{ loop.index }}"
    "{% if not loop.last %},{% endif %}{% endfor %}",
    "page.html": "<p>{{ x }}{{ y }}</p>{% set s %}<b>{{ x }}</b>{% endset %}{{ s }}{{ x | e }}",
}


@pytest.mark.parametrize("autoescape", [False, True])
@pytest.mark.parametrize("name", sorted(_TEMPLATES))
def test_counted_templates_write_what_jinja_writes(name, autoescape):
    # The sandbox compiles output with a code generator of its own: whatever a template does
    # (extends, blocks, macros and call blocks, filter and set blocks, includes, imports,
    # recursive loops, escaping), it writes the same text as Jinja's own sandbox.
    options = {"loader": DictLoader(_TEMPLATES), "autoescape": autoescape, "trim_blocks": True}
    context = {"x": "<a&b>", "y": 7, "z": True}
    expected = SandboxedEnvironment(**options).get_template(name).render(context)
    template = LimitedSandbox(**options).get_template(name)
    assert sandbox.render(template, _limits(), context) == expected
