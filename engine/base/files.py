"""The file system boundary: read regular files within a size limit, list folders, and turn
every OSError a user can cause (a missing file, a folder they cannot enter, a symlink loop, a
name too long) into one Problem naming the path and the fix.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem

# What to say, and what to do, for the errors a user's path can cause.
_ERRNO_TEXT: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("file not found", "check the path"),
    errno.ENOTDIR: (
        "a part of this path is a file, not a folder",
        "check the path",
    ),
    errno.EACCES: ("permission denied", "check the permissions of the file and its folders"),
    errno.EPERM: ("operation not permitted", "check the permissions of the file and its folders"),
    errno.ELOOP: ("too many levels of symbolic links: a symlink loop", "fix or remove the link"),
    errno.ENAMETOOLONG: (
        "the name is too long",
        "use names of at most 255 bytes (4,096 for the whole path)",
    ),
    errno.EISDIR: ("is a folder, not a file", "name a file"),
    errno.ENOSPC: ("no space left on the device", "free some space or choose another folder"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or choose another folder"),
    errno.EFBIG: ("File too large", "raise the file size limit (ulimit -f) or free space"),
    errno.EROFS: ("the file system is read-only", "choose a writable folder"),
    errno.EIO: ("input/output error", "check the disk or the network share"),
}


def os_problem(exc: OSError, shown: str, action: str = "") -> Problem:
    """One Problem for an OSError on the path shown as `shown`.

    `action` ('cannot be read', 'cannot write here', …) prefixes the reason when given.
    """
    reason, fix = _ERRNO_TEXT.get(exc.errno or 0, (exc.strerror or str(exc), "check the path"))
    message = f"{action} ({reason})" if action else reason
    return Problem(shown, None, None, message, fix)


def os_error(exc: OSError, shown: str, action: str = "") -> InputError:
    return InputError([os_problem(exc, shown, action)])


def _not_regular(mode: int, shown: str, fix: str) -> Problem:
    if stat.S_ISDIR(mode):
        return Problem(shown, None, None, "is a folder, not a file", fix)
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return Problem(shown, None, None, f"is {kind}, not a regular file", fix)


def read_limited(path: Path, shown: str, limit: int, fix: str = "name a .yaml file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or InputError.

    FIFOs, devices and folders are refused before anything is read (the file is opened
    non-blocking, so a FIFO without a writer never blocks), the size is checked with fstat
    before reading, and at most limit + 1 bytes are read in case the file grows meanwhile.
    `fix` is what to do when the path is not a regular file.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        action = "" if exc.errno == errno.ENOENT else "cannot be read"
        raise os_error(exc, shown, action) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError([_not_regular(info.st_mode, shown, fix)])
        if info.st_size > limit:
            raise InputError([_too_big(shown, info.st_size, limit)])
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise os_error(exc, shown, "cannot be read") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise InputError([_too_big(shown, len(raw), limit)])
    return raw


def _too_big(shown: str, size: int, limit: int) -> Problem:
    return Problem(
        shown,
        None,
        None,
        f"file is {size:,} bytes, over the {limit:,}-byte limit",
        "split it or remove unrelated content",
    )


def read_utf8(path: Path, shown: str, limit: int, fix: str = "name a .yaml file") -> str:
    """A regular UTF-8 text file (see `read_limited`); a bad byte is named with its line."""
    raw = read_limited(path, shown, limit, fix)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    shown,
                    line,
                    None,
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None


def is_folder(path: Path, shown: str) -> bool:
    """Whether `path` is a folder (following symlinks); False when it does not exist.

    Any other error (permission, loop, name too long) is an InputError naming the path.
    """
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            return False
        raise os_error(exc, shown) from None


def list_folder(directory: Path, suffix: str, shown: str) -> list[Path]:
    """The entries of `directory` whose names end with `suffix`, sorted by name.

    Only the names are listed here; each entry is checked when it is read. A folder that
    cannot be listed is an InputError (not, as with Path.glob, silently empty).
    """
    try:
        with os.scandir(directory) as entries:
            names = [entry.name for entry in entries if entry.name.endswith(suffix)]
    except OSError as exc:
        raise os_error(exc, shown, "folder cannot be listed") from None
    return [directory / name for name in sorted(names)]


def walk_files(directory: Path, suffix: str, shown: str) -> list[Path]:
    """Every file under `directory` (recursively, through symlinked folders, each folder once)
    whose name ends with `suffix`, sorted; a folder that cannot be listed is an InputError."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path, rel: str) -> None:
        where = f"{shown}/{rel}" if rel else shown
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                return
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            raise os_error(exc, where, "folder cannot be listed") from None
        for name in names:
            if is_folder(folder / name, f"{where}/{name}"):
                visit(folder / name, f"{rel}/{name}" if rel else name)
            elif name.endswith(suffix):
                found.append(folder / name)

    visit(directory, "")
    return sorted(found)


def resolved(path: Path) -> Path:
    """`path` made absolute with symlinks followed as far as they lead (never raises)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return Path(os.path.abspath(path))


def is_regular_file(path: Path) -> bool:
    """Whether `path` is a regular file (following symlinks); False on any error."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
