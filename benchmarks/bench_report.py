"""Benchmark one assessment plus its Markdown report, per profile, over many synthetic profiles.

What is measured: for every profile of a folder (by default 1,000 synthetic profiles that
bench_assess.py's generator writes, seed 1), `Assessor.assess(path)` and then
`render_report(assessment, templates)` (Markdown), in one process with one `Assessor`, after
one warm-up pass over the first profiles. Each round times every profile once; the figure of
a round is its mean per profile, of the assessment, of the report and of both; the table
gives the median over rounds. The rendered reports are hashed: two installations compared
must write the same bytes.

Times are CPU time of the process by default (`--clock cpu`): on a machine shared with other
work, elapsed time also counts the waits for a core; `--clock wall` gives elapsed time.

`--against OTHER/.venv/bin/python` times another installation (say the reference build) on
the same profile files: each side runs in its own process, one round at a time, the two
alternating `--rounds` times; every figure is the median over a side's rounds. Each side
uses the rule set and templates of its own checkout (the folder holding its `.venv`).

    .venv/bin/python benchmarks/bench_report.py [--profiles-dir DIR | --profiles N --seed S]
        [--rounds R] [--clock cpu|wall] [--against OTHER/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import hashlib
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

REPO_ROOT = Path(__file__).resolve().parents[1]
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
PHASES = ("assess", "Markdown report", "assess + Markdown")
# The reference for what the report's sandbox costs: the same templates rendered by Jinja
# without it, set up alike (plain_environment); not part of the assessment's time.
UNSANDBOXED = "report, no sandbox"
WARM_UP = 20


def plain_environment(templates: Path) -> Any:
    """Jinja's own Environment, without the sandbox, set up as the reports' sandbox is: the
    same options, globals and filters (Jinja's filters unwrapped from their limit checks)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from ssa_risk.reports.render import _environment

    sandbox = _environment(templates.resolve())
    plain = Environment(
        loader=FileSystemLoader(str(templates)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    plain.globals.update(sandbox.globals)
    filters = sandbox.filters.items()
    plain.filters.update({name: getattr(f, "__wrapped__", f) for name, f in filters})
    return plain


def measure(root: Path, paths: Sequence[Path], clock: Callable[[], float]) -> dict[str, object]:
    """One round over `paths` after a warm-up: the mean seconds per profile of each phase,
    and a hash of every report written; and the report rendered without the sandbox, with
    whether it wrote the same text every time."""
    # Imported here: with --against, the parent only lists profiles and reads JSON, and the
    # child imports whichever installation its interpreter has.
    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.reports.render import render_report

    rules, templates = root / "rules", root / "templates"
    assessor = Assessor.load(rules, templates)
    plain = plain_environment(templates).get_template("report.md.j2")
    for path in paths[:WARM_UP]:
        render_report(assessor.assess(path), templates)
        plain.render(a=assessor.assess(path), charts={})
    assess = render = unsandboxed = 0.0
    alike = True
    digest = hashlib.sha256()
    for path in paths:
        start = clock()
        assessment = assessor.assess(path)
        middle = clock()
        text = render_report(assessment, templates)
        end = clock()
        plain_text = plain.render(a=assessment, charts={})
        unsandboxed += clock() - end
        alike = alike and plain_text.rstrip("\n") + "\n" == text
        assess += middle - start
        render += end - middle
        digest.update(text.encode())
    n = len(paths)
    return {
        "assess": assess / n,
        "Markdown report": render / n,
        "assess + Markdown": (assess + render) / n,
        UNSANDBOXED: unsandboxed / n,
        "unsandboxed alike": alike,
        "reports": digest.hexdigest(),
    }


def checkout_of(python: str) -> Path:
    """The checkout an installation's python belongs to (CHECKOUT/.venv/bin/python)."""
    root = Path(python).absolute().parents[2]
    return root if (root / "templates").is_dir() else REPO_ROOT


def run_child(python: str, folder: Path, clock: str) -> dict[str, object]:
    root = checkout_of(python)
    command = [
        python,
        str(Path(__file__).resolve()),
        "--child",
        "--root",
        str(root),
        "--profiles-dir",
        str(folder),
    ]
    # Run from the checkout, so that reports show its files as paths inside the project, as
    # they would from either checkout: the two sides' reports can then be compared.
    done = subprocess.run(
        [*command, "--clock", clock],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def profile_paths(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles-dir", type=Path, help="assess the profiles in this folder")
    parser.add_argument("--profiles", type=int, default=1000, help="synthetic profiles (1000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic profiles (1)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each side (5)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    parser.add_argument("--against", metavar="PYTHON", help="another installation's python")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        paths = profile_paths(args.profiles_dir)
        print(json.dumps(measure(args.root, paths, CLOCKS[args.clock])))
        return 0
    with tempfile.TemporaryDirectory(prefix="ssa-risk-bench-report-") as tmp:
        folder = args.profiles_dir
        if folder is None:
            from bench_assess import write_profiles

            folder = Path(tmp)
            write_profiles(folder, args.profiles, args.seed)
        n = len(profile_paths(folder))
        sides = {"this": sys.executable}
        if args.against is not None:
            sides = {"against": args.against, **sides}
        rounds: dict[str, list[dict[str, object]]] = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side, python in sides.items():
                rounds[side].append(run_child(python, folder, args.clock))
    print(f"SSA Risk: assessment + Markdown report per profile ({args.clock} time)")
    print(f"  machine  {platform.platform()}, python {platform.python_version()}")
    print(f"  profiles {n} in {args.profiles_dir or f'a temporary folder (seed {args.seed})'}")
    print(f"  rounds   {args.rounds} per side, alternating; median of the rounds' means")
    print()
    print(f"  {'ms per profile':<20}" + "".join(f"{side:>10}" for side in sides))
    for phase in (*PHASES, UNSANDBOXED):
        cells = [statistics.median(float(str(r[phase])) for r in rounds[side]) for side in sides]
        print(f"  {phase:<20}" + "".join(f"{c * 1000:>10.2f}" for c in cells))
    hashes = {str(r["reports"]) for side in sides for r in rounds[side]}
    same = "the same bytes" if len(hashes) == 1 else "DIFFERENT bytes"
    print()
    print(f"  reports: {same} in every round{' and on both sides' if args.against else ''}")
    alike = all(r["unsandboxed alike"] for side in sides for r in rounds[side])
    print(
        "  unsandboxed: the report's templates rendered by Jinja without the sandbox, set up"
        " alike (a reference, not part of an assessment); "
        + ("the same text for every profile" if alike else "A DIFFERENT TEXT for some profile")
    )
    if args.against is not None:
        print(f"  against: {args.against}")
    return 0 if len(hashes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
