"""The project: the folder holding ssa-risk.toml, and the rules, profiles and templates it uses.

A project file is found like mkdocs.yml or .pre-commit-config.yaml: from the working folder
upwards. It names the folders relative to itself; a folder it leaves out, and every folder
when there is no project file, is the one bundled with the package. The backtest cases are
the exception: none are bundled, and a project that does not name them uses the `cases`
folder next to its project file when there is one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder, is_regular_file, read_utf8
from ssa_risk.base.paths import PACKAGE_DIR, PROJECT_FILE, bundled_root, display_path, project_root
from ssa_risk.base.suggest import did_you_mean

# The published JSON Schemas ship inside the package.
SCHEMA_DIR = PACKAGE_DIR / "schemas"

FOLDERS = ("profiles", "rules", "templates", "cases")
_HOLDS = {
    "profiles": "the profiles",
    "rules": "the rule files",
    "templates": "the templates",
    "cases": "the backtest cases",
}
CASES = "cases"
PROJECT_MAX_BYTES = 64 * 1024
_EXAMPLE = 'rules = "rules"'
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


@dataclass(frozen=True)
class Project:
    """Where the rules, profiles and templates are; `file` is None for the bundled ones."""

    file: Path | None
    rules: Path
    profiles: Path
    templates: Path
    named: frozenset[str] = frozenset()  # the folders the project file names (others: bundled)
    cases: Path | None = None  # the backtest cases, when the project has them

    @property
    def root(self) -> Path | None:
        return None if self.file is None else self.file.parent


def bundled_project() -> Project:
    """The rules, profiles and templates shipped with the package."""
    root = bundled_root()
    return Project(None, root / "rules", root / "profiles", root / "templates")


def find_project(start: Path | None = None) -> Project:
    """The project around `start` (default: the working folder), else the bundled data.

    A project file that cannot be used is an InputError naming its line and the fix.
    """
    root = project_root(start)
    if root is None:
        return bundled_project()
    return read_project(root / PROJECT_FILE)


def read_project(file: Path) -> Project:
    """Read one project file; every problem in it found in one pass."""
    shown = display_path(file)
    text = read_utf8(file, shown, PROJECT_MAX_BYTES, f"name a {PROJECT_FILE} file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([_syntax_problem(exc, text, shown)]) from None
    lines = text.splitlines()
    problems: list[Problem] = []
    bundled = bundled_project()
    folders = {"rules": bundled.rules, "profiles": bundled.profiles, "templates": bundled.templates}
    for key, value in data.items():
        line = _key_line(lines, key)
        if key not in FOLDERS:
            close = did_you_mean(key, FOLDERS, "")
            hint = f"{close} " if close else ""
            problems.append(
                Problem(
                    shown,
                    line,
                    None,
                    f"unknown key '{key}'",
                    f"{hint}the keys are {', '.join(FOLDERS)}, each a folder path",
                )
            )
            continue
        if not isinstance(value, str) or not value:
            problems.append(
                Problem(
                    shown,
                    line,
                    None,
                    f"'{key}' must be a folder path in quotes, not {_kind(value)}",
                    f'write it as {key} = "{key}"',
                )
            )
            continue
        folder = file.parent / value
        if not is_folder(folder, display_path(folder)):
            if is_regular_file(folder):
                problem = (
                    f"{key} folder '{value}' is a file, not a folder",
                    f"name the folder that holds {_HOLDS[key]} (relative to this file)",
                )
            else:
                problem = (
                    f"{key} folder '{value}' not found next to {PROJECT_FILE}",
                    "create it, or correct the path (it is relative to this file)",
                )
            problems.append(Problem(shown, line, None, *problem))
            continue
        folders[key] = folder
    if problems:
        raise InputError(problems)
    named = frozenset(k for k in FOLDERS if k in data)
    cases = folders.get(CASES, file.parent / CASES)
    found_cases = cases if is_folder(cases, display_path(cases)) else None
    return Project(
        file, folders["rules"], folders["profiles"], folders["templates"], named, found_cases
    )


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str, shown: str) -> Problem:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    line: int | None = None
    column: int | None = None
    if match:
        message = message[: match.start()]
        if match.group(1):
            line, column = int(match.group(1)), int(match.group(2))
        else:
            line = text.count("\n") + 1
    first = message[:1].lower() + message[1:]
    return Problem(
        shown,
        line,
        column,
        f"not valid TOML: {first}",
        f"write one folder per line, the path in quotes, e.g. {_EXAMPLE}",
    )


def _key_line(lines: list[str], key: str) -> int | None:
    """The line that sets `key` at the top level (tomllib keeps no positions)."""
    pattern = re.compile(rf"""\s*(\[+\s*)?["']?{re.escape(key)}["']?\s*(=|\])""")
    return next((i for i, line in enumerate(lines, 1) if pattern.match(line)), None)


def _kind(value: object) -> str:
    if isinstance(value, str):
        return "an empty string"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
