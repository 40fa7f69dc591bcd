"""Counts in prose: "1 case", "2 cases", never "2 case(s)"."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`n` followed by the singular or the plural of a noun (the plural defaults to +s)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
