"""Clean up temporary files when the process is asked to stop (SIGTERM, SIGINT, SIGHUP).

Inside `cleanup_on_signals()`, such a signal raises `Interrupted` where the program is, so
every `finally` and `with` block on the way out runs and removes what it created. When the
block has been left, the previous handlers are restored and the signal is sent again, so the
process then ends (or not) exactly as it would have without us. SIGKILL cannot be caught.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_Handler = Callable[[int, FrameType | None], Any] | int

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(BaseException):
    """A stop signal arrived; raised so that clean-up code runs on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


# Signals held back by `signals_deferred`, or None when none are being held.
_held: list[int] | None = None


def _raise(signum: int, frame: FrameType | None) -> None:
    if _held is not None:
        _held.append(signum)
        return
    raise Interrupted(signum)


@contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Turn stop signals into `Interrupted` for the duration of the block (main thread only;
    a signal the process ignores stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, _Handler] = {}
    for signum in SIGNALS:
        handler = signal.getsignal(signum)
        if handler is not None and handler is not signal.SIG_IGN:
            previous[signum] = handler
            signal.signal(signum, _raise)
    try:
        yield
    except Interrupted as exc:
        _restore(previous)
        # Deliver it again: the previous handler (or the default action) decides what happens.
        os.kill(os.getpid(), exc.signum)
        raise
    finally:
        _restore(previous)


def _restore(previous: dict[int, _Handler]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold stop signals back for the duration of a short block: one that arrives meanwhile
    is raised as `Interrupted` when the block ends (inside `cleanup_on_signals` only).

    This is done in Python rather than with a signal mask, because in a process with other
    threads the handler runs in the main thread whichever thread the signal reached.
    """
    global _held
    if _held is not None:  # already held by an outer block
        yield
        return
    _held = []
    try:
        yield
    finally:
        pending, _held = _held, None
        if pending:
            raise Interrupted(pending[0])
