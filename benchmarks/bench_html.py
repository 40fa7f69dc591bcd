"""Benchmark what the HTML report costs on top of the Markdown one: the charts (matplotlib) and
the HTML templates.

Cold rows: each is a fresh `ssa-risk assess profiles/tunisia/2020.yaml` process, timed from
start to exit (the median of `--runs` runs after one warm-up run, in milliseconds), with its
peak resident memory (the median of the runs' maxima, in MiB):

- `-o OUT.md`: the Markdown report, the reference the HTML rows are compared with.
- `--format html`, charts drawn: the charts not in the cache between runs, so matplotlib is
  imported and draws them (the first report of a profile, or after an upgrade). The rest of
  the cache (anything else a run keeps there) is as warm as for the other rows.
- `--format html`, charts kept: the same report again, its charts read from the cache.

All rows use a cache folder of the benchmark's own, never the user's. Warm rows (one
process, `--repeat` renders each, median): the Markdown report, the HTML report with its
charts drawn (the cache turned off) and kept, and each chart drawn alone.

    .venv/bin/python benchmarks/bench_html.py [--runs N] [--repeat N]
        [--against OTHER/.venv/bin/python]

`--against` times the cold rows with another installation too (say a checkout of an earlier
commit, which may have no cache: its two HTML rows are then the same), the two taking turns,
so that a busy moment of the machine falls on both.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_proposal import median_ms

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "tunisia" / "2020.yaml"
SHOWN = "profiles/tunisia/2020.yaml"

MD = "md"
HTML_DRAWN = "html, charts drawn"
HTML_KEPT = "html, charts kept"
ROWS = (MD, HTML_DRAWN, HTML_KEPT)


def command(python: str, row: str, folder: Path) -> list[str]:
    script = str(Path(python).parent / "ssa-risk")
    if row == MD:
        return [script, "assess", SHOWN, "-o", str(folder / "out.md")]
    return [script, "assess", SHOWN, "--format", "html", "-o", str(folder / "out.html")]


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time (ms), processor time (user and system, ms) and peak resident memory (MiB) of
    one run of `cmd`."""
    start = time.perf_counter()
    child = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        error = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed: {error}")
    if child.stderr:
        child.stderr.close()
    cpu = (usage.ru_utime + usage.ru_stime) * 1000
    return elapsed, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


Measures = tuple[float, float, float]  # wall ms, processor ms, peak MiB


def cold(pythons: list[str], runs: int, folder: Path) -> list[dict[str, Measures]]:
    """The median times and memory of each row with each python, the pythons and rows taking
    turns."""
    caches = [folder / f"cache-{i}" for i in range(len(pythons))]
    envs = [{**os.environ, "SSA_RISK_CACHE_DIR": str(c)} for c in caches]
    for env in envs:
        env.pop("SSA_RISK_CACHE", None)

    def once(side: int, row: str) -> Measures:
        if row == HTML_DRAWN:
            shutil.rmtree(caches[side] / "charts", ignore_errors=True)
        return run(command(pythons[side], row, folder), envs[side])

    for side in range(len(pythons)):  # warm-up: fills each side's cache
        for row in ROWS:
            once(side, row)
    measured: list[dict[str, list[Measures]]] = [{r: [] for r in ROWS} for _ in pythons]
    for _ in range(runs):
        for row in ROWS:
            for side in range(len(pythons)):
                measured[side][row].append(once(side, row))
    return [
        {
            row: (
                statistics.median(w for w, _, _ in m[row]),
                statistics.median(c for _, c, _ in m[row]),
                statistics.median(r for _, _, r in m[row]),
            )
            for row in ROWS
        }
        for m in measured
    ]


def warm(repeat: int, folder: Path) -> list[tuple[str, float]]:
    """In this process: each report and each chart, rendered `repeat` times (median ms)."""
    os.environ["SSA_RISK_CACHE_DIR"] = str(folder / "cache-warm")
    os.environ.pop("SSA_RISK_CACHE", None)
    from ssa_risk import api
    from ssa_risk.reports import charts

    [done] = api.assess([PROFILE], parallel=api.Parallel(workers=1))
    assessment = done.result
    assert not isinstance(assessment, api.Timeline)
    api.render(assessment, "html")  # templates compiled, matplotlib imported

    def drawn(work: Callable[[], object]) -> Callable[[], object]:
        def off() -> object:
            os.environ["SSA_RISK_CACHE"] = "off"
            try:
                return work()
            finally:
                del os.environ["SSA_RISK_CACHE"]

        return off

    institutions = dict(assessment.institutions)
    return [
        ("md report", median_ms(lambda: api.render(assessment, "md"), repeat)),
        (
            "html report, charts drawn",
            median_ms(drawn(lambda: api.render(assessment, "html")), repeat),
        ),
        ("html report, charts kept", median_ms(lambda: api.render(assessment, "html"), repeat)),
        ("lens chart drawn", median_ms(drawn(lambda: charts.lens_chart(assessment)), repeat)),
        (
            "assistance chart drawn",
            median_ms(
                drawn(lambda: charts.assistance_chart(assessment.portfolio, institutions)), repeat
            ),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--against", metavar="PYTHON", help="another installation's python")
    args = parser.parse_args()
    pythons = [sys.executable] if args.against is None else [args.against, sys.executable]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        results = cold(pythons, args.runs, folder)
        warm_rows = warm(args.repeat, folder)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"ssa-risk assess {SHOWN}, fresh process each run, median of {args.runs} runs")
    width = max(len(r) for r in ROWS)
    header = f"{'':<{width}}"
    if args.against is not None:
        header += f"  {'against ms':>10}  {'cpu ms':>7}  {'MiB':>6}"
    print(f"{header}  {'ms':>7}  {'cpu ms':>7}  {'MiB':>6}  vs md (ms, cpu ms, MiB)")
    for row in ROWS:
        line = f"{row:<{width}}"
        if args.against is not None:
            wall, cpu, mib = results[0][row]
            line += f"  {wall:10.1f}  {cpu:7.1f}  {mib:6.1f}"
        wall, cpu, mib = results[-1][row]
        md = results[-1][MD]
        extra = (
            f"  {wall - md[0]:+.0f}, {cpu - md[1]:+.0f}, {mib - md[2]:+.1f}" if row != MD else ""
        )
        print(f"{line}  {wall:7.1f}  {cpu:7.1f}  {mib:6.1f}{extra}")
    print("ms: wall time; cpu ms: user and system time of the process, less sensitive to load")
    if args.against is not None:
        print(f"against: {args.against}")
    print(f"warm, in one process, median of {args.repeat}")
    for name, ms in warm_rows:
        print(f"{name:<{width + 6}}  {ms:7.1f} ms")


if __name__ == "__main__":
    main()
