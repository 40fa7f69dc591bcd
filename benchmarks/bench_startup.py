"""Benchmark how fast the `ssa-risk` command starts: each row is a fresh process, timed from
start to exit (the median of `--runs` runs after one warm-up run, in milliseconds).

- `python -c pass`: the interpreter alone.
- `import click`: the floor of any click command.
- `ssa-risk --help` and `ssa-risk assess --help`: should import click and little else.
- the import floor of `assess`: the third-party packages a Markdown assessment needs (click,
  PyYAML, jsonschema, Jinja2, durable_rules), imported and nothing done.
- `ssa-risk assess profiles/tunisia/2020.yaml -o OUT.md`: a whole Markdown assessment.

The last column compares the two help rows with `import click` and the assessment with its
import floor. Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_startup.py [--runs N] [--against OTHER/.venv/bin/python]

`--against` times the same rows with another installation (say a checkout of an earlier
commit) in the same run, the two taking turns, and prints its figures in columns of their own.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "profiles/tunisia/2020.yaml"
# What `ssa-risk assess` imports from outside the standard library and ssa_risk, at the top
# (the packages these pull in come along, as they do for the command).
ASSESS_FLOOR = "import click, yaml, jsonschema, jinja2, durable.engine, durable_rules_engine"


def rows(python: str, folder: str) -> list[tuple[str, list[str]]]:
    """What is timed, with the interpreter `python` and its `ssa-risk` script."""
    command = str(Path(python).parent / "ssa-risk")
    output = str(Path(folder) / "tunisia-2020.md")
    return [
        ("python -c pass", [python, "-c", "pass"]),
        ("python -c 'import click'", [python, "-c", "import click"]),
        ("ssa-risk --help", [command, "--help"]),
        ("ssa-risk assess --help", [command, "assess", "--help"]),
        ("import floor of assess", [python, "-c", ASSESS_FLOOR]),
        (f"ssa-risk assess {PROFILE} -o OUT.md", [command, "assess", PROFILE, "-o", output]),
    ]


def run_ms(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def medians(sides: list[list[tuple[str, list[str]]]], runs: int) -> list[dict[str, float]]:
    """The median wall time of each row of each side in a fresh process, after one warm-up
    run; the sides take turns, so that a busy moment of the machine falls on both."""
    times: list[dict[str, list[float]]] = [{name: [] for name, _ in side} for side in sides]
    for side in sides:
        for _, command in side:
            run_ms(command)
    for _ in range(runs):
        for index in range(len(sides[0])):
            for side, measured in zip(sides, times, strict=True):
                name, command = side[index]
                measured[name].append(run_ms(command))
    return [{name: statistics.median(t) for name, t in side.items()} for side in times]


def ratios(times: dict[str, float]) -> dict[str, str]:
    """The help rows against `import click`, the assessment against its import floor."""
    click_ms = times["python -c 'import click'"]
    floor_ms = times["import floor of assess"]
    against = {
        "ssa-risk --help": click_ms,
        "ssa-risk assess --help": click_ms,
        f"ssa-risk assess {PROFILE} -o OUT.md": floor_ms,
    }
    return {name: f"{times[name] / base:.2f}x" for name, base in against.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", metavar="PYTHON", help="another installation's python")
    args = parser.parse_args()
    pythons = [sys.executable] if args.against is None else [args.against, sys.executable]
    with tempfile.TemporaryDirectory() as folder:
        sides = [rows(python, folder) for python in pythons]
        results = medians(sides, args.runs)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"cold start, fresh process each run, median of {args.runs} runs")
    names = [name for name, _ in sides[0]]
    width = max(len(name) for name in names)
    header = f"{'command':<{width}}"
    if args.against is not None:
        header += f"  {'against ms':>10}  {'ratio':>6}"
    print(f"{header}  {'ms':>7}  ratio")
    shown = [(times, ratios(times)) for times in results]
    for name in names:
        line = f"{name:<{width}}"
        if args.against is not None:
            line += f"  {shown[0][0][name]:10.1f}  {shown[0][1].get(name, ''):>6}"
        times, ratio = shown[-1]
        print(f"{line}  {times[name]:7.1f}  {ratio.get(name, '')}".rstrip())
    print("ratio: the help rows against `import click`, the assessment against its import floor")
    if args.against is not None:
        print(f"against: {args.against}")


if __name__ == "__main__":
    main()
