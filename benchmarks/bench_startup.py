"""Benchmark how fast the `ssa-risk` command starts: each row is a fresh process, timed from
start to exit (the median of `--runs` runs after one warm-up run, in milliseconds).

- `python -c pass`: the interpreter alone.
- `import click`: the floor of any click command.
- `ssa-risk --help` and `ssa-risk assess --help`: should import click and little else.
- the import floors of `assess`: every third-party module a Markdown assessment has loaded
  when it ends (found by running it in this installation, once with an empty cache folder and
  once with a warm one; listed below the table), imported and nothing done. The standard
  library is not counted: it is the interpreter's floor.
- `ssa-risk assess profiles/tunisia/2020.yaml -o OUT.md`, twice: with an empty cache folder
  (a new one each run: the rule files are read and checked, the templates compiled) and with
  a warm one (the checked rule set and the compiled templates read from the cache; see
  ssa_risk.base.cache). Each is compared with its own floor: with an empty cache the rule
  files are checked with jsonschema, which then belongs to the floor; with a warm one not.

The last column compares the two help rows with `import click` and the assessments with
their import floor. Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_startup.py [--runs N] [--against OTHER/.venv/bin/python]

`--against` times the same rows with another installation (say a checkout of an earlier
commit) in the same run, the two taking turns, and prints its figures in columns of their own;
its floor is that of its own assessment's imports. An installation without the cache times
the same either way.

Every process runs without PYTHONDONTWRITEBYTECODE, so that the warm-up run leaves the
compiled .pyc files an installed package has (pip compiles them when it installs a wheel);
with it set, an editable install compiles every module of ssa_risk from source at each start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "profiles/tunisia/2020.yaml"
ASSESS_COLD = f"ssa-risk assess {PROFILE} -o OUT.md, empty cache"
ASSESS_WARM = f"ssa-risk assess {PROFILE} -o OUT.md, warm cache"
FLOOR_COLD = "import floor of assess, empty cache"
FLOOR_WARM = "import floor of assess, warm cache"
WORK_WARM = "the floor + its dependencies' own work, warm cache"
CODE_WARM = "the same + reading ssa_risk's compiled modules"

# Runs `assess` in this interpreter and prints the third-party modules then loaded: not the
# standard library, not ssa_risk, not private helper modules (a leading '_').
PROBE = """
import json, sys
from ssa_risk.console.cli import main
sys.argv = ["ssa-risk", "assess", sys.argv[1], "-o", sys.argv[2]]
try:
    main()
except SystemExit:
    pass
skip = set(sys.stdlib_module_names) | {"ssa_risk", "__main__", "__mp_main__"}
found = sorted(
    name for name, module in list(sys.modules.items())
    if module is not None and name.split(".")[0] not in skip and not name.startswith("_")
    and getattr(module, "__spec__", None) is not None
)
print(json.dumps(found))
"""


# Runs `assess` in this interpreter (its cache folder warm) and writes to a JSON file what the
# command asked of its dependencies: the rule set it registered with durable_rules and the facts
# it asserted, as they were passed; the YAML files it read (the snapshot and those it extends);
# the templates Jinja loaded, with the names of the filters they use; and the compiled file of
# each ssa_risk module it loaded.
RECORD = """
import json, sys
from pathlib import Path
import durable.engine, durable_rules_engine, jinja2, yaml
profile, output, record = sys.argv[1:4]
asked = {"rulesets": [], "facts": [], "yaml": [], "templates": [], "filters": []}
register = durable.engine.Host.register_rulesets
assert_facts = durable_rules_engine.assert_facts
get_source = jinja2.FileSystemLoader.get_source
def registering(host, sets):
    asked["rulesets"].append({
        name: {rule: {k: v for k, v in body.items() if k != "run"} for rule, body in rules.items()}
        for name, rules in sets.items()
    })
    return register(host, sets)
def asserting(handle, facts):
    asked["facts"].append(facts)
    return assert_facts(handle, facts)
def sourcing(loader, env, name):
    asked["templates"].append([loader.searchpath, name])
    asked["filters"] = sorted(set(asked["filters"]) | set(env.filters))
    return get_source(loader, env, name)
