"""Render a rule's `because` snippet in a sandbox, with undefined names as errors."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from jinja2 import StrictUndefined, Template, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import InputError, Problem

if TYPE_CHECKING:
    from .facts import Fact
    from .profile import Profile
    from .rules import Rule

# Names every narrative may use besides the names a rule binds.
GLOBAL_NAMES = frozenset({"country", "as_of"})


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters["usd"] = usd
    return env


def usd(value: object) -> str:
    """12345678 → '$12.3 million'; smaller sums in full."""
    if not isinstance(value, int | float):
        return str(value)
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:,.1f} million"
    return f"${value:,.0f}"


@cache
def _compiled(text: str) -> Template:
    return _environment().from_string(text)


def narrative_references(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Names and `name.field` pairs a narrative reads; TemplateSyntaxError if it is malformed."""
    tree = _environment().parse(text)
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
        text = _compiled(rule.because).render(context)
    except TemplateError as exc:
        raise InputError(
            [
                Problem(
                    rule.file,
                    rule.line,
                    None,
                    f"rule {rule.id}: its 'because' text failed to render ({exc})",
                    "use only names bound with 'as:' and fields those facts have",
                )
            ]
        ) from None
    return " ".join(text.split())
