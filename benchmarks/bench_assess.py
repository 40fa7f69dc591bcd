"""Benchmark SSA Risk assessments, in process, against the bundled rule set.

What is measured:

- Rule set load: one call to `Assessor.load` with the cache of checked rule sets off (read
  and check the rule files, compile them to a durable_rules ruleset, hash the templates) plus
  registering the compiled ruleset with the process's rules engine (a one-off cost per
  process); then one load from a cache written just before, as a later run finds it.
- One assessment end to end: `Assessor.assess` on the bundled Tunisia 2020 profile (read,
  validate, build facts, evaluate, score) plus rendering the Markdown report with
  `render_report`. One warm-up run, then the median of `--runs` runs, in milliseconds.
- Many profiles: `--profiles` synthetic profiles made deterministically (`--seed`) by varying
  the Tunisia 2020 profile with values the profile schema allows, written as YAML files to a
  temporary folder and each validated once before timing. Every round assesses all of them
  with one `Assessor`; the report gives the median round time, the median time per profile
  and the number of findings that fired (to show that the profiles exercise the rules).
  Each assessment's Markdown report is rendered too, timed apart: "assess + Markdown per
  profile" is the median round's assessments and reports over the number of profiles (the
  per-profile figure of `benchmarks/bench_report.py`, which compares two installations).
- Reading alone: `load_profile` (read, parse, validate) on each synthetic profile, `--rounds`
  rounds; the median per profile, in wall-clock and in CPU time.
- Peak memory of the process (`ru_maxrss`) at the end, and the machine it ran on.

Run it with `make bench`, or directly:

    .venv/bin/python benchmarks/bench_assess.py [--runs N] [--profiles N] [--rounds R] [--seed S]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import ASSESSED_SECTIONS
from ssa_risk.base.cache import ENV_DIR, ENV_SWITCH
from ssa_risk.base.errors import InputError
from ssa_risk.evaluation.durable import RuleEngine
from ssa_risk.profile.reader import load_profile, profile_schema
from ssa_risk.profile.snapshots import load_snapshot
from ssa_risk.reports.render import render_report

# The checkout's own folders, whatever the working folder.
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PROFILES = REPO_ROOT / "profiles"
DEFAULT_RULES = REPO_ROOT / "rules"
DEFAULT_TEMPLATES = REPO_ROOT / "templates"

BASE_PROFILE = DEFAULT_PROFILES / "tunisia" / "2020.yaml"

# Optional top-level sections a synthetic profile may leave out, and how often it does.
OPTIONAL_SECTIONS = ASSESSED_SECTIONS
DROP_SECTION_PROBABILITY = 0.1
# Institutions that rivalries, abuses and programmes may refer to; always kept.
CORE_INSTITUTIONS = ("armed_forces", "internal_security")
# How often a generated object leaves out its own `sources` and inherits its section's.
DROP_SOURCES_PROBABILITY = 0.3

T = TypeVar("T")


# --- Synthetic profiles -------------------------------------------------------------------


def schema_node(*path: str) -> Mapping[str, Any]:
    """The profile schema's node at `path`; "*" steps into a list's items."""
    node: Mapping[str, Any] = profile_schema()
    for part in path:
        node = node["items"] if part == "*" else node["properties"][part]
    return node


def allowed(*path: str) -> list[Any]:
    """Every value the profile schema allows for the enum field at `path`."""
    values = list(schema_node(*path)["enum"])
    if not values:
        raise ValueError(f"no enum values in the schema at {'.'.join(path)}")
    return values


class Varier:
    """Random choices drawn from the schema's enums, with one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, *path: str) -> Any:
        return self.rng.choice(allowed(*path))

    def flag(self, p_true: float = 0.5) -> bool:
        return self.rng.random() < p_true

    def maybe(self, p: float) -> bool:
        return self.rng.random() < p

    def vary(self, obj: dict[str, Any], key: str, make: Callable[[], T], p_drop: float) -> None:
        """Set `obj[key]` to a fresh value, or remove it with probability `p_drop`."""
        if self.maybe(p_drop):
            obj.pop(key, None)
        else:
            obj[key] = make()


