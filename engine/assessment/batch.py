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
from ssa_risk.base.paths import display_path
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


def assess_paths(assessor: Assessor, paths: Sequence[Path]) -> list[Assessed]:
    """Assess every path; the problems of every profile are reported together, in one pass."""
    problems: list[Problem] = []

    def assess_all(files: list[Path]) -> list[Assessment]:
        done = []
        for file in files:
            try:
                done.append(assessor.assess(file, display_path(file)))
            except InputError as exc:
                problems.extend(exc.problems)
        return done

    results: list[Assessed] = []
    for path in paths:
        if is_folder(path, display_path(path)):
            # A country folder gives one timeline; a profiles folder one per country in it.
            for country in country_folders(path, display_path(path)):
                snapshots = folder_snapshots(country, display_path(country))
                assessed = assess_all(snapshots)
                if len(assessed) != len(snapshots):
                    continue
                try:
                    results.append(Assessed(country, build_timeline(assessed)))
                except InputError as exc:
                    problems.extend(exc.problems)
            continue
        results.extend(Assessed(path, a) for a in assess_all([path]))
    if problems:
        raise InputError(problems)
    return results
