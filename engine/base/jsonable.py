"""Report data as JSON: an object's named fields, in the order the report publishes them."""

from __future__ import annotations

from typing import Any


def picked(obj: object, names: str, **computed: Any) -> dict[str, Any]:
    """`obj`'s attributes named in `names` (space-separated), in that order, as JSON values:
    a tuple becomes a list. A name given in `computed` takes that value instead, in its
    place (a nested object turned into a dict, or a field published under another name)."""
    out: dict[str, Any] = {}
    for name in names.split():
        value = computed.pop(name) if name in computed else getattr(obj, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    if computed:  # a misspelt key would otherwise vanish from the report
        raise TypeError(f"computed values for fields not named: {', '.join(sorted(computed))}")
    return out
