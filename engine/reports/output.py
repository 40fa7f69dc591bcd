"""Write output files atomically: a reader never sees a half-written report.

Every file of a run is first written to a temporary file beside its target; only when all of
them are written are they renamed into place, so a failure leaves no partial set behind. A
stop signal (SIGTERM, SIGINT, SIGHUP) while the temporary files are written removes them and
leaves the old files as they were; during the renames it is held back until all are done.
Only SIGKILL (or a crash of the machine) can still leave `.NAME.XXXXXXXX.tmp` files beside
the targets, or, in the instant of the renames, some reports of the set new and some old.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import os_problem
from ssa_risk.base.interrupts import cleanup_on_signals, signals_deferred
from ssa_risk.base.paths import display_path

INPUT_SUFFIXES = (".yaml", ".yml")
_WRITE = "cannot write here"


def write_atomic(path: Path, text: str | bytes, report_format: str | None = None) -> None:
    """Write one file via a temporary file in the same folder, then rename."""
    write_all([(path, text)], report_format)


def write_all(items: Sequence[tuple[Path, str | bytes]], report_format: str | None = None) -> None:
    """Write several files (text as UTF-8, bytes as they are); check every target first,
    rename only once all are written.

    With `report_format` (md, html, json) the files are reports: a target that looks like an
    input file (a profile or rule file) is refused, and so is a symlink that leads to anything
    but a report of that format. A symlink that leads nowhere is always refused.
    """
    problems: list[Problem] = []
    targets: list[Path] = []
    for path, _ in items:
        try:
            targets.append(_target(path, report_format))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    seen: dict[Path, Path] = {}
    for (path, _), real in zip(items, targets, strict=True):
        if real in seen:
            problems.append(
                Problem(
                    shown_path(path),
                    None,
                    None,
                    "two reports of this run would be written to this same file",
                    "use -o for one profile, or give the profiles distinct folders or names",
                )
            )
        seen[real] = path
    if problems:
        raise InputError(problems)
    staged: list[str] = []
    with cleanup_on_signals():
        try:
            for (path, text), real in zip(items, targets, strict=True):
                _stage(path, real, text, staged)
            # Held back during the renames, a stop signal cannot leave a mixed set.
            with signals_deferred():
                for (path, _), real, tmp in zip(items, targets, list(staged), strict=True):
                    try:
                        os.replace(tmp, real)
                    except OSError as exc:
                        raise _write_error(exc, path) from None
                    staged.remove(tmp)
        finally:
            for tmp in staged:
                _remove(tmp)


def shown_path(path: Path) -> str:
    """How to name a file we write: its folder as display_path shows it, then its own name,
    so that a symlink is named as given, not by where it leads."""
    folder = display_path(path.parent)
    return path.name if folder == "." else f"{folder}/{path.name}"


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):  # already gone: nothing left to clean
        os.unlink(tmp)


def _write_error(exc: OSError, path: Path) -> InputError:
    problem = os_problem(exc, shown_path(path), _WRITE)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        problem = Problem(problem.file, None, None, problem.message, "choose a writable folder")
    return InputError([problem])


def _refuse(path: Path, message: str, fix: str) -> InputError:
    return InputError([Problem(shown_path(path), None, None, message, fix)])


def _target(path: Path, report_format: str | None) -> Path:
    """The file to write for `path`: through a symlink only to a file of the right kind,
    never to a folder, a device, or a file that does not exist."""
    if report_format and path.suffix.lower() in INPUT_SUFFIXES:
        raise _refuse(path, "a report would overwrite a YAML file", "name a .md file")
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        link = False
    except OSError as exc:
        raise _write_error(exc, path) from None
    real = path
    if link:
        try:
            real = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:
            raise _refuse(
                path,
                f"is a symlink to '{os.readlink(path)}', which does not exist",
                "remove the link, or name another file",
            ) from None
        except OSError as exc:
            raise _write_error(exc, path) from None
        wanted = f".{report_format}" if report_format else None
        if wanted and real.suffix.lower() != wanted:
            raise _refuse(
                path,
                f"is a symlink to {display_path(real)}, which is not a {wanted} report",
                "name another file, or remove the link",
            )
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise _write_error(exc, path) from None
    if stat.S_ISDIR(mode):
        raise _refuse(path, "is a folder, not a file", "name the report file")
    if not stat.S_ISREG(mode):
        raise _refuse(path, "is not a regular file", "write the report to a file")
    return real


def _stage(path: Path, real: Path, text: str | bytes, staged: list[str]) -> None:
    """Write `text` to a new temporary file beside `real`, recorded in `staged` at once."""
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        with signals_deferred():
            fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
            staged.append(tmp)
        # mkstemp creates the file readable by its owner only; reports follow the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _write_error(exc, path) from None
