"""Write output files atomically: a reader never sees a half-written report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError, Problem


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same folder, then rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"cannot write here ({exc.strerror})",
                    "choose a writable folder",
                )
            ]
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
