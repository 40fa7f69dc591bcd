"""Impact of a rule change: the old and the new rule set over every profile, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.shared import FiringMemo, same_logic, shared_rules
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder
from ssa_risk.base.parallel import Parallel
from ssa_risk.base.paths import display_path, display_paths
from ssa_risk.base.source import collector_paused
from ssa_risk.comparison.backtest import BacktestChange, backtest_change, run_backtests
from ssa_risk.comparison.causes import RuleChange
from ssa_risk.comparison.diff import Diff, diff_assessments
from ssa_risk.comparison.git import RulesSource
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.profile.snapshots import folder_snapshots


@dataclass(frozen=True)
class ProfileImpact:
    profile: str
    diff: Diff

    @property
    def flipped(self) -> bool:
        return self.diff.overall[0] != self.diff.overall[1]


@dataclass(frozen=True)
class Impact:
    before: str
    after: str
    profiles: tuple[ProfileImpact, ...]
    rule_changes: tuple[RuleChange, ...] = ()  # the same for every profile
    backtest: BacktestChange | None = None  # when the project has cases

    @property
    def rating_worse(self) -> bool:
        return any(p.diff.rating_worse for p in self.profiles)

    @property
    def new_high(self) -> bool:
        return any(p.diff.new_high for p in self.profiles)

    @property
    def any_change(self) -> bool:
        return any(p.diff.any_change for p in self.profiles)


@dataclass(frozen=True)
class ImpactOne:
    """The work on one profile, run in a worker process: loaded and validated once, assessed
    under both rule sets and compared; its problems are returned, not raised."""

    before: Assessor
    after: Assessor
    labels: tuple[str, str]

    @cached_property
    def _shared(self) -> tuple[bool, frozenset[str]]:
        """Whether the two rule sets fire alike (then the profile is evaluated once, unless
        only the later set is to be cross-checked), and the rules whose evidence and
        narratives they share (assessment/shared.py); worked out once for every profile."""
        alike = same_logic(self.before.compiled, self.after.compiled) and (
            self.before.verify or not self.after.verify
        )
        return alike, shared_rules(self.before.ruleset, self.after.ruleset)

    def __call__(self, item: tuple[Path, str]) -> tuple[ProfileImpact | None, tuple[Problem, ...]]:
        path, shown = item
        # The work on one profile makes many objects and no reference cycles (the tests show
        # it): the cyclic collector would walk them again and again for nothing.
        with collector_paused():
            try:
                old, new = self.assess_both(load_profile(path, shown))
            except InputError as exc:
                return None, tuple(exc.problems)
            return ProfileImpact(shown, diff_assessments(old, new, self.labels)), ()

    def assess_both(self, profile: Profile) -> tuple[Assessment, Assessment]:
        """The profile assessed under the earlier and the later rule set, each as it would be
        alone, sharing what depends on the profile alone or on rules both sets share."""
        alike, rules = self._shared
        # The profile's facts and values are the same under both rule sets: worked out once,
        # and one copy of the values lets the comparison name each value once.
        facts = profile_facts(profile)
        fired = self.before.evaluate(profile, facts)
        shared = FiringMemo(rules)
        old = self.before.assess_profile(profile, facts, fired=fired, shared=shared)
        new = self.after.assess_profile(profile, facts, old.facts, fired if alike else None, shared)
        return old, new


def impact(
    paths: Sequence[Path],
    before: Assessor,
    after: Assessor,
    labels: tuple[str, str],
    parallel: Parallel | None = None,
) -> Impact:
    """Assess every profile under both rule sets (each compiled once) and compare.

    A folder stands for every snapshot in it. Every problem of every profile is reported in
    one pass. The profiles are assessed with `parallel` (default: on every local core).
    """
    items, problems = profile_files(paths)
    rows = []
    for row, found in (parallel or Parallel()).map(ImpactOne(before, after, labels), items):
        problems.extend(found)
        if row is not None:
            rows.append(row)
    if problems:
        raise InputError(problems)
    return Impact(labels[0], labels[1], tuple(rows), rows[0].diff.rule_changes if rows else ())


def impact_of_rules(
    paths: Sequence[Path],
    before: str,
    after: str,
    templates: Path,
    repo: Path,
    verify: bool = False,
    cases: Path | None = None,
    parallel: Parallel | None = None,
) -> Impact:
    """`impact` of the rules `before` against `after` (each a folder, or a git `REV` or
    `REV:path` read in `repo`), each loaded and compiled once; with `cases`, the backtest
    under both rule sets too."""
    with (
        RulesSource(before, repo, "--before") as old,
        RulesSource(after, repo, "--after") as new,
    ):
        assess_old = Assessor.load(old.directory, templates, old.label, verify)
        assess_new = Assessor.load(new.directory, templates, new.label, verify)
        labels = (
            old.label or display_path(old.directory),
            new.label or display_path(new.directory),
        )
        result = impact(paths, assess_old, assess_new, labels, parallel)
        if cases is None:
            return result
        old_run, new_run = run_backtests(
            cases, (assess_old, assess_new), labels=labels, parallel=parallel
        )
        return replace(result, backtest=backtest_change(old_run, new_run))


def profile_files(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """The profile files named (a file as given, a folder as every .yaml snapshot in it), each
    with the name it is shown by (display_path), and the problems of folders that hold none
    or cannot be read."""
    files: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for path, shown in zip(paths, display_paths(paths), strict=True):
        try:
            if not is_folder(path, shown):
                files.append((path, shown))
                continue
            snapshots = folder_snapshots(path, shown)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        files.extend(zip(snapshots, display_paths(snapshots), strict=True))
    return files, problems
