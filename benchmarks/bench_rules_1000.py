"""Load and evaluate a rule set of 1,000 rules and more: the bundled rules plus generated ones.

What is measured: a copy of the bundled rule set gets `--extra` generated rules (in its
civil-military file), each testing one numeric field of one fact kind for equality with its
own value (so no fact passes more than one test of a field at once), spread over every numeric
field the profile schema offers, with a severity and a citation like any rule. The set is
loaded and checked (the loader's engine-limit checks included), compiled and registered, then
every bundled profile is assessed with it, each evaluation cross-checked by the independent
evaluator (`--verify`). The report gives the rule count, the load time, the time per
assessment, and whether durable_rules and the independent evaluator agreed.

    .venv/bin/python benchmarks/bench_rules_1000.py [--extra N]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.batch import profiles_in
from ssa_risk.profile.facts import LINE_FACT, field_schemas

ROOT = Path(__file__).resolve().parents[1]


def numeric_fields() -> list[tuple[str, str, int, int]]:
    """(fact kind, field, lowest, highest) of every whole-number field a rule may test."""
    out = []
    for kind, fields in sorted(field_schemas().items()):
        if kind in (LINE_FACT, "signal"):
            continue
        for name, schema in sorted(fields.items()):
            if schema.get("type") == "integer":
                low = int(schema.get("minimum", 0))
                high = int(schema.get("maximum", low + 1000))
                out.append((kind, name, low, min(high, low + 10_000)))
    return out


def generated_rules(count: int) -> str:
    fields = numeric_fields()
    lines = []
    for i in range(count):
        kind, name, low, high = fields[i % len(fields)]
        value = low + (i // len(fields)) % max(1, high - low + 1)
        lines += [
            f"  - id: GEN-{i + 1:04d}",
            f"    title: Generated rule {i + 1}",
            "    severity: low",
            "    when:",
            "      all:",
            f"        - fact: {kind}",
            "          as: fact",
            "          where:",
            f"            {name}: {{eq: {value}}}",
            "    because: A generated rule for the benchmark.",
            "    recommend:",
            "      - {do: Review it., by: agency, stance: monitor}",
            "    cite:",
            "      - {ref: sam2020}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        shutil.copytree(ROOT / "rules", rules)
        lens = rules / "civil_military.yaml"
        lens.write_text(
            lens.read_text(encoding="utf-8") + generated_rules(args.extra), encoding="utf-8"
        )
        start = time.perf_counter()
        assessor = Assessor.load(rules, ROOT / "templates", verify=True)
        load = time.perf_counter() - start
        times = []
        fired = 0
        paths = profiles_in(ROOT / "profiles")
        for path in paths:
            start = time.perf_counter()
            result = assessor.assess(path, path.name)
            times.append((time.perf_counter() - start) * 1000)
            fired += sum(1 for f in result.findings if f.rule_id.startswith("GEN-"))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"rules: {len(assessor.ruleset.rules)} ({args.extra} generated)")
    print(f"load, check, compile and register: {load:.2f} s")
    print(
        f"{len(paths)} bundled snapshots, each cross-checked by the independent evaluator: "
        f"median {statistics.median(times):.1f} ms per assessment; {fired} generated findings"
    )


if __name__ == "__main__":
    main()
