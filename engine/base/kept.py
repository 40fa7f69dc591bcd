"""Work kept for each object, by identity: for what depends on an object that cannot change
(a frozen rule set) and is asked for again with every assessment made with it.

The object is held with what was worked out for it, so its id cannot be given to another
object while the result is kept; a few objects are kept (a run uses one or two rule sets),
and the oldest go when more come.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

KEPT = 8


def per_object(work: Callable[[T], R]) -> Callable[[T], R]:
    """`work(obj)`, worked out once for each object `obj` (which must not change)."""
    held: dict[int, tuple[T, R]] = {}

    @functools.wraps(work)
    def kept(obj: T) -> R:
        found = held.get(id(obj))
        if found is not None:  # its object is held with it, so the id is still that object's
            return found[1]
        while len(held) >= KEPT:
            del held[next(iter(held))]
        value = work(obj)
        held[id(obj)] = (obj, value)
        return value

    return kept
