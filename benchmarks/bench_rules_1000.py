"""Load and evaluate a rule set of 1,000 rules and more: the bundled rules plus generated ones.

What is measured: a copy of the bundled rule set gets `--extra` generated rules (in its
civil-military file), spread over every whole-number field the profile schema offers, each
with a severity and a citation like any rule, in one of three shapes (`--shape`):

- `equality`: each tests one field for equality with its own value, so no fact passes more
  than one test of a field at once.
- `thresholds`: each tests one field against a threshold (`gte`), the thresholds of a field
  spread over its range, as a policy team tuning cut-offs would write them. A fact with high
  values passes many of them at once: more than the engine's stack holds, so the loader
  refuses the set, naming the rules to split. The report gives that refusal and the time the
  check took.
- `guarded`: the same thresholds, each behind an equality test on one of the fact kind's
  enumerated fields (an institution's kind, a programme's kind, ...), as the refusal advises.
  The loader refuses it for institutions alone: an armed force can pass its kind's 36
  thresholds and the bundled rules' 31 joins on `key` (the engine shares no join), 77 tests
  in all, and the engine fails on such an institution with error 303. `--extra 600` loads.

A set that loads is checked (the loader's engine-limit checks included), compiled and
registered, then every bundled profile is assessed with it, each evaluation cross-checked by
the independent evaluator (`--verify`). The report gives the rule count, the load time, the
time per assessment, and whether durable_rules and the independent evaluator agreed.

    .venv/bin/python benchmarks/bench_rules_1000.py [--extra N] [--shape SHAPE]
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
from ssa_risk.base.errors import InputError
from ssa_risk.profile.facts import LINE_FACT, field_schemas

ROOT = Path(__file__).resolve().parents[1]
GUARD_VALUES = 5
ONE_PER_PROFILE = {
    "profile",
    "civil_military",
    "reform",
    "political_context",
    "human_rights",
    "assistance",
    "indicators",
}


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


def enum_fields() -> dict[str, tuple[str, list[str]]]:
    """For each fact kind a profile holds several of, with a field that tells them apart (an
    enumerated field of at least GUARD_VALUES values): the one with the most values, and its
    values."""
    out = {}
    for kind, fields in sorted(field_schemas().items()):
        if kind in ONE_PER_PROFILE:
            continue  # one fact: nothing to tell apart, every threshold stays on its stack
        best: tuple[str, list[str]] | None = None
        for name, schema in sorted(fields.items()):
            values = [v for v in schema.get("enum", []) if isinstance(v, str)]
            if len(values) >= GUARD_VALUES and (best is None or len(values) > len(best[1])):
                best = (name, values)
        if best is not None:
            out[kind] = best
    return out


def generated_rules(count: int, shape: str) -> str:
    fields = numeric_fields()
    guards = enum_fields()
    if shape == "guarded":  # only kinds with a field to tell their facts apart
        fields = [f for f in fields if f[0] in guards]
    lines = []
    for i in range(count):
        kind, name, low, high = fields[i % len(fields)]
        step = i // len(fields)
        where = []
        if shape == "equality":
            where.append(f"{name}: {{eq: {low + step % max(1, high - low + 1)}}}")
        else:
            # Thresholds spread over the field's range, so that they overlap.
            where.append(f"{name}: {{gte: {low + (step * 7919) % max(1, high - low + 1)}}}")
        if shape == "guarded":
            guard, values = guards[kind]
            where.insert(0, f"{guard}: {{eq: {values[step % len(values)]}}}")
        lines += [
            f"  - id: GEN-{i + 1:04d}",
            f"    title: Generated rule {i + 1}",
            "    severity: low",
            "    when:",
            "      all:",
            f"        - fact: {kind}",
            "          as: fact",
            "          where:",
            *(f"            {test}" for test in where),
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
    parser.add_argument("--shape", choices=("equality", "thresholds", "guarded"))
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    for shape in [args.shape] if args.shape else ["equality", "thresholds", "guarded"]:
        run(args.extra, shape)


def run(extra: int, shape: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        shutil.copytree(ROOT / "rules", rules)
        lens = rules / "civil_military.yaml"
        lens.write_text(
            lens.read_text(encoding="utf-8") + generated_rules(extra, shape), encoding="utf-8"
        )
        start = time.perf_counter()
        try:
            assessor = Assessor.load(rules, ROOT / "templates", verify=True)
        except InputError as exc:
            took = time.perf_counter() - start
            print(f"\n{shape}: {extra} generated rules refused in {took:.2f} s:")
            for problem in exc.problems[:3]:
                print(f"  {str(problem).replace(tmp, '<copy>')}")
            if len(exc.problems) > 3:
                print(f"  and {len(exc.problems) - 3} more problems")
            return
        load = time.perf_counter() - start
        times = []
        fired = 0
        paths = profiles_in(ROOT / "profiles")
        for path in paths:
            start = time.perf_counter()
            result = assessor.assess(path, path.name)
            times.append((time.perf_counter() - start) * 1000)
            fired += sum(1 for f in result.findings if f.rule_id.startswith("GEN-"))
    print(f"\n{shape}: rules: {len(assessor.ruleset.rules)} ({extra} generated)")
    print(f"load, check, compile and register: {load:.2f} s")
    print(
        f"{len(paths)} bundled snapshots, each cross-checked by the independent evaluator: "
        f"median {statistics.median(times):.1f} ms per assessment; {fired} generated findings"
    )


if __name__ == "__main__":
    main()
