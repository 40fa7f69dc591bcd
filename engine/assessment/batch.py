"""Assess what a person names: profile files one by one, a country folder as one timeline,
a profiles folder (of country folders) as one timeline per country."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.timeline import Timeline, build_timeline
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder
from ssa_risk.base.parallel import Parallel
from ssa_risk.base.paths import display_path, display_paths
from ssa_risk.profile.snapshots import country_folders, folder_snapshots


@dataclass(frozen=True)
class Assessed:
    """What one named path gave: a profile file an Assessment, a folder a Timeline."""

    path: Path
    result: Assessment | Timeline


def profiles_in(root: Path) -> list[Path]:
    """Every snapshot under `root`/<country>/, in a stable order; InputError when there is
    none (a command would otherwise do nothing, and say nothing)."""
    found = sorted(root.glob("*/*.yaml"))
    if not found:
        raise InputError(
            [
                Problem(
                    display_path(root),
                    None,
                    None,
                    "no profiles found (no <country>/<as-of>.yaml snapshot in this folder)",
                    "add a snapshot with 'ssa-risk new-profile COUNTRY --as-of YYYY-MM "
                    "--iso3 XXX', or name the profiles to use",
                )
            ]
        )
    return found


@dataclass(frozen=True)
class AssessFile:
    """The work on one profile file, run in a worker process: its Assessment, or its
    problems (returned, not raised, so that the other files of its folder still count)."""

    assessor: Assessor

    def __call__(self, item: tuple[Path, str]) -> tuple[Assessment | None, tuple[Problem, ...]]:
        path, shown = item
        try:
            return self.assessor.assess(path, shown), ()
        except InputError as exc:
            return None, tuple(exc.problems)


def assess_paths(
    assessor: Assessor, paths: Sequence[Path], parallel: Parallel | None = None
) -> list[Assessed]:
    """Assess every path; the problems of every profile are reported together, in one pass.

    The profile files are assessed with `parallel` (default: on every local core), in order.
    """
    # What each path stands for: a file itself, a folder one group of snapshots per country.
    plan: list[tuple[Path, list[Path], bool]] = []
    for path in paths:
        if is_folder(path, display_path(path)):
            # A country folder gives one timeline; a profiles folder one per country in it.
            for country in country_folders(path, display_path(path)):
                plan.append((country, folder_snapshots(country, display_path(country)), True))
        else:
            plan.append((path, [path], False))
    every = [file for _, group, _ in plan for file in group]
    files = list(zip(every, display_paths(every), strict=True))
    outcomes = iter((parallel or Parallel()).map(AssessFile(assessor), files))

    problems: list[Problem] = []
    results: list[Assessed] = []
    for path, group, timeline in plan:
        assessed = []
        for _ in group:
            assessment, found = next(outcomes)
            problems.extend(found)
            if assessment is not None:
                assessed.append(assessment)
        if not timeline:
            results.extend(Assessed(path, a) for a in assessed)
            continue
        if len(assessed) != len(group):
            continue
        try:
            results.append(Assessed(path, build_timeline(assessed)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return results
