"""Benchmark judging a proposal, in process, with the bundled rules and the bundled Tunisia
2020 proposal and decision record.

What is measured (one warm-up run, then the median of `--runs` runs, in milliseconds):

- Judgement: `api.assess_proposal` without the indicators to watch: read and check the
  proposal, its profile and its decision record, evaluate the rules on the profile's facts and
  the lines' facts, build the country assessment and judge each line.
- Judgement with the indicators to watch, in one process: the same, then the proposal judged
  again for each candidate change the rules that bear on the verdicts suggest.
- Rendering the Markdown report of the judgement.

Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_proposal.py [--runs N]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from ssa_risk import api
from ssa_risk.base.parallel import Parallel

ROOT = Path(__file__).resolve().parents[1]
PROPOSAL = ROOT / "proposals" / "tunisia-2020.yaml"
DECISION = ROOT / "proposals" / "tunisia-2020.decision.yaml"


def median_ms(task: Callable[[], object], runs: int) -> float:
    task()  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        task()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    assessor = api.load_assessor()
    one_core = Parallel(workers=1)
    judged = api.assess_proposal(PROPOSAL, DECISION, assessor=assessor, watch=False)
    plain = median_ms(
        lambda: api.assess_proposal(PROPOSAL, DECISION, assessor=assessor, watch=False),
        args.runs,
    )
    watched = median_ms(
        lambda: api.assess_proposal(
            PROPOSAL, DECISION, assessor=assessor, watch=True, parallel=one_core
        ),
        max(3, args.runs // 5),
    )
    render = median_ms(lambda: api.render_proposal(judged, "md"), args.runs)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"proposal: {len(judged.lines)} lines, {judged.verdict}")
    print(f"judgement (no indicators to watch): {plain:.1f} ms (median of {args.runs})")
    print(f"judgement with the indicators to watch, one core: {watched:.0f} ms")
    print(f"Markdown report: {render:.1f} ms")


if __name__ == "__main__":
    main()
