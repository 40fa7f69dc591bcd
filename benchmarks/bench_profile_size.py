"""Time and peak memory of one assessment as a profile's lists grow, up to and past the limits.

Each case starts from the bundled Tunisia 2020 profile (merged with the snapshots it extends)
and adds copies of one kind of entry, chosen to make the rules work as hard as they can: armed
forces whose budget and political role are rising, programmes that go to the parties of a
high-intensity rivalry, credible and unremediated abuses, and so on. Each profile is assessed
in a fresh process (`ssa-risk assess … -o report.md`), so the figures include start-up, and
the table gives the wall time and the peak resident memory of that process. The last rows put
every list at its limit at once, and one past. Each process runs without
PYTHONDONTWRITEBYTECODE, as bench_startup.py's do: with it, an editable install compiles every
module of ssa_risk at each start, and the figures would be of that.

    .venv/bin/python benchmarks/bench_profile_size.py
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ssa_risk.profile.schema import LIST_LIMITS
from ssa_risk.profile.snapshots import load_snapshot

# The checkout's own folders, whatever the working folder.
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PROFILES = REPO_ROOT / "profiles"

BASE = DEFAULT_PROFILES / "tunisia" / "2020.yaml"
ROOT = Path(__file__).resolve().parent.parent


def _base() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(load_snapshot(BASE).data)
    data.pop("extends", None)
    return data


def _list(data: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    node: Any = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    items: list[Any] = node.setdefault(path[-1], [])
    return items


def grow(data: dict[str, Any], sizes: Mapping[str, int]) -> dict[str, Any]:
    """`data` with each named list grown to the given number of entries."""
    out = copy.deepcopy(data)
    for name, size in sizes.items():
        path = LIST_LIMITS[name][0]
        items = _list(out, path)
        for k in range(len(items), size):
            items.append(_entry(name, k, items))
    return out


def _entry(name: str, k: int, items: list[Any]) -> Any:
    if name == "institutions":
        return {
            "id": f"force{k}",
            "name": f"Force {k}",
            "kind": "armed_forces",
            "budget_trend": "rising",
            "political_role": "rising",
        }
    if name == "programmes":
        return {
            "id": f"prog{k}",
            "name": f"Programme {k}",
            "kind": "counter_terrorism",
            "focus": "operational",
            "recipient": "armed_forces" if k % 2 else "internal_security",
            "from_fy": 2018,
            "to_fy": 2019,
            "total_usd": 1_000_000 + k,
        }
    if name == "sources":
        return {"id": f"src{k}", "title": f"Source {k}"}
    if name == "coups":
        return {"year": 1960 + k % 60, "kind": "attempt", "outcome": "failed"}
    if name == "period_totals":
        return {"from_fy": 1900 + k, "to_fy": 1900 + k, "total_usd": 0}
    if name == "neighbour_coups":
        return {"country": f"Neighbour {k}", "year": 1960 + k % 60, "outcome": "succeeded"}
    if name == "other_donors":
        return {"name": f"Donor {k}", "annual_usd": 1_000_000 + k, "focus": "operational"}
    if name == "foreign_forces":
        return {"country": f"State {k}", "kind": "training_mission", "since": 2000 + k % 20}
    # rivalries, threats, abuses, reform areas, frameworks: copies of the first bundled entry
    return copy.deepcopy(items[0])


def measure(data: dict[str, Any], folder: Path) -> tuple[float, float, int, str]:
    """(seconds, peak MiB, exit code, first line of stderr) of `ssa-risk assess` on `data`."""
    profile = folder / "profile.yaml"
    profile.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    errors = folder / "stderr.txt"
    start = time.perf_counter()
    with errors.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "assess", str(profile), "-o", "r.md"],
            cwd=folder,
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        # wait4 gives this child's own peak memory (Linux: ru_maxrss in KiB).
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    first = (errors.read_text(encoding="utf-8").splitlines() or [""])[0]
    return seconds, usage.ru_maxrss / 1024, child.returncode, first


def main() -> int:
    base = _base()
    cases: list[tuple[str, dict[str, int]]] = []
    for name, (_, limit) in LIST_LIMITS.items():
        cases.append((f"{name} = {limit:,} (the limit)", {name: limit}))
    at_limit = {name: limit for name, (_, limit) in LIST_LIMITS.items()}
    cases.append(("every list at its limit", at_limit))
    cases.append(
        ("institutions one past the limit", {"institutions": LIST_LIMITS["institutions"][1] + 1})
    )
    print(f"{'case':<44} {'seconds':>8} {'peak MiB':>9}  exit")
    with tempfile.TemporaryDirectory() as tmp:
        for label, sizes in cases:
            seconds, mib, code, err = measure(grow(base, sizes), Path(tmp))
            print(f"{label:<44} {seconds:>8.2f} {mib:>9.0f}  {code} {err[:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
