"""Words in prose: counts ("1 case", "2 cases", never "2 case(s)") and capitals."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`n` followed by the singular or the plural of a noun (the plural defaults to +s)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def capitalised(text: str) -> str:
    """Text with its first letter a capital, the rest as it is ('iPhone' stays unlike
    str.capitalize): 'internal security forces' → 'Internal security forces'."""
    return text[:1].upper() + text[1:]