durable.engine.Host.register_rulesets = registering
durable_rules_engine.assert_facts = asserting
jinja2.FileSystemLoader.get_source = sourcing
from ssa_risk.console.cli import main
sys.argv = ["ssa-risk", "assess", profile, "-o", output]
try:
    main()
except SystemExit:
    pass
path = Path(profile).resolve()
while path is not None:
    asked["yaml"].append(str(path))
    extends = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("extends")
    path = path.parent / extends if extends else None
asked["compiled"] = sorted(
    module.__spec__.cached for name, module in list(sys.modules.items())
    if name.split(".")[0] == "ssa_risk" and getattr(module, "__spec__", None) is not None
    and module.__spec__.cached is not None
)
Path(record).write_text(json.dumps(asked), encoding="utf-8")
"""

# Does, in a fresh process, what RECORD found `assess` asked of its dependencies, and nothing of
# its own: imports the floor's modules, registers the rule set with durable_rules and asserts
# the facts (the actions they trigger are not run), composes each YAML file with libyaml, and
# has Jinja load the templates (compiled code from a bytecode cache of its own, warm after the
# first run; they are not rendered: that needs the library's objects). With `--compiled`, it
# also reads and unmarshals the compiled code of every ssa_risk module the command loaded,
# without running it.
REPLAY = """
import json, marshal, sys
record = json.loads(open(sys.argv[1], encoding="utf-8").read())
bytecode = sys.argv[2]
import {floor}
import durable.engine, durable_rules_engine, jinja2, yaml
host = durable.engine.Host()
for sets in record["rulesets"]:
    for rules in sets.values():
        for body in rules.values():
            body["run"] = lambda c: None
    host.register_rulesets(sets)
handle = host.get_ruleset(next(iter(record["rulesets"][-1])))._handle
for facts in record["facts"]:
    durable_rules_engine.assert_facts(handle, facts)
for name in record["yaml"]:
    with open(name, encoding="utf-8") as file:
        yaml.compose(file, Loader=yaml.CSafeLoader)
envs = {{}}
for folder, name in record["templates"]:
    key = tuple(folder)
    if key not in envs:
        envs[key] = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder), trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, bytecode_cache=jinja2.FileSystemBytecodeCache(bytecode),
        )
        envs[key].filters.update(dict.fromkeys(record["filters"], str))
    envs[key].get_template(name)
if "--compiled" in sys.argv:
    for name in record["compiled"]:
        with open(name, "rb") as file:
            marshal.loads(file.read()[16:])
