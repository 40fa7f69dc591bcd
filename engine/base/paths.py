"""How paths are shown to people and in reports, and where the project and bundled data are."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

import ssa_risk

PROJECT_FILE = "ssa-risk.toml"
PACKAGE_DIR = Path(ssa_risk.__file__).parent
BUNDLED_LABEL = "<bundled>"


def bundled_root() -> Path:
    """The rules, profiles and templates shipped inside the package (`defaults/<kind>`)."""
    # `ssa_risk` is a regular package on disk: its folder is where importlib.resources.files
    # would find it (without importing importlib.resources and zipfile, a few ms at start).
    return PACKAGE_DIR / "defaults"


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder holding ssa-risk.toml, from `start` (the working folder) upwards."""
    try:
        here = (start or Path.cwd()).resolve()
    except (OSError, RuntimeError):  # the working folder was removed, or a symlink loop
        return None
    for folder in (here, *here.parents):
        try:
            if (folder / PROJECT_FILE).is_file():
                return folder
        except OSError:  # an unreadable folder on the way up ends the search, like git
            return None
    return None


def display_path(path: Path) -> str:
    """How a path is shown in reports and in the problems found in input files.

    Bundled data as `<bundled>/rules/...`; otherwise relative to the project root when inside
    the project, else relative to the working folder when inside it, else as given (an
    absolute path stays absolute). So a report of a project's profiles does not depend on the
    folder it was run from, nor on where the package is installed; only a profile outside any
    project and outside the working folder is shown as given, absolute if so given.

    A path a person is told to use on the command line is `terminal_path`'s instead.
    """
    return _shown(path, _roots())


def display_paths(paths: Iterable[Path]) -> list[str]:
    """`display_path` of each path, the roots to show them from found once (a run over a
    thousand profiles otherwise looks for the project a thousand times)."""
    roots = _roots()
    return [_shown(path, roots) for path in paths]


# The bundled data folder (as given and resolved), and the project root and working folder
# (resolved); None when they cannot be found out (the working folder was removed).
_Roots = tuple[tuple[Path, Path], list[Path]] | None


@functools.cache
def _bundled_roots() -> tuple[Path, Path]:
    """The bundled data folder as given and resolved: it does not move while a process runs."""
    bundled = bundled_root()
    return bundled, bundled.resolve()


def _roots() -> _Roots:
    try:
        bundled_roots = _bundled_roots()
        roots = [r for r in (project_root(), Path.cwd().resolve()) if r is not None]
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return None
    return bundled_roots, roots


def _shown(path: Path, found: _Roots) -> str:
    if found is None:
        return str(path)
    bundled_roots, roots = found
    # Unresolved first: an editable install links each bundled file back to the checkout.
    # The path is resolved (a system call per part of it) only when the unresolved one is
    # not bundled.
    try:
        shown = _bundled(Path(os.path.abspath(path)), bundled_roots)
        if shown is not None:
            return shown
        resolved = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return str(path)
    shown = _bundled(resolved, bundled_roots)
    if shown is not None:
        return shown
    for root in roots:
        if resolved.is_relative_to(root):
            return resolved.relative_to(root).as_posix()
    return str(path)


def _bundled(candidate: Path, bundled_roots: tuple[Path, Path]) -> str | None:
    """`<bundled>/…` for a path inside the bundled data folder, else None."""
    for root in bundled_roots:
        if candidate.is_relative_to(root):
            inside = candidate.relative_to(root).as_posix()
            return BUNDLED_LABEL if inside == "." else f"{BUNDLED_LABEL}/{inside}"
    return None


def terminal_path(path: Path) -> str:
    """A path as a person can type it in the working folder: relative to it when inside it,
    else absolute (display_path's project-relative form fails in a sub-folder)."""
    try:
        here = Path.cwd()
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(here):
            return absolute.relative_to(here).as_posix()
        resolved = path.resolve()
        if resolved.is_relative_to(here.resolve()):
            return resolved.relative_to(here.resolve()).as_posix()
    except (OSError, RuntimeError):  # the working folder was removed, or a symlink loop
        return str(path)
    return str(absolute)
