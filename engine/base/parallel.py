"""Run one task over many items on every local core, or on a Dask cluster; results in order.

`run_ordered(task, items)` gives `[task(item) for item in items]`, computed in worker
processes: by default one per usable core; `workers=1` runs in this process, as does a job too
small to repay starting workers (fewer than `SERIAL_BELOW` items, measured in
benchmarks/bench_parallel.py). `scheduler="tcp://host:8786"` sends the same work to a Dask
distributed scheduler instead (dask is imported only then; it is an optional extra).

Why processes: durable_rules keeps one engine per process and must be used from one thread
(evaluation/durable.py), so parallel work runs in processes, each with its own engine. The
task is sent to each worker process once (it carries the compiled rule sets, which each
process registers with its engine once); items and results travel in chunks.

The results are the same as a serial run, whatever the number of workers:
- in the input order, whatever order they finish in;
- an `InputError` raised by any item is not raised at once: every item is still run, and the
  problems of all of them are raised together, as one InputError, as a serial loop gathering
  them would (tasks that must keep going past a bad item, e.g. to check other files of a
  folder, return their problems as data instead);
- any other exception (a bug) is raised as it was raised in the worker, the first in input
  order.
Workers run in the same working folder as the caller (paths are shown relative to it).

Progress: `progress(done, total)` is called in the calling process as items finish. The
engine never prints; the command line draws the bar.

Stopping: workers ignore SIGINT (Ctrl-C reaches the whole process group): the calling process
alone decides, cancels what has not started and waits for the chunks under way (each short),
so no worker is left behind and none prints a traceback.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ssa_risk.base.choices import usable_cores as usable_cores
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.interrupts import cleanup_on_signals

# multiprocessing and concurrent.futures are imported when a batch first uses them: a run
# that works in this process alone (one profile, or few) does without (about 10 ms).
if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]

# Below this many items a job runs in this process. Measured on two cores
# (benchmarks/bench_parallel.py, "Break-even"): a fork pool costs about 20 ms to start and a
# profile's impact about 26 ms, so on an idle machine two workers win from a few items on, but
# by at most 0.2 s below 16 items; on a busy machine a pool of that size was up to 0.35 s
# slower than a serial run. 16 bounds that loss and keeps small jobs free of processes.
SERIAL_BELOW = 16
# Items per chunk: enough that the cost of sending a chunk is small against its work, few
# enough that progress moves often and that Ctrl-C waits for little.
MAX_CHUNK = 16
CHUNKS_PER_WORKER = 8

DASK_EXTRA = "pip install 'ssa-risk[dask]'"
# Seconds to wait for a Dask scheduler to answer.
SCHEDULER_TIMEOUT = 10.0


@dataclass(frozen=True)
class Parallel:
    """How to run a batch: `workers` (None: every usable core; 1: in this process), a Dask
    `scheduler` address (None: local processes), and a `progress(done, total)` callback."""

    workers: int | None = None
    scheduler: str | None = None
    progress: Progress | None = None

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return run_ordered(task, items, self.workers, self.scheduler, self.progress)


SERIAL = Parallel(workers=1)


def run_ordered(
    task: Callable[[T], R],
    items: Sequence[T],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[R]:
    """`[task(item) for item in items]`, in worker processes or on a Dask cluster; see the
    module docstring. `task` must be picklable (a module-level function, or an instance of a
    module-level class) when it runs outside this process."""
    items = list(items)
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if scheduler is not None:
        outcomes = _on_dask(task, items, scheduler, progress)
    else:
        count = min(workers or usable_cores(), len(items))
        if count <= 1 or len(items) < SERIAL_BELOW:
            outcomes = _serial(task, items, progress)
        else:
            outcomes = _on_processes(task, items, count, progress)
    return _results(outcomes)


@dataclass(frozen=True)
class _Outcome(Generic[R]):
    """What one item gave: a result, its problems (an InputError), or a bug."""

    value: R | None = None
    problems: tuple[Problem, ...] | None = None
    error: BaseException | None = None


def _run_one(task: Callable[[T], R], item: T) -> _Outcome[R]:
    try:
        return _Outcome(value=task(item))
    except InputError as exc:
        # An InputError does not pickle back whole (its problems are its own field).
        return _Outcome(problems=tuple(exc.problems))
    except Exception as exc:
        return _Outcome(error=exc)


def _results(outcomes: Sequence[_Outcome[R]]) -> list[R]:
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    problems = [p for o in outcomes if o.problems is not None for p in o.problems]
    if problems:
        raise InputError(problems)
    return [o.value for o in outcomes]  # type: ignore[misc]  # no problems: every value set


def _serial(
    task: Callable[[T], R], items: Sequence[T], progress: Progress | None
) -> list[_Outcome[R]]:
    outcomes = []
    for done, item in enumerate(items, 1):
        outcomes.append(_run_one(task, item))
        if progress is not None:
            progress(done, len(items))
    return outcomes


def _chunks(count: int, workers: int) -> list[range]:
    size = max(1, min(MAX_CHUNK, count // (workers * CHUNKS_PER_WORKER)))
    return [range(i, min(i + size, count)) for i in range(0, count, size)]


# --- Local worker processes ----------------------------------------------------------------

# The task of this worker process, set once when the process starts.
_task: Callable[[Any], Any] | None = None


def _start_worker(task: Callable[[Any], Any], folder: str) -> None:
    global _task
    # Ctrl-C goes to the whole process group; the calling process decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _task = task
    _enter(folder)


def _enter(folder: str) -> None:
    """Work in the caller's folder: paths are read, and shown, relative to it."""
    if os.getcwd() != folder:
        os.chdir(folder)


