"""User-facing problems: each names the file, the line and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_ONE_LINE = str.maketrans(
    {"\n": "\\n", "\r": "\\r", "\u0085": "\\x85", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one input file, with where it is and what to do about it."""

    file: str
    line: int | None
    column: int | None
    message: str
    fix: str
    level: str = "error"  # or "warning": legal but suspect, reported by `rules lint`
    rule: str | None = None  # the rule id it concerns, when it concerns one rule
    field: str | None = None  # the field it concerns, when it concerns one field

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        marker = "warning: " if self.level == "warning" else ""
        # One line per problem, even when it quotes a value that holds a line break.
        return f"{where}: {marker}{self.message} — {self.fix}".translate(_ONE_LINE)

    def as_json(self, *fields: str) -> dict[str, object]:
        """The named fields, in that order, for the JSON outputs (`validate`, `rules lint`)."""
        return {name: getattr(self, name) for name in fields}


class InputError(Exception):
    """Bad input from a user: one or more problems, all found in one pass."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_order(p: Problem) -> tuple[str, int, int, str]:
    return (p.file, p.line or 0, p.column or 0, p.message)


class EngineError(Exception):
    """The rules engine misbehaved: a bug in SSA Risk or its engine, never a user mistake."""
