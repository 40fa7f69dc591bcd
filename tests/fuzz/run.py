"""`make fuzz`: many cases of every strategy, on parallel workers; failures saved to a folder.

    python -m tests.fuzz.run --cases 100000 --out fuzz-failures [--jobs 2] [--seed 0]

Prints the cases run per strategy, the failures grouped by kind with the smallest input of
each, and the cases per second. Each failure kind gets a folder under --out holding the input
files, `command.txt` (the `ssa-risk` command to run inside that folder) and `result.txt`. The
exit code is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import select
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.fuzz.harness import Case, Worker, failures
from tests.fuzz.strategies import STRATEGIES

# Share of the cases given to each strategy.
WEIGHTS = {
    "valid_profiles": 0.25,
    "hostile_profiles": 0.3,
    "rule_files": 0.2,
    "templates": 0.1,
    "saved_json": 0.15,
}


class Pool:
    """Workers fed one case each; results judged as they come back."""

    def __init__(self, jobs: int, timeout: float) -> None:
        self.workers = [Worker(timeout=timeout) for _ in range(jobs)]
        self.counts: Counter[str] = Counter()
        self.worst: dict[str, tuple[Case, str, dict[str, Any]]] = {}
        self.occurrences: Counter[str] = Counter()

    def submit(self, case: Case) -> None:
        while True:
            idle = [w for w in self.workers if w.case is None]
            if idle:
                idle[0].submit(case)
                return
            self._wait()

    def _wait(self) -> None:
        busy = [w for w in self.workers if w.case is not None]
        ready, _, _ = select.select(busy, [], [], 0.5)
        for worker in busy:
            if worker in ready or worker.expired():
                case = worker.case
                assert case is not None
                self._judge(case, worker.collect())

    def _judge(self, case: Case, result: dict[str, Any]) -> None:
        self.counts[case.strategy] += 1
        for signature, detail in failures(case, result):
            self.occurrences[signature] += 1
            kept = self.worst.get(signature)
            if kept is None or case.size() < kept[0].size():
                self.worst[signature] = (case, detail, result)

    def drain(self) -> None:
        while any(w.case is not None for w in self.workers):
            self._wait()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def run_strategy(pool: Pool, name: str, count: int, start: int, known: bool) -> None:
    @seed(start)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(STRATEGIES[name](known=known))
    def feed(case: Case) -> None:
        pool.submit(case)

    feed()
    pool.drain()


def save(out: Path, pool: Pool) -> None:
    if out.exists():
        shutil.rmtree(out)
    for n, (signature, (case, detail, result)) in enumerate(sorted(pool.worst.items()), 1):
        folder = out / f"{n:03d}-{case.strategy}"
        for rel, data in case.files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        quoted = " ".join(_quote(a) for a in case.args)
        (folder / "command.txt").write_text(f"ssa-risk {quoted}\n")
        summary = {k: v for k, v in result.items() if k not in ("stdout", "stderr")}
        (folder / "result.txt").write_text(
            f"{signature}\n\nchanged file: {case.subject} ({case.note})\n\n{detail}\n\n"
            f"stdout:\n{result.get('stdout', '')[-3000:]}\n"
            f"stderr:\n{result.get('stderr', '')[-3000:]}\n\n{summary}\n"
        )


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./=:" for c in arg) else repr(arg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True, help="Folder for reproductions.")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="Seconds per case.")
    parser.add_argument(
        "--with-known",
        action="store_true",
        help="Also run the mutations that reach a known, unfixed bug (strategies.KNOWN_BUGS).",
    )
    parser.add_argument("--only", choices=sorted(STRATEGIES), action="append")
    args = parser.parse_args(argv)
    names = args.only or list(WEIGHTS)
    total_weight = sum(WEIGHTS[n] for n in names)
    pool = Pool(args.jobs, args.timeout)
    began = time.monotonic()
    try:
        for i, name in enumerate(names):
            count = max(1, round(args.cases * WEIGHTS[name] / total_weight))
            started = time.monotonic()
            run_strategy(pool, name, count, args.seed + i, args.with_known)
            took = time.monotonic() - started
            print(
                f"{name}: {pool.counts[name]} cases in {took:.0f} s "
                f"({pool.counts[name] / took:.1f}/s)",
                flush=True,
            )
    finally:
        pool.stop()
    elapsed = time.monotonic() - began
    done = sum(pool.counts.values())
    print(f"total: {done} cases in {elapsed:.0f} s ({done / elapsed:.1f}/s, {args.jobs} workers)")
    save(args.out, pool)
    if pool.worst:
        print(f"{len(pool.worst)} kind(s) of failure; smallest input of each under {args.out}/:")
        for n, signature in enumerate(sorted(pool.worst), 1):
            print(f"  {n:03d} ×{pool.occurrences[signature]}: {signature}")
        return 1
    print("no failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
