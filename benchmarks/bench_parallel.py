"""Benchmark `impact` serial, on local worker processes, and on a Dask LocalCluster.

What is measured (all in this process, through `ssa_risk.comparison.impact.impact`, the work
of `ssa-risk impact` after the two rule sets are loaded):

- `--profiles` synthetic profiles (bench_assess.py's generator, seeded), each assessed under
  two rule sets (the bundled rules, and a copy with one rule's severity changed so that the
  diffs are not empty) and compared: serial (`workers=1`), on `--workers` local processes,
  and on a Dask LocalCluster of `--workers` processes with one thread each on 127.0.0.1.
  For each: wall time, CPU time (this process, plus the workers': for the local pool those
  of its finished children, for Dask the workers' own process time before and after), and
  the speed-up against the serial run. The three impact reports (JSON) must be identical.
- What a parallel run pays for: the size of the task sent once to each worker (the two
  compiled rule sets), the size of one result sent back, and the start-up of a pool with
  each start method (fork, forkserver, spawn) on a job of `SERIAL_BELOW` trivial items.
- The break-even: serial against two workers on small jobs (a fresh pool each time, as a
  command pays it), which sets `ssa_risk.base.parallel.SERIAL_BELOW`.

- With `--against OTHER/.venv/bin/python` (another installation, say a checkout of an earlier
  revision): the impact serial and on `--workers` processes, by this installation and by the
  other, each run in a fresh process, the two alternating for `--rounds` rounds (medians), on
  the same profiles and rules, for two rule changes: the severity change above (both rule sets
  fire alike) and a condition change (`changed_condition`: a rule that concludes a signal
  fires on other facts, so the rule sets do not fire alike and evaluation is not shared). The
  two installations' reports must be identical.

Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_parallel.py [--profiles N] [--workers N] [--no-dask]
        [--against OTHER/.venv/bin/python [--rounds N]]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench_assess import DEFAULT_RULES, DEFAULT_TEMPLATES, table, write_profiles

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base import parallel
from ssa_risk.base.parallel import Parallel, run_ordered, usable_cores
from ssa_risk.base.paths import display_path
from ssa_risk.comparison.impact import ImpactOne, impact
from ssa_risk.reports.render import render_impact

BREAK_EVEN_SIZES = (2, 4, 6, 8, 12, 16, 24)


def changed_rules(target: Path) -> Path:
    """The bundled rules with the first high rule of civil_military lowered to moderate."""
    shutil.copytree(DEFAULT_RULES, target)
    path = target / "civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("severity: high", "severity: moderate", 1), encoding="utf-8")
    return target


def changed_condition(target: Path) -> Path:
    """The bundled rules with CMR-01 (it concludes military_elevated) no longer requiring
    rising budgets and also firing on a stable political role."""
    shutil.copytree(DEFAULT_RULES, target)
    path = target / "civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    old = "political_role: {in: [rising, dominant]}\n            budget_trend: rising\n"
    if old not in text:
        raise SystemExit(f"{path}: CMR-01 is not as this benchmark expects")
    path.write_text(
        text.replace(old, "political_role: {in: [rising, dominant, stable]}\n", 1),
        encoding="utf-8",
    )
    return target


# Run by each installation's own python (`--against`): the public API both have.
AGAINST_CHILD = """
import hashlib, json, resource, sys, time
from pathlib import Path
from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.parallel import Parallel
from ssa_risk.comparison.impact import impact
from ssa_risk.reports.render import render_impact
old_dir, new_dir, templates, listing, workers = sys.argv[1:6]
paths = [Path(p) for p in Path(listing).read_text(encoding="utf-8").splitlines()]
old = Assessor.load(Path(old_dir), Path(templates))
new = Assessor.load(Path(new_dir), Path(templates))
def children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
out = {}
for name, workers in (("serial", 1), ("pooled", int(workers))):
    cpu, kids, start = time.process_time(), children(), time.perf_counter()
    result = impact(paths, old, new, ("before", "after"), Parallel(workers=workers))
    report = render_impact(result, Path(templates), "json")
    wall = time.perf_counter() - start
    out[name] = [wall, time.process_time() - cpu + children() - kids]
    out[name + " report"] = hashlib.sha256(report.encode()).hexdigest()
