"""Render a rule's `because` snippet in a limited sandbox, with undefined names as errors."""

from __future__ import annotations

import marshal
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from types import CodeType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, nodes

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.sandbox import USER_ERRORS, ImmutableLimitedSandbox, LimitError, Limits, render
from ssa_risk.profile.facts import Fact, engine_field, field_schemas
from ssa_risk.profile.reader import Profile
from ssa_risk.rules.model import FieldTest, Pattern, Ref, Rule

# Names every narrative may use besides the names a rule binds.
GLOBAL_NAMES = frozenset({"country", "as_of"})

# A narrative is a sentence or a paragraph: these are far above any real one.
NARRATIVE_LIMITS = Limits(output=20_000, steps=10_000, value=20_000, work=1_000_000, depth=20)

# Amounts below this are divided as floats (as they always were); larger ones exactly.
FLOAT_SAFE = 10**300

# Tags that would read other templates: a narrative is self-contained.
_REFUSED_TAGS = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Extends: "extends",
}


@cache
def _environment() -> ImmutableLimitedSandbox:
    env = ImmutableLimitedSandbox(undefined=StrictUndefined, autoescape=False)
    env.globals.pop("namespace", None)
    env.filters["usd"] = usd
    return env


# A field whose name ends so holds a sum of U.S. dollars, written with `usd` in reports.
USD_SUFFIX = "_usd"


def usd(value: object) -> str:
    """12345678 → '$12.3 million'; smaller sums in full. Never fails, whatever the amount."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if abs(value) < 1_000_000:
        return f"${value:,.0f}"
    if abs(value) < FLOAT_SAFE:
        return f"${value / 1_000_000:,.1f} million"
    # `value / 1_000_000` overflows a float beyond about 10**308, which a Python int can
    # exceed: count tenths of a million in integer arithmetic instead.
    tenths = (abs(int(value)) * 10 + 500_000) // 1_000_000
    sign = "-" if value < 0 else ""
    return f"{sign}${tenths // 10:,}.{tenths % 10} million"


# Narratives compiled to Python code, by text: compiled here, or (marshalled) from the cache of
# checked rule sets, so that a rule set read from the cache does not compile its narratives.
_codes: dict[str, CodeType | bytes] = {}


@cache
def _compiled(text: str) -> Template:
    env = _environment()
    code = _codes.get(text)
    if isinstance(code, bytes):
        try:
            code = marshal.loads(code)
        except (EOFError, ValueError, TypeError):
            code = None
    if not isinstance(code, CodeType):
        code = env.compile(text)
    _codes[text] = code
    # As Environment.from_string makes a template, from the code compiled once.
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def compiled(texts: Iterable[str]) -> dict[str, bytes]:
    """The marshalled code of those of `texts` compiled in this process (for the cache)."""
    out: dict[str, bytes] = {}
    for text in texts:
        code = _codes.get(text)
        if code is not None and text not in out:
            out[text] = code if isinstance(code, bytes) else marshal.dumps(code)
    return out


def add_compiled(codes: Mapping[str, bytes]) -> None:
    """Narratives compiled in another process (compiled()), used when they are rendered."""
    for text, code in codes.items():
        if isinstance(text, str) and isinstance(code, bytes):
            _codes.setdefault(text, code)


@cache
def _tree(text: str) -> nodes.Template:
    """A narrative parsed once for the checks that read it (they do not change it)."""
    return _environment().parse(text)


def refused_tags(text: str) -> list[str]:
    """Tags a narrative may not use (they would read other templates), in order of appearance."""
    tree = _tree(text)
    return [word for node_type, word in _REFUSED_TAGS.items() if any(tree.find_all(node_type))]


def narrative_references(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Names and `name.field` pairs a narrative reads; TemplateSyntaxError if it is malformed."""
    tree = _tree(text)
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    fields = {
        (g.node.name, g.attr)
        for g in tree.find_all(nodes.Getattr)
        if isinstance(g.node, nodes.Name)
    }
    return names, fields


def render_narrative(rule: Rule, bound: Mapping[str, Fact], profile: Profile) -> str:
    """The rule's narrative for these matched facts, or InputError naming the rule's line."""
    context: dict[str, object] = {name: dict(f.fields) for name, f in bound.items()}
    context["country"] = profile.country
    context["as_of"] = profile.as_of
    try:
        return narrate(rule.because, context)
    except NarrativeError as exc:
        raise InputError([exc.problem(rule.id, rule.file, rule.line)]) from None