def synthetic_profile(base: Mapping[str, Any], index: int, rng: random.Random) -> dict[str, Any]:
    """A copy of `base` with its enum, flag and number fields drawn at random."""
    v = Varier(rng)
    data: dict[str, Any] = copy.deepcopy(dict(base))
    year = rng.randint(2012, 2024)
    data["country"] = f"Synthetic {index:04d}"
    data["iso3"] = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
    data["as_of"] = f"{year}-{rng.randint(1, 12):02d}"
    source_ids = [s["id"] for s in data["sources"]]

    def sources() -> list[str]:
        return rng.sample(source_ids, rng.randint(1, 2))

    _vary_civil_military(v, data["civil_military"], year, sources)
    institution_ids = _vary_institutions(v, data["institutions"], sources)
    _vary_rivalries(v, data, institution_ids, sources)
    _vary_reform(v, data["reform"])
    _vary_political_context(v, data["political_context"], year)
    for threat in data["threats"]:
        threat["level"] = v.pick("threats", "*", "level")
        v.vary(threat, "trend", lambda: v.pick("threats", "*", "trend"), 0.2)
        v.vary(threat, "public_priority_pct", lambda: rng.randint(0, 100), 0.5)
    _vary_human_rights(v, data["human_rights"], institution_ids, year, sources)
    _vary_assistance(v, data["assistance"], institution_ids, year)

    for section in OPTIONAL_SECTIONS:
        if v.maybe(DROP_SECTION_PROBABILITY):
            data.pop(section, None)
    if "institutions" not in data:
        # Rivalries, abuses and programme recipients name institutions: drop them too.
        data.pop("rivalries", None)
        data.get("human_rights", {}).pop("abuses", None)
        for programme in data.get("assistance", {}).get("programmes", []):
            programme.pop("recipient", None)
    return data


def _vary_civil_military(
    v: Varier, cm: dict[str, Any], year: int, sources: Callable[[], list[str]]
) -> None:
    rng = v.rng
    for key in (
        "military_origin",
        "historical_coercive_centre",
        "current_coercive_centre",
        "military_political_role",
    ):
        v.vary(cm, key, partial(v.pick, "civil_military", key), 0.1)
    cm["military_held_power"] = v.flag(0.4)
    if cm["military_held_power"]:
        v.vary(cm, "military_rule_years", lambda: rng.randint(1, 30), 0.3)
    else:
        cm.pop("military_rule_years", None)
    v.vary(cm, "peaceful_alternations", lambda: rng.randint(0, 4), 0.3)
    for key in ("military_economic_role", "army_grievances", "constitutional_privileges"):
        v.vary(cm, key, partial(v.pick, "civil_military", key), 0.4)
    v.vary(cm, "returned_to_civilian_oversight", lambda: rng.randint(1960, year), 0.3)
    v.vary(cm, "support_for_military_rule_pct", lambda: rng.randint(0, 100), 0.1)
    coups: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 3)):
        coup: dict[str, Any] = {
            "year": rng.randint(year - 40, year),
            "kind": v.pick("civil_military", "coups", "*", "kind"),
        }
        v.vary(coup, "outcome", lambda: v.pick("civil_military", "coups", "*", "outcome"), 0.1)
        if coup["kind"] == "attempt" and coup.get("outcome") == "succeeded":
            coup["outcome"] = "failed"  # an attempt that succeeded is a seizure, not an attempt
        v.vary(
            coup,
            "military_role",
            lambda: v.pick("civil_military", "coups", "*", "military_role"),
            0.1,
        )
        v.vary(coup, "elected_government_deposed", lambda: v.flag(0.4), 0.1)
        v.vary(coup, "sources", sources, DROP_SOURCES_PROBABILITY)
        coups.append(coup)
    if coups:
        cm["coups"] = sorted(coups, key=lambda c: int(c["year"]))
    else:
        cm.pop("coups", None)


def _vary_institutions(
    v: Varier, institutions: list[dict[str, Any]], sources: Callable[[], list[str]]
) -> list[str]:
    rng = v.rng
    kept = [i for i in institutions if i["id"] in CORE_INSTITUTIONS or v.maybe(0.8)]
    for n in range(rng.randint(0, 2)):
        kind = v.pick("institutions", "*", "kind")
        kept.append({"id": f"extra_{n}_{kind}", "name": f"Extra {kind}", "kind": kind})
    for inst in kept:
        for key in ("budget_trend", "public_trust", "oversight", "political_role"):
            v.vary(inst, key, partial(v.pick, "institutions", "*", key), 0.15)
        v.vary(inst, "receives_assistance", lambda: v.flag(0.6), 0.15)
        v.vary(inst, "favoured_by_ruler", lambda: v.flag(0.2), 0.5)
        v.vary(inst, "commanders_trained_by_patron", lambda: v.flag(0.3), 0.5)
        v.vary(inst, "sources", sources, DROP_SOURCES_PROBABILITY)
    institutions[:] = kept
    return [str(i["id"]) for i in kept]