print(json.dumps(out))
"""


def against(
    other: str, paths: Sequence[Path], changes: Sequence[tuple[str, Path]], args: argparse.Namespace
) -> int:
    """Serial and pooled impact by this installation and by `other`, alternating (medians)."""
    pythons = (("this", sys.executable), ("other", other))
    with tempfile.TemporaryDirectory(prefix="ssa-risk-bench-") as tmp:
        listing = Path(tmp) / "profiles.txt"
        listing.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
        runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for _ in range(args.rounds):
            for change, rules in changes:
                for who, python in pythons:
                    # The changed rules first, as in the runs above.
                    argv = [str(rules), str(DEFAULT_RULES), str(DEFAULT_TEMPLATES), str(listing)]
                    done = subprocess.run(
                        [python, "-c", AGAINST_CHILD, *argv, str(args.workers)],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    runs.setdefault((change, who), []).append(json.loads(done.stdout))
    # One report per rule change, whoever made it, serial or not.
    reports = {
        change: {
            r[f"{run} report"]
            for who, _ in pythons
            for r in runs[(change, who)]
            for run in RUN_NAMES
        }
        for change, _ in changes
    }
    if any(len(found) != 1 for found in reports.values()):
        raise SystemExit("the two installations (or two runs) gave different impact reports")
    print(f"SSA Risk impact over {len(paths)} synthetic profiles x 2 rule sets, this installation")
    print(f"against {other}: each run in a fresh process, the two alternating, medians of")
    print(f"{args.rounds} rounds; wall and CPU seconds (CPU: the process and its workers)")
    print(
        f"  {'rule change':<11} {'run':<10} {'this wall':>9} {'CPU':>6} {'other wall':>10}"
        f" {'CPU':>6} {'wall':>7} {'CPU':>7}"
    )
    for change, _ in changes:
        for run, shown in zip(RUN_NAMES, ("serial", f"{args.workers} workers"), strict=True):
            this = [statistics.median(r[run][i] for r in runs[(change, "this")]) for i in (0, 1)]
            that = [statistics.median(r[run][i] for r in runs[(change, "other")]) for i in (0, 1)]
            print(
                f"  {change:<11} {shown:<10} {this[0]:9.2f} {this[1]:6.2f} {that[0]:10.2f}"
                f" {that[1]:6.2f} {this[0] / that[0]:6.2f}x {this[1] / that[1]:6.2f}x"
            )
    print("  (wall, CPU: this installation's time as a share of the other's)")
    print("  (the reports of both installations, serial and parallel, are identical)")
    return 0


RUN_NAMES = ("serial", "pooled")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Run:
    """One way of running the impact: wall and CPU seconds, and its report."""

    def __init__(self, name: str, wall: float, cpu: float, report: str) -> None:
        self.name, self.wall, self.cpu, self.report = name, wall, cpu, report


def timed(name: str, run: Callable[[], str], extra_cpu: Callable[[], float] = children_cpu) -> Run:
    cpu0, extra0, start = time.process_time(), extra_cpu(), time.perf_counter()
    report = run()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0 + extra_cpu() - extra0
    return Run(name, wall, cpu, report)


def impact_runner(
    paths: Sequence[Path], old: Assessor, new: Assessor, how: Parallel
) -> Callable[[], str]:
    def run() -> str:
        result = impact(paths, old, new, ("before", "after"), how)
        return render_impact(result, DEFAULT_TEMPLATES, "json")

    return run


def noop(n: int) -> int:
    return n


def start_up(method: str) -> float:
    """Seconds for a pool of two workers to start, run SERIAL_BELOW trivial items, and stop."""
    parallel.START_METHOD = method
    try:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run_ordered(noop, list(range(parallel.SERIAL_BELOW)), workers=2)
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        parallel.START_METHOD = None


def break_even(
    paths: Sequence[Path], old: Assessor, new: Assessor, workers: int
) -> list[tuple[int, float, float]]:
    """(items, serial seconds, parallel seconds) on small jobs, the SERIAL_BELOW floor lifted."""
    rows = []
    floor = parallel.SERIAL_BELOW
    parallel.SERIAL_BELOW = 2
    try:
        for n in BREAK_EVEN_SIZES:
            items = [(p, display_path(p)) for p in paths[:n]]
            task = ImpactOne(old, new, ("before", "after"))
            serial, pooled = [], []
            for _ in range(3):
                start = time.perf_counter()
                run_ordered(task, items, workers=1)
                serial.append(time.perf_counter() - start)
                start = time.perf_counter()
                run_ordered(task, items, workers=workers)
                pooled.append(time.perf_counter() - start)
            rows.append((n, statistics.median(serial), statistics.median(pooled)))
    finally:
        parallel.SERIAL_BELOW = floor
    return rows


def dask_run(
    paths: Sequence[Path], old: Assessor, new: Assessor, workers: int
) -> tuple[Run, float] | str:
    """The impact on a fresh LocalCluster, and the cluster's start-up seconds; or why not."""
    try:
        distributed: Any = importlib.import_module("dask.distributed")  # optional, untyped
    except ImportError:
        return "dask[distributed] is not installed (pip install 'ssa-risk[dask]')"
    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        processes=True,
        n_workers=workers,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    cluster_s = time.perf_counter() - start
    client = distributed.Client(cluster)
    try:

        def workers_cpu() -> float:
            return float(sum(client.run(time.process_time).values()))

        how = Parallel(scheduler=cluster.scheduler_address)
        run = timed("dask LocalCluster", impact_runner(paths, old, new, how), workers_cpu)
    finally:
        client.close()
        cluster.close()
    return run, cluster_s


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", type=positive, default=1000, help="default 1000")
    parser.add_argument(
        "--workers", type=positive, default=usable_cores(), help="default: every core"
    )
    parser.add_argument("--seed", type=int, default=20200701, help="seed for the profiles")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask run")
    parser.add_argument(
        "--against", metavar="PYTHON", help="compare with another installation's python instead"
    )
    parser.add_argument(
        "--rounds", type=positive, default=3, help="rounds of --against runs (default 3)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load = os.getloadavg()  # other work on the machine takes cores from the workers
    with tempfile.TemporaryDirectory(prefix="ssa-risk-bench-") as tmp:
        paths = write_profiles(Path(tmp), args.profiles, args.seed)
        if args.against is not None:
            changes = [
                ("severity", changed_rules(Path(tmp) / "severity")),
                ("condition", changed_condition(Path(tmp) / "condition")),
            ]
            return against(args.against, paths, changes, args)
        old = Assessor.load(changed_rules(Path(tmp) / "rules-old"), DEFAULT_TEMPLATES)
        new = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
        runs = [
            timed("serial (workers=1)", impact_runner(paths, old, new, Parallel(workers=1))),
            timed(
                f"local processes (workers={args.workers})",
                impact_runner(paths, old, new, Parallel(workers=args.workers)),
            ),
        ]
        cluster_note = ""
        if not args.no_dask:
            outcome = dask_run(paths, old, new, args.workers)
            if isinstance(outcome, str):
                cluster_note = outcome
            else:
                runs.append(outcome[0])
                cluster_note = f"{outcome[1]:.2f} s to start (not in the table)"
        task = pickle.dumps(ImpactOne(old, new, ("before", "after")))
        one = ImpactOne(old, new, ("before", "after"))((paths[0], display_path(paths[0])))
        result = pickle.dumps(one)
        methods = [(m, start_up(m)) for m in ("fork", "forkserver", "spawn")]
        even = break_even(paths, old, new, min(2, args.workers))
    if any(r.report != runs[0].report for r in runs):
        raise SystemExit("the runs gave different impact reports: a bug")

    serial = runs[0]
    n = len(paths)
    print(f"SSA Risk parallel benchmark: impact over {n} synthetic profiles x 2 rule sets")
    print(
        table(
            [
                ("machine", platform.platform()),
                ("python", platform.python_version()),
                ("usable cores", str(usable_cores())),
                ("load average at start", " ".join(f"{x:.2f}" for x in load)),
                ("workers", str(args.workers)),
                ("Dask cluster", cluster_note or "left out (--no-dask)"),
            ]
        )
    )
    print()
    header = f"  {'run':<28} {'wall s':>8} {'CPU s':>8} {'CPU/wall':>9} {'speed-up':>9}"
    print(header)
    for r in runs:
        print(
            f"  {r.name:<28} {r.wall:8.2f} {r.cpu:8.2f} {r.cpu / r.wall:9.2f}"
            f" {serial.wall / r.wall:8.2f}x"
        )
    print("  (the reports of every run are identical)")
    pooled = runs[1]
    print(
        f"  CPU/wall below {args.workers} means other work took cores from the run; with a core"
        f" per worker it would take about {pooled.cpu / args.workers:.1f} s"
        f" ({serial.cpu / (pooled.cpu / args.workers):.2f}x the serial CPU time)"
    )
    print()
    per_item = serial.wall / n
    print("What a parallel run pays for")
    print(
        table(
            [
                ("one profile, serial (2 assessments + diff)", f"{per_item * 1000:.1f} ms"),
                ("task sent once to each worker (pickled)", f"{len(task) / 1024:.0f} KiB"),
                ("one profile's result sent back (pickled)", f"{len(result) / 1024:.0f} KiB"),
                *(
                    (
                        f"pool start + {parallel.SERIAL_BELOW} items + stop, {m}",
                        f"{s * 1000:.0f} ms",
                    )
                    for m, s in methods
                ),
            ]
        )
    )
    print()
    print("Break-even (serial against two workers, a fresh pool each time)")
    print(f"  {'profiles':>8} {'serial ms':>10} {'2 workers ms':>13}")
    for count, s, p in even:
        print(f"  {count:>8} {s * 1000:10.0f} {p * 1000:13.0f}")
    print(f"  (runs of fewer than {parallel.SERIAL_BELOW} items stay serial: SERIAL_BELOW)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
