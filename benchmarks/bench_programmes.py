"""How assess + Markdown grows with the number of programmes, stage by stage, in process.

What is measured: the bundled Tunisia 2020 profile (merged with the snapshots it extends) is
grown to 100, 200, 500 and 1,000 programmes the way bench_profile_size.py grows it (counter-
terrorism programmes going alternately to the army and the interior forces), and each is
written once as YAML. One process loads the bundled rule set once, then for each size runs
one warm-up and `--runs` timed assessments, each split into its stages:

- read/validate: `load_profile` (read the YAML, check it against the schema);
- facts: `profile_facts`;
- evaluation: `evaluate`, durable_rules through the wrapper;
- findings: `build_findings` (evidence, narratives, subjects);
- scoring: the rest of `build_assessment` (lenses, overall rating, portfolio, fact values:
  `build_assessment` less the `build_findings` it calls, timed inside it);
- render: `render_report(…, "md")`.

The total is the sum of the stages' medians; the ratio is the 1,000-programme total over the
100-programme one (linear growth from 100 to 1,000 would be 10×, with a fixed part below it).
The row "of which GC" is the time the cyclic garbage collector ran during the run (it is
inside the stages' times): its full collections walk every live object, so it grows faster
than the profile. The last row, "end to end", times the same work as the command does it,
`render_report(Assessor.assess(path), …, "md")`, once more in each run: it includes whatever
`Assessor.assess` does besides the stages.

Times are CPU time of the process by default (`--clock cpu`): on a machine shared with other
work, elapsed time also counts the waits for a core; `--clock wall` gives elapsed time.

`--against OTHER/.venv/bin/python` times another checkout (say the reference build) on the
same profile files: each side runs in its own process, the two alternate `--rounds` times,
and every figure is the median over all of a side's runs.

    .venv/bin/python benchmarks/bench_programmes.py [--runs N] [--rounds R]
        [--sizes 100,200,500,1000] [--against OTHER/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from bench_profile_size import _base, grow

STAGES = ("read/validate", "facts", "evaluation", "findings", "scoring", "render")
GC = "of which GC"
WHOLE = "end to end"
DEFAULT_SIZES = (100, 200, 500, 1000)
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}

Times = dict[str, dict[str, list[float]]]  # size → stage → seconds of each run


def write_profiles(folder: Path, sizes: Sequence[int]) -> list[Path]:
    """The Tunisia 2020 profile grown to each number of programmes, as YAML files."""
    base = _base()
    paths = []
    for size in sizes:
        path = folder / f"programmes-{size}.yaml"
        data = grow(base, {"programmes": size})
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def measure(paths: Sequence[Path], runs: int, clock: Callable[[], float]) -> Times:
    """Each stage's seconds over `runs` timed runs (after one warm-up) of each profile."""
    # Imported here: with --against, the parent only writes profiles and reads JSON, and the
    # child imports whichever checkout its interpreter has installed.
    from ssa_risk.assessment import builder
    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.base.project import bundled_project
    from ssa_risk.evaluation.durable import RuleEngine, evaluate
    from ssa_risk.profile.facts import profile_facts
    from ssa_risk.profile.reader import load_profile
    from ssa_risk.reports.render import render_report

    collecting: list[float] = []  # the collector's time in this run, and when it started

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting.append(-clock())
        else:
            collecting[-1] += clock()

    gc.callbacks.append(on_collect)
    project = bundled_project()
    assessor = Assessor.load(project.rules, project.templates)
    RuleEngine.get().register(assessor.compiled)
    ruleset, compiled = assessor.ruleset, assessor.compiled

    # build_assessment calls build_findings: timing that inner call splits the two stages
    # without doing the work twice.
    finding: list[float] = []
    build_findings = builder.build_findings

    def timed_findings(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return build_findings(*args, **kwargs)
        finally:
            finding.append(clock() - start)

    builder.build_findings = timed_findings

    def stages(path: Path) -> tuple[float, ...]:
        """Each stage's seconds, and the collector's, for one run."""
        collecting.clear()
        laps: list[float] = [clock()]

        def lap() -> float:
            laps.append(clock())
            return laps[-1] - laps[-2]

        profile = load_profile(path)
        t_read = lap()
        facts = profile_facts(profile)
        t_facts = lap()
        firings, signals = evaluate(compiled, facts)
        t_eval = lap()
        assessment = builder.build_assessment(
            profile,
            ruleset,
            facts,
            firings,
            signals,
            assessor.templates_sha256,
            assessor.templates_folder,
        )
        t_assessment = lap()
        render_report(assessment, project.templates, "md")
        t_render = lap()
        t_findings = finding[-1]
        scoring = t_assessment - t_findings
        return t_read, t_facts, t_eval, t_findings, scoring, t_render, sum(collecting)

    def whole(path: Path) -> float:
        """Seconds for the same work as the command does it, one call each."""
        start = clock()
        render_report(assessor.assess(path), project.templates, "md")
        return clock() - start

    out: Times = {}
    for path in paths:
        size = path.stem.rsplit("-", 1)[1]
        times: dict[str, list[float]] = {stage: [] for stage in (*STAGES, GC, WHOLE)}
        stages(path)  # warm-up
        whole(path)
        for _ in range(runs):
            # Nothing of one run is alive in the next: each is a call of its own.
            for stage, seconds in zip((*STAGES, GC), stages(path), strict=True):
                times[stage].append(seconds)
            times[WHOLE].append(whole(path))
        out[size] = times
    builder.build_findings = build_findings
    return out


def medians(times: Times) -> dict[str, dict[str, float]]:
    """size → stage → median milliseconds, with "total" the sum of the stages' medians."""
    out: dict[str, dict[str, float]] = {}
    for size, stages in times.items():
        row = {stage: statistics.median(each) * 1000 for stage, each in stages.items()}
        row["total"] = sum(row[stage] for stage in STAGES)
        out[size] = row
    return out


def merge(into: Times, more: Times) -> None:
    for size, stages in more.items():
        for stage, each in stages.items():
            into.setdefault(size, {}).setdefault(stage, []).extend(each)


def run_child(python: str, folder: Path, runs: int, clock: str) -> Times:
    """The timings of `python` running this script on the profiles in `folder`."""
    done = subprocess.run(
        [python, __file__, "--measure", str(folder), "--runs", str(runs), "--clock", clock],
        check=True,
        capture_output=True,
        text=True,
    )
    times: Times = json.loads(done.stdout)
    return times


def table(label: str, rows: dict[str, dict[str, float]]) -> list[str]:
    sizes = list(rows)
    lines = [
        f"{label}: median ms per stage",
        f"  {'stage':<14}" + "".join(f"{s:>10}" for s in sizes),
    ]
    for stage in (*STAGES, "total", GC, WHOLE):
        lines.append(f"  {stage:<14}" + "".join(f"{rows[s][stage]:>10.2f}" for s in sizes))
    first, last = sizes[0], sizes[-1]
    ratios = ", ".join(
        f"{stage} {rows[last][stage] / rows[first][stage]:.1f}×"
        for stage in (*STAGES, "total", WHOLE)
        if rows[first][stage] > 0
    )
    lines.append(f"  {last}/{first} programmes: {ratios}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per size and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds with --against")
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="numbers of programmes, comma-separated (default 100,200,500,1000)",
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: the process's CPU time, which other work on the machine disturbs less "
        "(default); wall: elapsed time",
    )
    parser.add_argument("--against", metavar="PYTHON", help="another checkout's interpreter")
    parser.add_argument("--measure", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:  # a child: time the profiles already written, print JSON
        folder = Path(args.measure)
        paths = sorted(folder.glob("programmes-*.yaml"), key=lambda p: int(p.stem.split("-")[1]))
        print(json.dumps(measure(paths, args.runs, CLOCKS[args.clock])))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"Tunisia 2020 grown to {', '.join(f'{s:,}' for s in sizes)} programmes")
    with tempfile.TemporaryDirectory(prefix="ssa-risk-programmes-") as tmp:
        folder = Path(tmp)
        paths = write_profiles(folder, sizes)
        sides: list[tuple[str, Callable[[], Times]]] = []
        if args.against:
            here, there = sys.executable, args.against
            sides.append(("this checkout", lambda: run_child(here, folder, args.runs, args.clock)))
            sides.append((there, lambda: run_child(there, folder, args.runs, args.clock)))
            rounds = args.rounds
        else:
            sides.append(("this checkout", lambda: measure(paths, args.runs, CLOCKS[args.clock])))
            rounds = 1
        collected: dict[str, Times] = {label: {} for label, _ in sides}
        for r in range(rounds):
            # Alternate which side goes first, so neither always runs on a warmer machine.
            for label, run in sides if r % 2 == 0 else sides[::-1]:
                merge(collected[label], run())
    runs = args.runs * rounds
    print(f"{runs} timed runs per size and side, after a warm-up; medians of {args.clock} time")
    print()
    results = {label: medians(times) for label, times in collected.items()}
    for label, rows in results.items():
        print("\n".join(table(label, rows)))
        print()
    if args.against:
        (mine, other) = results.values()
        first, last = str(sizes[0]), str(sizes[-1])
        for measured in ("total", WHOLE):
            print(f"{measured} {last}/{first} programmes, side by side")
            for label, rows in results.items():
                print(
                    f"  {label:<40} {rows[last][measured] / rows[first][measured]:>5.1f}×"
                    f"  ({rows[first][measured]:.1f} → {rows[last][measured]:.1f} ms)"
                )
            for size in (first, last):
                print(
                    f"  this checkout at {size} programmes: "
                    f"{mine[size][measured] / other[size][measured]:.2f}× the other's time"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