def _vary_rivalries(
    v: Varier, data: dict[str, Any], institution_ids: list[str], sources: Callable[[], list[str]]
) -> None:
    rng = v.rng
    rivalries: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 2)):
        rivalry: dict[str, Any] = {
            "between": rng.sample(institution_ids, 2),
            "intensity": v.pick("rivalries", "*", "intensity"),
        }
        v.vary(rivalry, "assistance_is_currency", lambda: v.flag(0.6), 0.1)
        v.vary(rivalry, "sources", sources, DROP_SOURCES_PROBABILITY)
        rivalries.append(rivalry)
    if rivalries:
        data["rivalries"] = rivalries
    else:
        data.pop("rivalries", None)


def _vary_reform(v: Varier, reform: dict[str, Any]) -> None:
    v.vary(reform, "status", lambda: v.pick("reform", "status"), 0.1)
    v.vary(reform, "trend", lambda: v.pick("reform", "trend"), 0.2)
    areas = [a for a in reform["areas"] if v.maybe(0.85)]
    for area in areas:
        area["status"] = v.pick("reform", "areas", "*", "status")
        v.vary(area, "trend", lambda: v.pick("reform", "areas", "*", "trend"), 0.5)
    if areas:
        reform["areas"] = areas
    else:
        reform.pop("areas")


def _vary_political_context(v: Varier, ctx: dict[str, Any], year: int) -> None:
    rng = v.rng
    for key in (
        "transition_phase",
        "polarisation",
        "executive_centralisation",
        "constitutional_checks",
        "satisfaction_with_democracy",
    ):
        v.vary(ctx, key, partial(v.pick, "political_context", key), 0.1)
    ctx["emergency_powers_in_force"] = v.flag(0.5)
    v.vary(ctx, "emergency_powers_since", lambda: rng.randint(year - 10, year), 0.5)
    v.vary(ctx, "counter_terrorism_law_year", lambda: rng.randint(year - 20, year), 0.3)


def _vary_human_rights(
    v: Varier,
    hr: dict[str, Any],
    institution_ids: list[str],
    year: int,
    sources: Callable[[], list[str]],
) -> None:
    rng = v.rng
    v.vary(hr, "vetting", lambda: v.pick("human_rights", "vetting"), 0.4)
    abuses: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 4)):
        abuse: dict[str, Any] = {
            "unit": rng.choice(institution_ids),
            "kind": v.pick("human_rights", "abuses", "*", "kind"),
        }
        v.vary(abuse, "since", lambda: rng.randint(year - 15, year), 0.3)
        for key in ("under_emergency_powers", "credible", "remediated"):
            v.vary(abuse, key, v.flag, 0.1)
        v.vary(abuse, "sources", sources, DROP_SOURCES_PROBABILITY)
        abuses.append(abuse)
    if abuses:
        hr["abuses"] = abuses
    else:
        hr.pop("abuses", None)


def _vary_assistance(v: Varier, aid: dict[str, Any], institution_ids: list[str], year: int) -> None:
    rng = v.rng
    for key in ("relationship_status", "portfolio_focus", "donor_coordination"):
        v.vary(aid, key, partial(v.pick, "assistance", key), 0.1)
    v.vary(aid, "shopping_list_behaviour", lambda: v.flag(0.4), 0.1)
    v.vary(aid, "major_non_nato_ally_since", lambda: rng.randint(1990, year), 0.5)
    if v.maybe(0.2):
        aid.pop("frameworks")
    else:
        for framework in aid["frameworks"]:
            framework["signed"] = rng.randint(year - 8, year)
            v.vary(
                framework, "status", partial(v.pick, "assistance", "frameworks", "*", "status"), 0.1
            )
            for key in ("joint_objectives", "sequenced_benchmarks", "assessment_line_of_effort"):
                v.vary(framework, key, lambda: v.flag(0.6), 0.1)
            v.vary(
                framework,
                "political_buy_in",
                lambda: v.pick("assistance", "frameworks", "*", "political_buy_in"),
                0.1,
            )
    # Shift every programme by the same number of years, so years_ago varies but each
    # programme's by_year list still matches its fiscal years.
    # No programme may start after the profile's as_of year.
    latest_start = max(p["from_fy"] for p in aid["programmes"])
    shift = rng.randint(-6, max(-6, min(10, year - latest_start)))
    programmes = [p for p in aid["programmes"] if v.maybe(0.85)]
    for programme in programmes:
        programme["from_fy"] += shift
        programme["to_fy"] += shift
        v.vary(programme, "focus", lambda: v.pick("assistance", "programmes", "*", "focus"), 0.1)
        if v.maybe(0.7):
            programme["recipient"] = rng.choice(institution_ids)
        else:
            programme.pop("recipient", None)
    for period in aid["period_totals"]:
        period["from_fy"] += shift
        period["to_fy"] += shift
        # Programmes were dropped at random: the published total follows what remains.
        period["total_usd"] = sum(
            p.get("total_usd", 0)
            for p in programmes
            if (p["from_fy"], p["to_fy"]) == (period["from_fy"], period["to_fy"])
        )
    if programmes:
        aid["programmes"] = programmes
    else:
        aid.pop("programmes")


