"""Write output files atomically: a reader never sees a half-written report.

Every file of a run is first written to a temporary file beside its target; only when all of
them are written are they renamed into place, so a failure leaves no partial set behind.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import InputError, Problem
from .yamlsrc import display_path

INPUT_SUFFIXES = (".yaml", ".yml")


def write_atomic(path: Path, text: str) -> None:
    """Write one file via a temporary file in the same folder, then rename."""
    write_all([(path, text)])


def write_all(items: Sequence[tuple[Path, str]], reports: bool = False) -> None:
    """Write several files; check every target first, rename only once all are written.

    With `reports`, a target that looks like an input file (a profile or rule file) is refused.
    """
    targets = [_target(path, reports) for path, _ in items]
    seen: dict[Path, Path] = {}
    problems = []
    for (path, _), real in zip(items, targets, strict=True):
        if real in seen:
            problems.append(
                Problem(
                    display_path(path),
                    None,
                    None,
                    "two reports of this run would be written to this same file",
                    "use -o for one profile, or give the profiles distinct folders or names",
                )
            )
        seen[real] = path
    if problems:
        raise InputError(problems)
    staged: list[tuple[str, Path]] = []
    try:
        for (path, text), real in zip(items, targets, strict=True):
            staged.append((_stage(path, real, text), real))
        for tmp, real in staged:
            os.replace(tmp, real)
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    display_path(Path(exc.filename or ".")),
                    None,
                    None,
                    f"cannot write here ({exc.strerror or exc})",
                    "choose a writable folder",
                )
            ]
        ) from None
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def _target(path: Path, report: bool) -> Path:
    """The file to write for `path`: through a symlink, never a folder or a device."""
    shown = display_path(path)
    if report and path.suffix.lower() in INPUT_SUFFIXES:
        raise InputError(
            [Problem(shown, None, None, "a report would overwrite a YAML file", "name a .md file")]
        )
    real = path.resolve() if path.is_symlink() else path
    if real.exists():
        mode = real.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(
                [Problem(shown, None, None, "is a folder, not a file", "name the report file")]
            )
        if not stat.S_ISREG(mode):
            raise InputError(
                [Problem(shown, None, None, "is not a regular file", "write the report to a file")]
            )
    return real


def _stage(path: Path, real: Path, text: str) -> str:
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    display_path(path),
                    None,
                    None,
                    f"cannot write here ({exc.strerror or exc})",
                    "choose a writable folder",
                )
            ]
        ) from None
    # mkstemp creates the file readable by its owner only; reports follow the umask instead.
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return tmp
