"""Render a rule's `because` snippet in a sandbox, with undefined names as errors."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import InputError, Problem
from .facts import Fact
from .profile import Profile
from .rules import Rule


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


def render_narrative(rule: Rule, bound: Mapping[str, Fact], profile: Profile) -> str:
    """The rule's narrative for these matched facts, or InputError naming the rule's line."""
    context: dict[str, object] = {name: dict(f.fields) for name, f in bound.items()}
    context["country"] = profile.country
    context["as_of"] = profile.as_of
    try:
        text = _environment().from_string(rule.because).render(context)
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