def write_profiles(directory: Path, count: int, seed: int) -> list[Path]:
    """Write `count` synthetic profiles to `directory` and validate each; return their paths."""
    # The bundled snapshot extends earlier ones: start from the merged profile.
    base = copy.deepcopy(load_snapshot(BASE_PROFILE).data)
    if not isinstance(base, dict):
        raise SystemExit(f"{BASE_PROFILE}: expected a mapping")
    rng = random.Random(seed)
    paths: list[Path] = []
    for i in range(count):
        data = synthetic_profile(base, i, rng)
        path = directory / f"synthetic-{i:04d}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, width=100), encoding="utf-8")
        try:
            load_profile(path)
        except InputError as exc:
            raise SystemExit(
                f"generated profile {path.name} (seed {seed}) is invalid:\n{exc}"
            ) from exc
        paths.append(path)
    return paths


# --- Timing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    round_seconds: list[float]
    render_seconds: list[float]  # each round's Markdown reports
    findings: int
    gates: int
    rules_fired: int
    overall: Counter[str]


def time_load() -> tuple[Assessor, float, float]:
    """Load, compile and register the bundled rule set once without the cache of checked rule
    sets, then load it again through a cache of its own (written by the first load through
    it, read by the second); return the first and the seconds each way."""
    with tempfile.TemporaryDirectory(prefix="ssa-risk-bench-cache-") as cache:
        saved = {name: os.environ.get(name) for name in (ENV_SWITCH, ENV_DIR)}
        try:
            os.environ[ENV_SWITCH] = "off"
            start = time.perf_counter()
            assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
            RuleEngine.get().register(assessor.compiled)
            fresh = time.perf_counter() - start
            del os.environ[ENV_SWITCH]
            os.environ[ENV_DIR] = cache
            Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)  # writes the entry
            start = time.perf_counter()
            Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
            cached = time.perf_counter() - start
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return assessor, fresh, cached


def time_single(assessor: Assessor, runs: int) -> list[float]:
    """Seconds for each of `runs` assess + render calls on the base profile, after a warm-up."""

    def once() -> None:
        assessment = assessor.assess(BASE_PROFILE)
        render_report(assessment, DEFAULT_TEMPLATES)

    once()
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return times


def time_batch(assessor: Assessor, paths: Sequence[Path], rounds: int) -> BatchResult:
    """Assess every profile in `paths`, `rounds` times; check that every round agrees."""
    round_seconds: list[float] = []
    render_seconds: list[float] = []
    first: tuple[int, int, frozenset[str], Counter[str]] | None = None
    for r in range(rounds):
        findings = gates = 0
        fired: set[str] = set()
        overall: Counter[str] = Counter()
        assess_s = render_s = 0.0
        for path in paths:
            start = time.perf_counter()
            try:
                assessment = assessor.assess(path)
            except Exception as exc:
                raise SystemExit(
                    f"assessing {path.name} failed: {type(exc).__name__}: {exc}\n"
                    "the profile is valid, so this is a bug in the engine or the rules"
                ) from exc
            middle = time.perf_counter()
            render_report(assessment, DEFAULT_TEMPLATES)
            assess_s += middle - start
            render_s += time.perf_counter() - middle
            findings += len(assessment.findings)
            gates += len(assessment.gates)
            fired.update(f.rule_id for f in assessment.findings)
            overall[assessment.overall] += 1
        round_seconds.append(assess_s)
        render_seconds.append(render_s)
        summary = (findings, gates, frozenset(fired), overall)
        if first is None:
            first = summary
        elif summary != first:
            raise SystemExit(
                f"round {r + 1} gave different results from round 1: not deterministic"
            )
    assert first is not None
    return BatchResult(round_seconds, render_seconds, first[0], first[1], len(first[2]), first[3])