"""


def environment(cache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("SSA_RISK_CACHE", None)
    if cache is not None:
        env["SSA_RISK_CACHE_DIR"] = str(cache)
    return env


def assess_imports(python: str, folder: Path) -> tuple[list[str], list[str]]:
    """The third-party modules `ssa-risk assess` has loaded at its end, in this installation:
    with an empty cache folder, then with the same folder warm."""
    found = []
    for _ in ("empty", "warm"):
        out = subprocess.run(
            [python, "-c", PROBE, PROFILE, str(folder / "probe.md")],
            cwd=ROOT,
            env=environment(folder / "probe-cache"),
            check=True,
            capture_output=True,
            text=True,
        )
        found.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return found[0], found[1]


def record_work(python: str, folder: Path) -> Path:
    """What a warm `ssa-risk assess` asks of its dependencies (RECORD), in a JSON file."""
    record = folder / "record.json"
    subprocess.run(
        [python, "-c", RECORD, PROFILE, str(folder / "record.md"), str(record)],
        cwd=ROOT,
        env=environment(folder / "probe-cache"),
        check=True,
        capture_output=True,
    )
    return record


# A row: its name, the command, and its cache folder: None (none given), "empty" (a new
# empty folder for each run) or "warm" (one folder, filled by the warm-up run).
Row = tuple[str, list[str], str | None]


def rows(python: str, folder: Path, floors: tuple[list[str], list[str]], record: Path) -> list[Row]:
    """What is timed, with the interpreter `python` and its `ssa-risk` script."""
    command = str(Path(python).parent / "ssa-risk")
    output = str(folder / "tunisia-2020.md")
    assess = [command, "assess", PROFILE, "-o", output]
    replay = [python, "-c", REPLAY.format(floor=", ".join(floors[1])), str(record)]
    replay.append(str(folder / "replay-bytecode"))
    return [
        ("python -c pass", [python, "-c", "pass"], None),
        ("python -c 'import click'", [python, "-c", "import click"], None),
        ("ssa-risk --help", [command, "--help"], None),
        ("ssa-risk assess --help", [command, "assess", "--help"], None),
        (FLOOR_COLD, [python, "-c", "import " + ", ".join(floors[0])], None),
        (ASSESS_COLD, assess, "empty"),
        (FLOOR_WARM, [python, "-c", "import " + ", ".join(floors[1])], None),
        (WORK_WARM, replay, None),
        (CODE_WARM, [*replay, "--compiled"], None),
        (ASSESS_WARM, assess, "warm"),
    ]


def run_ms(row: Row, folder: Path) -> float:
    _, command, cache = row
    where = None
    if cache == "empty":
        where = Path(tempfile.mkdtemp(prefix="cache-", dir=folder))
    elif cache == "warm":
        where = folder / "warm-cache"
    env = environment(where)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def medians(sides: list[tuple[list[Row], Path]], runs: int) -> list[dict[str, float]]:
    """The median wall time of each row of each side in a fresh process, after one warm-up
    run; the sides take turns, so that a busy moment of the machine falls on both."""
    times: list[dict[str, list[float]]] = [{row[0]: [] for row in side} for side, _ in sides]
    for side, folder in sides:
        for row in side:
            run_ms(row, folder)
    for _ in range(runs):
        for index in range(len(sides[0][0])):
            for (side, folder), measured in zip(sides, times, strict=True):
                measured[side[index][0]].append(run_ms(side[index], folder))
    return [{name: statistics.median(t) for name, t in side.items()} for side in times]


def ratios(times: dict[str, float]) -> dict[str, str]:
    """The help rows against `import click`, the assessments against their import floor."""
    click_ms = times["python -c 'import click'"]
    against = {
        "ssa-risk --help": click_ms,
        "ssa-risk assess --help": click_ms,
        ASSESS_COLD: times[FLOOR_COLD],
        WORK_WARM: times[FLOOR_WARM],
        CODE_WARM: times[FLOOR_WARM],
        ASSESS_WARM: times[FLOOR_WARM],
    }
    return {name: f"{times[name] / base:.2f}x" for name, base in against.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", metavar="PYTHON", help="another installation's python")
    args = parser.parse_args()
    pythons = [sys.executable] if args.against is None else [args.against, sys.executable]
    with tempfile.TemporaryDirectory() as temp:
        sides: list[tuple[list[Row], Path]] = []
        floors: list[tuple[list[str], list[str]]] = []
        for n, python in enumerate(pythons):
            folder = Path(temp) / f"side{n}"
            folder.mkdir()
            (folder / "replay-bytecode").mkdir()
            floors.append(assess_imports(python, folder))
            record = record_work(python, folder)
            sides.append((rows(python, folder, floors[-1], record), folder))
        results = medians(sides, args.runs)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"cold start, fresh process each run, median of {args.runs} runs")
    names = [row[0] for row in sides[0][0]]
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
    print(
        "ratio: the help rows against `import click`; the assessments, and the rows that do"
        " what the warm assessment asked of its dependencies, against their import floor"
    )
    labels = ["against's", "this"] if args.against is not None else ["this"]
    for side, floor in zip(labels, floors, strict=True):
        for cache, modules in zip(("empty", "warm"), floor, strict=True):
            tops = sorted({name.split(".")[0] for name in modules})
            print(
                f"{side} import floor, {cache} cache: {len(modules)} modules of {', '.join(tops)}"
            )
    if args.against is not None:
        print(f"against: {args.against}")


if __name__ == "__main__":
    main()
