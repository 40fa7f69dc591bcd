"""Soak: many assessments in one process, to show that memory stays flat.

What is measured: `--profiles` synthetic profiles are written once (the generator of
bench_assess.py, seeded) and assessed in turn, with the Markdown report rendered each time,
until `--assessments` assessments have been made by one Assessor in one process. The resident
set size (RSS, read from /proc/self/statm, so that it can go down as well as up) is sampled
every `--every` assessments. The report gives RSS after the first sample, at the end, its
peak, the growth from the first sample to the end, and the growth per 10,000 assessments
over the second half of the run (a leak shows as a steady growth there; a flat process as
about zero), with the time per assessment.

Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_soak.py [--assessments N] [--profiles N] [--every N]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from bench_assess import write_profiles

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.reports.render import render_report

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    """The process's resident set size now, in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    assessor = Assessor.load(ROOT / "rules", ROOT / "templates")
    samples: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_profiles(Path(tmp), args.profiles, args.seed)
        start = time.perf_counter()
        for n in range(1, args.assessments + 1):
            path = paths[n % len(paths)]
            render_report(assessor.assess(path, path.name), ROOT / "templates", "md")
            if n % args.every == 0:
                samples.append((n, rss_mib()))
        elapsed = time.perf_counter() - start
    first, last = samples[0][1], samples[-1][1]
    half = [s for s in samples if s[0] > args.assessments // 2]
    slope = (half[-1][1] - half[0][1]) / max(1, half[-1][0] - half[0][0]) * 10_000
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"{args.assessments:,} assessments of {args.profiles} synthetic profiles, one process")
    print(f"time per assessment (with Markdown): {elapsed / args.assessments * 1000:.2f} ms")
    print(
        f"RSS after {samples[0][0]:,}: {first:.1f} MiB; at the end: {last:.1f} MiB; peak "
        f"{max(r for _, r in samples):.1f} MiB"
    )
    print(f"growth from the first sample to the end: {last - first:+.1f} MiB")
    print(f"growth per 10,000 assessments over the second half: {slope:+.2f} MiB")


if __name__ == "__main__":
    main()
