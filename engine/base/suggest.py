"""The "did you mean" fix for a name that is not one of the names allowed where it is written."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: object, choices: Iterable[object], otherwise: str) -> str:
    """`did you mean 'close'?` for the closest of `choices`, or `otherwise` when none is close.

    Words and choices are compared as text, so a number or a list item can be suggested too.
    """
    import difflib  # only when a name is wrong: most runs never need it

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f"did you mean '{close[0]}'?" if close else otherwise
