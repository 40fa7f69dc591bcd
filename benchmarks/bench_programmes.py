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
- scoring: the rest of `build_assessment` (lenses, overall rating, portfolio, fact values;
  timed as `build_assessment` less a `build_findings` timed on its own, since the first
  calls the second);
- render: `render_report(…, "md")`.

The total is the sum of the stages' medians; the ratio is the 1,000-programme total over the
100-programme one (linear growth from 100 to 1,000 would be 10×, with a fixed part below it).
A last row, "of which GC", is the time the cyclic garbage collector ran during the run (it is
inside the stages' times): its full collections walk every live object, so it grows faster
than the profile.

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

import yaml
from bench_profile_size import _base, grow

STAGES = ("read/validate", "facts", "evaluation", "findings", "scoring", "render")
GC = "of which GC"
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
    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.assessment.builder import build_assessment, build_findings
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

    def once(path: Path, times: dict[str, list[float]] | None) -> None:
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
        build_findings(profile, ruleset, facts, firings, signals)
        t_findings = lap()
        assessment = build_assessment(
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
        if times is not None:
            for stage, seconds in zip(
                STAGES,
                (t_read, t_facts, t_eval, t_findings, t_assessment - t_findings, t_render),
                strict=True,
            ):
                times[stage].append(seconds)
            times[GC].append(sum(collecting))

    out: Times = {}
    for path in paths:
        size = path.stem.rsplit("-", 1)[1]
        times: dict[str, list[float]] = {stage: [] for stage in (*STAGES, GC)}
        once(path, None)
        for _ in range(runs):
            once(path, times)
        out[size] = times
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
    for stage in (*STAGES, "total", GC):
        lines.append(f"  {stage:<14}" + "".join(f"{rows[s][stage]:>10.2f}" for s in sizes))
    first, last = sizes[0], sizes[-1]
    ratios = ", ".join(
        f"{stage} {rows[last][stage] / rows[first][stage]:.1f}×"
        for stage in (*STAGES, "total")
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
        print(f"total {last}/{first} programmes, side by side")
        for label, rows in results.items():
            print(
                f"  {label:<40} {rows[last]['total'] / rows[first]['total']:>5.1f}×"
                f"  ({rows[first]['total']:.1f} → {rows[last]['total']:.1f} ms)"
            )
        print(
            f"  this checkout at {last} programmes: "
            f"{mine[last]['total'] / other[last]['total']:.2f}× the other's time"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