class NarrativeError(Exception):
    """A narrative failed to render: why, and what to do about it."""

    def __init__(self, reason: str, fix: str, depends_on_values: bool = False) -> None:
        self.reason = reason
        self.fix = fix
        self.depends_on_values = depends_on_values  # it may render for other fact values
        super().__init__(reason)

    def problem(self, rule_id: str, file: str, line: int | None) -> Problem:
        message = f"rule {rule_id}: its 'because' text {self.reason}"
        return Problem(file, line, None, message, self.fix, rule=rule_id or None)


def narrate(text: str, context: dict[str, object]) -> str:
    """A narrative rendered with these names, on one line; NarrativeError if it fails."""
    try:
        out = render(_compiled(text), NARRATIVE_LIMITS, context)
    except LimitError as exc:
        raise NarrativeError(exc.message, exc.fix) from None
    except RecursionError:
        raise NarrativeError(
            "calls itself without end", "give a macro that calls itself a case where it stops"
        ) from None
    except TemplateError as exc:
        raise NarrativeError(
            f"fails to render ({exc})",
            "use only names bound with 'as:', fields those facts have, and Jinja's "
            "built-in filters (except 'random') or 'usd'",
        ) from None
    except USER_ERRORS as exc:
        raise NarrativeError(f"fails to render ({_describe(exc)})", _fix_for(exc), True) from None
    return " ".join(out.split())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    return str(exc) or type(exc).__name__


def _fix_for(exc: BaseException) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "do not divide by a field that can be 0, or test in the rule that it is not"
    if isinstance(exc, OverflowError):
        return "amounts can be very large: show them with '| usd' rather than computing with them"
    if isinstance(exc, TypeError):
        return (
            "use each filter and operator on values of the right kind (numbers, text, lists), "
            "and give '%' formatting one value per placeholder"
        )
    return "make the text work for every value the profile schema allows"


# Values a synthetic fact takes where the schema gives no bound (derived totals, for example),
# so a narrative must cope with any integer such a field may hold.
HUGE_INT = 10**400
HUGE_FLOAT = 1e300
SYNTHETIC_COUNTRY = "Exampleland"
SYNTHETIC_AS_OF = "2020-06"


def synthetic_failure(text: str, patterns: Sequence[Pattern]) -> tuple[str, NarrativeError] | None:
    """Render a narrative with the lowest and the highest values the profile schema allows
    for the facts its rule binds (narrowed by the rule's own tests): the first failure as
    ("lowest" or "highest", error), or None when both render."""
    for variant in ("lowest", "highest"):
        context: dict[str, object] = {
            p.name: _synthetic_fields(p, variant == "highest") for p in patterns
        }
        context["country"] = SYNTHETIC_COUNTRY
        context["as_of"] = SYNTHETIC_AS_OF
        try:
            narrate(text, context)
        except NarrativeError as exc:
            return variant, exc
    return None


def _synthetic_fields(pattern: Pattern, high: bool) -> dict[str, object]:
    fields: dict[str, object] = {}
    tests = [t for t in pattern.tests if not isinstance(t.value, Ref)]
    absent = {t.field for t in tests if t.operator.passes_missing(t.value)}
    # Derived fields carry their real range in their schema (ssa_risk.profile.derived).
    for name, node in field_schemas().get(pattern.fact, {}).items():
        if name in absent:
            continue
        fields[engine_field(name)] = _sample(node, high, [t for t in tests if t.field == name])
    return fields


def _sample(node: Mapping[str, Any], high: bool, tests: list[FieldTest]) -> object:
    for t in tests:
        # (an 'in' without a list is reported as such by the rule checks)
        values = t.operator.limits(t.value).values
        if values:
            return values[-1 if high else 0]
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][-1 if high else 0]
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "boolean":
        return high
    if kind in ("integer", "number"):
        integer = kind == "integer"
        low = node.get("minimum", 0)
        top = node.get("maximum", HUGE_INT if integer else HUGE_FLOAT)
        step = 1 if integer else 1e-9
        for t in tests:
            limits = t.operator.limits(t.value)
            if limits.low > -math.inf:
                low = max(low, limits.low + (step if limits.low_open else 0))
            if limits.high < math.inf:
                top = min(top, limits.high - (step if limits.high_open else 0))
        value = max(low, top) if high else low
        return int(value) if integer else float(value)
    if kind == "array":
        items = node.get("items", {})
        item = _sample(items, high, []) if isinstance(items, Mapping) else "text"
        return [item] * (max(int(node.get("minItems", 0)), 3 if high else 0))
    if kind == "object":
        return {}
    return "A longer text, with punctuation: ‘quotes’ & 100%" if high else "text"
