"""run_ordered: the same results as a serial loop, in order, from worker processes."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.batch import AssessFile
from ssa_risk.base import parallel
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.parallel import SERIAL_BELOW, Parallel, run_ordered, usable_cores
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT, TUNISIA_2020


def square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def bad_when_odd(n: int) -> int:
    if n % 2 and n < 12:
        raise InputError([Problem(f"p{n}.yaml", n, 1, "is odd", "make it even")])
    return n


def bug_at(n: int) -> int:
    if n in (5, 9):
        raise ZeroDivisionError(f"bug at {n}")
    return n


def test_results_are_in_input_order_and_computed_in_other_processes():
    items = list(range(SERIAL_BELOW * 3))
    results = run_ordered(square_and_pid, items, workers=2)
    assert [r[0] for r in results] == [n * n for n in items]
    assert {pid for _, pid in results} - {os.getpid()}, "no item ran in a worker process"


def test_one_worker_runs_in_this_process():
    results = run_ordered(square_and_pid, list(range(SERIAL_BELOW * 2)), workers=1)
    assert {pid for _, pid in results} == {os.getpid()}


def test_a_small_job_stays_in_this_process():
    results = run_ordered(square_and_pid, list(range(SERIAL_BELOW - 1)), workers=2)
    assert {pid for _, pid in results} == {os.getpid()}


@pytest.mark.parametrize("workers", [1, 2])
def test_problems_of_every_item_are_raised_together(workers):
    with pytest.raises(InputError) as info:
        run_ordered(bad_when_odd, list(range(SERIAL_BELOW + 4)), workers=workers)
    assert str(info.value).splitlines() == [
        f"p{n}.yaml:{n}:1: is odd — make it even" for n in (1, 11, 3, 5, 7, 9)
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_bug_is_raised_as_it_was_the_first_in_input_order(workers):
    with pytest.raises(ZeroDivisionError, match=r"^bug at 5$"):
        run_ordered(bug_at, list(range(SERIAL_BELOW + 4)), workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_up_to_the_total(workers):
    seen: list[tuple[int, int]] = []
    count = SERIAL_BELOW * 2
    run_ordered(
        square_and_pid, list(range(count)), workers, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (count, count)
    assert all(t == count for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_parallel_is_picklable_without_its_callback_and_defaults_to_every_core():
    assert Parallel().workers is None
    assert usable_cores() >= 1
    assert pickle.loads(pickle.dumps(Parallel(2, None))) == Parallel(2, None)


def test_zero_workers_is_refused():
    with pytest.raises(ValueError, match="workers must be at least 1, not 0"):
        run_ordered(square_and_pid, [1], workers=0)


def test_chunks_cover_every_item_once():
    for count in (1, 7, 8, 100, 1000):
        chunks = parallel._chunks(count, 2)
        assert [i for c in chunks for i in c] == list(range(count))
        assert max(len(c) for c in chunks) <= parallel.MAX_CHUNK


def test_without_dask_the_scheduler_option_says_what_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "dask.distributed", None)
    with pytest.raises(InputError) as info:
        run_ordered(square_and_pid, [1, 2], scheduler="tcp://127.0.0.1:8786")
    assert str(info.value) == (
        "--scheduler tcp://127.0.0.1:8786: needs dask.distributed, which is not installed — "
        "install it (pip install 'ssa-risk[dask]'), or leave out --scheduler to use the local "
        "cores"
    )


def sleepy(n: int) -> int:
    time.sleep(0.1)
    return n


CTRL_C = """
import sys
from tests.base.test_parallel import sleepy
from ssa_risk.base.parallel import run_ordered
print("started", flush=True)
try:
    run_ordered(sleepy, list(range(400)), workers=2)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(7)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_stops_the_workers_and_leaves_none_behind():
    process = subprocess.Popen(
        [sys.executable, "-c", CTRL_C],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "started\n"
    time.sleep(1.0)  # the workers are under way
    group = _group(process.pid)
    assert len(group) == 3, group  # the caller and its two workers
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
    started = time.monotonic()
    out, err = process.communicate(timeout=20)
    assert time.monotonic() - started < 5
    assert (process.returncode, out, err) == (7, "interrupted\n", "")
    assert not any(Path(f"/proc/{pid}").exists() for pid in group if pid != process.pid)


def _group(pgid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_workers_forked_from_another_thread_than_the_engine_s_assess_alike():
    """The engine belongs to the thread that used it first; a worker forked from another
    thread has only that thread, which then owns the engine it inherited."""
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    serial = assessor.assess(TUNISIA_2020)  # the engine now belongs to this thread
    items = [(TUNISIA_2020, "tunisia/2020.yaml")] * SERIAL_BELOW
    found: list[tuple[Any, tuple[Problem, ...]]] = []
    worker = threading.Thread(
        target=lambda: found.extend(run_ordered(AssessFile(assessor), items, workers=2))
    )
    worker.start()
    worker.join()
    assert len(found) == SERIAL_BELOW
    assert all(problems == () for _, problems in found)
    labelled = assessor.assess(TUNISIA_2020, "tunisia/2020.yaml")
    assert all(assessment == labelled for assessment, _ in found)
    assert serial.overall == labelled.overall


def test_the_missing_marker_stays_itself_through_a_worker():
    from ssa_risk.rules.operators import MISSING

    assert pickle.loads(pickle.dumps(MISSING)) is MISSING