def _run_chunk(chunk: Sequence[Any]) -> list[_Outcome[Any]]:
    assert _task is not None, "worker started without a task"
    return [_run_one(_task, item) for item in chunk]


# How worker processes start: None is fork on Linux (cheap: a worker starts with the modules
# imported), the platform's default elsewhere (spawn on macOS and Windows, where fork is
# unsafe or missing). benchmarks/bench_parallel.py compares the methods.
START_METHOD: str | None = None


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    if START_METHOD is not None:
        return multiprocessing.get_context(START_METHOD)
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _on_processes(
    task: Callable[[T], R], items: Sequence[T], workers: int, progress: Progress | None
) -> list[_Outcome[R]]:
    from concurrent.futures import ProcessPoolExecutor

    outcomes: list[_Outcome[R] | None] = [None] * len(items)
    chunks = _chunks(len(items), workers)
    # SIGINT, SIGTERM and SIGHUP are raised here as Interrupted, so the pool is shut down
    # before the process ends as the signal says (interrupts.py).
    with cleanup_on_signals(), ExitStack() as stack:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(task, os.getcwd()),
        )
        # On a signal or an error: drop the chunks not started, wait for those under way.
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        pending: dict[Future[list[_Outcome[Any]]], range] = {
            pool.submit(_run_chunk, [items[i] for i in chunk]): chunk for chunk in chunks
        }
        done_count = 0
        for future, chunk in _as_completed(pending):
            for i, outcome in zip(chunk, future.result(), strict=True):
                outcomes[i] = outcome
            done_count += len(chunk)
            if progress is not None:
                progress(done_count, len(items))
    return outcomes  # type: ignore[return-value]  # every chunk filled its slots


def _as_completed(pending: dict[Future[Any], range]) -> Iterator[tuple[Future[Any], range]]:
    """Each future as it completes, with its chunk (waits in short steps so that a signal
    handler runs promptly in the waiting thread)."""
    from concurrent.futures import FIRST_COMPLETED
    from concurrent.futures import wait as wait_futures

    waiting = set(pending)
    while waiting:
        finished, waiting = wait_futures(waiting, timeout=0.5, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: pending[f].start):
            yield future, pending[future]


# --- Dask -----------------------------------------------------------------------------------


def _scheduler_problem(address: str, message: str, fix: str) -> InputError:
    return InputError([Problem(f"--scheduler {address}", None, None, message, fix)])


def _on_dask(
    task: Callable[[T], R], items: Sequence[T], address: str, progress: Progress | None
) -> list[_Outcome[R]]:
    try:
        # Typed as Any: dask is optional, and untyped.
        distributed: Any = importlib.import_module("dask.distributed")
    except ImportError:
        raise _scheduler_problem(
            address,
            "needs dask.distributed, which is not installed",
            f"install it ({DASK_EXTRA}), or leave out --scheduler to use the local cores",
        ) from None
    try:
        client = distributed.Client(address, timeout=SCHEDULER_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise _scheduler_problem(
            address,
            f"cannot reach the Dask scheduler ({exc})",
            "start one ('dask scheduler', then 'dask worker ADDRESS'), check the address, or "
            "leave out --scheduler to use the local cores",
        ) from None
    outcomes: list[_Outcome[R] | None] = [None] * len(items)
    futures: list[Any] = []
    try:
        workers = max(1, sum(client.nthreads().values()))
        chunks = _chunks(len(items), workers)
        # The task (the compiled rule sets) goes to every worker once, not with every chunk.
        [shared] = client.scatter([task], broadcast=True, hash=False)
        folder = os.getcwd()
        futures = [
            client.submit(_dask_chunk, shared, [items[i] for i in chunk], folder, pure=False)
            for chunk in chunks
        ]
        where = {f.key: chunk for f, chunk in zip(futures, chunks, strict=True)}
        done_count = 0
        for future in distributed.as_completed(futures, loop=client.loop):
            chunk = where[future.key]
            for i, outcome in zip(chunk, future.result(), strict=True):
                outcomes[i] = outcome
            done_count += len(chunk)
            if progress is not None:
                progress(done_count, len(items))
    finally:
        if futures:
            client.cancel(futures)
        client.close()
    return outcomes  # type: ignore[return-value]


# Dask runs tasks on threads of its worker processes; the rules engine of a process must be
# used from one thread only, so every chunk in a process runs on this one thread.
_engine_thread: ThreadPoolExecutor | None = None
_engine_lock = threading.Lock()


def _dask_chunk(task: Callable[[Any], Any], chunk: Sequence[Any], folder: str) -> list[Any]:
    global _engine_thread
    from concurrent.futures import ThreadPoolExecutor

    with _engine_lock:
        if _engine_thread is None:
            _engine_thread = ThreadPoolExecutor(1, thread_name_prefix="ssa-risk-engine")
        thread = _engine_thread

    def run() -> list[_Outcome[Any]]:
        _enter(folder)
        return [_run_one(task, item) for item in chunk]

    return thread.submit(run).result()