def time_reading(paths: Sequence[Path], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per round of `load_profile` (read, parse, validate) on every profile in
    `paths`, the part of an assessment that reads a profile, on its own: wall-clock time,
    and the process's CPU time (less disturbed by other work on a shared machine)."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        for path in paths:
            load_profile(path)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def peak_rss_mib() -> float:
    """Peak resident memory of this process: ru_maxrss is KiB on Linux, bytes on macOS."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


# --- Command line -------------------------------------------------------------------------


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time SSA Risk assessments in process against the bundled rule set."
    )
    parser.add_argument(
        "--runs", type=positive, default=50, help="timed single-profile runs (default 50)"
    )
    parser.add_argument(
        "--profiles", type=positive, default=1000, help="synthetic profiles (default 1000)"
    )
    parser.add_argument(
        "--rounds", type=positive, default=5, help="rounds over all synthetic profiles (default 5)"
    )
    parser.add_argument(
        "--seed", type=int, default=20200701, help="seed for the synthetic profiles"
    )
    return parser.parse_args(argv)


def table(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    assessor, load_s, cached_s = time_load()
    single = time_single(assessor, args.runs)
    with tempfile.TemporaryDirectory(prefix="ssa-risk-bench-") as tmp:
        gen_start = time.perf_counter()
        paths = write_profiles(Path(tmp), args.profiles, args.seed)
        gen_s = time.perf_counter() - gen_start
        batch = time_batch(assessor, paths, args.rounds)
        reading = time_reading(paths, args.rounds)
    round_s = statistics.median(batch.round_seconds)
    both_s = statistics.median(
        a + m for a, m in zip(batch.round_seconds, batch.render_seconds, strict=True)
    )
    finding_rules = sum(1 for rule in assessor.ruleset.rules if rule.severity is not None)
    n = len(paths)

    print("SSA Risk benchmark")
    print(
        table(
            [
                ("machine", platform.platform()),
                ("python", platform.python_version()),
                ("cpus", str(os.cpu_count())),
                ("rules", f"{len(assessor.ruleset.rules)} in {DEFAULT_RULES.name}/"),
            ]
        )
    )
    print()
    print("Rule set load (once per process)")
    print(
        table(
            [
                ("Assessor.load + register, no cache", f"{load_s * 1000:.1f} ms"),
                ("Assessor.load from the cache", f"{cached_s * 1000:.1f} ms"),
            ]
        )
    )
    print()
    print(f"One assessment + Markdown report ({BASE_PROFILE.relative_to(DEFAULT_PROFILES)})")
    print(
        table(
            [
                (f"median of {args.runs} runs", f"{statistics.median(single) * 1000:.2f} ms"),
                ("min / max", f"{min(single) * 1000:.2f} / {max(single) * 1000:.2f} ms"),
            ]
        )
    )
    print()
    print(f"{n} synthetic profiles (seed {args.seed}), {args.rounds} rounds")
    print(
        table(
            [
                ("generate + validate once", f"{gen_s:.2f} s (not timed below)"),
                ("median per round", f"{round_s:.3f} s"),
                ("median per profile", f"{round_s / n * 1000:.3f} ms"),
                ("assess + Markdown per profile", f"{both_s / n * 1000:.3f} ms"),
                ("rounds", ", ".join(f"{s:.3f}" for s in batch.round_seconds) + " s"),
                ("findings fired (one round)", f"{batch.findings} ({batch.gates} gates)"),
                ("rules with findings", f"{batch.rules_fired} of {finding_rules}"),
                (
                    "overall ratings",
                    "; ".join(f"{k}: {c}" for k, c in sorted(batch.overall.items())),
                ),
            ]
        )
    )
    print()
    print(f"Reading a profile alone (load_profile: read, parse, validate), {n} profiles")
    print(
        table(
            [
                ("median per profile", f"{statistics.median(reading[0]) / n * 1000:.3f} ms"),
                ("the same in CPU time", f"{statistics.median(reading[1]) / n * 1000:.3f} ms"),
                ("rounds", ", ".join(f"{s:.3f}" for s in reading[0]) + " s"),
            ]
        )
    )
    print()
    print(table([("peak memory (ru_maxrss)", f"{peak_rss_mib():.1f} MiB")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
