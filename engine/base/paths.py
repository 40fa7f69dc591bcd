"""How paths are shown to people and in reports."""

from __future__ import annotations

from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def display_path(path: Path) -> str:
    """How a path is shown to people and in reports.

    The project's own files (bundled profiles, rules, templates) are shown relative to the
    project, so that a report does not depend on the folder it was run from; other files
    relative to the working folder when inside it, else as given.
    """
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return str(path)
    for root in (_PROJECT_ROOT, Path.cwd().resolve()):
        try:
            return resolved.relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)
