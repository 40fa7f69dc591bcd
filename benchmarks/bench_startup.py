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

    .venv/bin/python benchmarks/bench_startup.py [--runs N]
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


def median_ms(command: list[str], runs: int) -> float:
    """The median wall time of `command` in a fresh process, after one warm-up run."""
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    command = str(Path(python).parent / "ssa-risk")
    with tempfile.TemporaryDirectory() as folder:
        output = str(Path(folder) / "tunisia-2020.md")
        rows = [
            ("python -c pass", [python, "-c", "pass"]),
            ("python -c 'import click'", [python, "-c", "import click"]),
            ("ssa-risk --help", [command, "--help"]),
            ("ssa-risk assess --help", [command, "assess", "--help"]),
            ("import floor of assess", [python, "-c", ASSESS_FLOOR]),
            (f"ssa-risk assess {PROFILE} -o OUT.md", [command, "assess", PROFILE, "-o", output]),
        ]
        times = {name: median_ms(argv, args.runs) for name, argv in rows}
    click_ms = times["python -c 'import click'"]
    floor_ms = times["import floor of assess"]
    against = {
        "ssa-risk --help": click_ms,
        "ssa-risk assess --help": click_ms,
        f"ssa-risk assess {PROFILE} -o OUT.md": floor_ms,
    }
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"cold start, fresh process each run, median of {args.runs} runs")
    width = max(len(name) for name, _ in rows)
    print(f"{'command':<{width}}  {'ms':>7}  ratio")
    for name, _ in rows:
        ratio = f"{times[name] / against[name]:.2f}x" if name in against else ""
        print(f"{name:<{width}}  {times[name]:7.1f}  {ratio}")
    print("ratio: the help rows against `import click`, the assessment against its import floor")


if __name__ == "__main__":
    main()
