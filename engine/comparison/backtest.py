"""The backtest: the rules run on historical cases, compared with what then happened.

Each case is a folder of CASES_DIR holding `profile.yaml` (written as of a date before a known
outcome) and `outcome.yaml` (see outcome.py). A case is *flagged* when the lens its outcome
names is rated at or above `flag_at`; a rating other than the four risk ratings (a lens not
assessed) is never flagged. Over the cases:

                     flagged          not flagged
    happened         hit              miss
    did not happen   false alarm      correct rejection
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.base.choices import DEFAULT_FLAG_AT as DEFAULT_FLAG_AT
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder, is_regular_file, list_folder
from ssa_risk.base.parallel import Parallel
from ssa_risk.base.paths import display_path
from ssa_risk.base.source import Document, load_yaml
from ssa_risk.comparison.outcome import Outcome, outcome_of
from ssa_risk.profile.reader import load_profile
from ssa_risk.rules.scoring import RATINGS

PROFILE_FILE = "profile.yaml"
OUTCOME_FILE = "outcome.yaml"
HIT, MISS, FALSE_ALARM, CORRECT_REJECTION = "hit", "miss", "false alarm", "correct rejection"


def is_flagged(rating: str, flag_at: str) -> bool:
    """Whether a lens rating is at or above `flag_at`; a rating outside the risk scale (a
    lens not assessed) is not flagged."""
    return rating in RATINGS and RATINGS.index(rating) >= RATINGS.index(flag_at)


def outcome_class(happened: bool, flagged: bool) -> str:
    if happened:
        return HIT if flagged else MISS
    return FALSE_ALARM if flagged else CORRECT_REJECTION


@dataclass(frozen=True)
class LensCheck:
    """One lens of one case: its rating, whether that flags it, and whether it should."""

    lens: str
    rating: str
    flagged: bool
    expected: bool  # named in the outcome's `flag` list
    score: float | None = None  # the lens's residual score; None: not assessed


@dataclass(frozen=True)
class CaseResult:
    case: str  # the case's folder name
    title: str  # the outcome's `case` line
    as_of: str  # the profile's date
    date: str  # the event's date (for a control, the end of the period watched)
    happened: bool
    lens: str  # the lens that should foresee the event
    rating: str  # that lens's rating
    flagged: bool
    outcome: str  # hit, miss, false alarm or correct rejection
    lenses: tuple[LensCheck, ...]  # every lens, in the rule set's order
    missed_flags: tuple[str, ...]  # in `flag`, but rated below flag_at
    unexpected_flags: tuple[str, ...]  # rated at or above flag_at, but not in `flag`
    overall: str = ""  # the assessment's overall rating
    score: float | None = None  # its overall score; None: no lens assessed


@dataclass(frozen=True)
class Confusion:
    hits: int
    misses: int
    false_alarms: int
    correct_rejections: int
    hit_rate: float | None  # hits / cases that happened; None without such cases
    false_alarm_rate: float | None  # false alarms / cases that did not happen

    @property
    def cases(self) -> int:
        return self.hits + self.misses + self.false_alarms + self.correct_rejections


def confusion(results: Sequence[CaseResult]) -> Confusion:
    counts = {c: sum(1 for r in results if r.outcome == c) for c in _CLASSES}
    hits, misses = counts[HIT], counts[MISS]
    alarms, rejections = counts[FALSE_ALARM], counts[CORRECT_REJECTION]
    return Confusion(
        hits,
        misses,
        alarms,
        rejections,
        _rate(hits, hits + misses),
        _rate(alarms, alarms + rejections),
    )


_CLASSES = (HIT, MISS, FALSE_ALARM, CORRECT_REJECTION)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class LensFlags:
    """Every case's lenses against its outcome's `flag` list, added up."""

    expected: int  # lenses the outcomes name
    met: int  # of those, rated at or above flag_at
    unexpected: int  # lenses rated at or above flag_at that the outcomes do not name


def lens_flags(results: Sequence[CaseResult]) -> LensFlags:
    checks = [c for r in results for c in r.lenses]
    return LensFlags(
        sum(1 for c in checks if c.expected),
        sum(1 for c in checks if c.expected and c.flagged),
        sum(1 for c in checks if c.flagged and not c.expected),
    )


@dataclass(frozen=True)
class Backtest:
    cases_dir: str  # as display_path shows it
    rules: str  # the rules folder (or git revision) the cases were assessed with
    flag_at: str
    results: tuple[CaseResult, ...]  # by folder name
    confusion: Confusion
    flags: LensFlags


@dataclass(frozen=True)
class Case:
    folder: Path
    name: str
    profile: Path
    outcome: Path


def case_folders(cases_dir: Path) -> list[Case | Problem]:
    """The cases in `cases_dir` (every folder in it not starting with '.'), by folder name,
    each a Case, or a Problem naming what its folder lacks; InputError for a CASES_DIR that
    is not a folder or holds no case folder."""
    shown = display_path(cases_dir)
    if not is_folder(cases_dir, shown):
        what = "is a file, not a folder" if is_regular_file(cases_dir) else "not found"
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    f"cases folder {what}",
                    "name a folder holding one folder per case, each with profile.yaml and "
                    "outcome.yaml",
                )
            ]
        )
    cases: list[Case | Problem] = []
    for entry in list_folder(cases_dir, "", shown):
        if entry.name.startswith(".") or not is_folder(entry, display_path(entry)):
            continue
        profile, outcome = entry / PROFILE_FILE, entry / OUTCOME_FILE
        lacking = [p.name for p in (profile, outcome) if not is_regular_file(p)]
        if lacking:
            cases.append(
                Problem(
                    display_path(entry),
                    None,
                    None,
                    f"case folder has no {' and no '.join(lacking)}",
                    "a case folder holds profile.yaml (the country as of a date before the "
                    "outcome) and outcome.yaml (what happened); add it, or move the folder out",
                )
            )
            continue
        cases.append(Case(entry, entry.name, profile, outcome))
    if not cases:
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    "no case in this folder",
                    "add one folder per case, each with profile.yaml and outcome.yaml",
                )
            ]
        )
    return cases


def run_backtest(
    cases_dir: Path,
    assessor: Assessor,
    flag_at: str = DEFAULT_FLAG_AT,
    rules: str | None = None,
    parallel: Parallel | None = None,
) -> Backtest:
    """Assess every case of `cases_dir` with `assessor` and compare with its outcome.

    Every problem of every case (profile and outcome alike) is reported in one pass.
    """
    return run_backtests(cases_dir, (assessor,), flag_at, (rules,), parallel)[0]


@dataclass(frozen=True)
class BacktestCase:
    """The work on one case, run in a worker process: its result under each rule set, or its
    problems (returned, not raised, so that every case is checked in one pass)."""

    assessors: tuple[Assessor, ...]
    flag_at: str

    def __call__(self, case: Case) -> tuple[list[CaseResult] | None, list[Problem]]:
        problems: list[Problem] = []
        try:
            profile = load_profile(case.profile, display_path(case.profile))
        except InputError as exc:
            problems.extend(exc.problems)
            profile = None
        try:
            doc = load_yaml(case.outcome, display_path(case.outcome), lenient=True)
        except InputError as exc:
            problems.extend(exc.problems)
            return None, problems
        outcomes = []
        for assessor in self.assessors:  # read once, checked against each rule set's lenses
            try:
                outcomes.append(outcome_of(doc, assessor.ruleset))
            except InputError as exc:  # under two rule sets, the file's own problems once
                problems.extend(p for p in exc.problems if p not in problems)
        if profile is None or len(outcomes) != len(self.assessors):
            return None, problems
        date_problem = _date_problem(profile.as_of, outcomes[0], doc, case)
        if date_problem is not None:
            return None, [*problems, date_problem]
        results = [
            case_result(case.name, assessor.assess_profile(profile), outcome, self.flag_at)
            for assessor, outcome in zip(self.assessors, outcomes, strict=True)
        ]
        return results, problems


def run_backtests(
    cases_dir: Path,
    assessors: Sequence[Assessor],
    flag_at: str = DEFAULT_FLAG_AT,
    labels: Sequence[str | None] = (),
    parallel: Parallel | None = None,
) -> list[Backtest]:
    """The backtest under each rule set (for `impact`: old and new), each case read once.

    Every problem of every case folder (a missing file, the profile, the outcome, their
    dates) is reported in one pass, folder by folder. The cases are run with `parallel`
    (default: on every local core), in order.
    """
    if flag_at not in RATINGS:
        raise ValueError(f"flag_at must be one of {', '.join(RATINGS)}, not {flag_at}")
    problems: list[Problem] = []
    results: list[list[CaseResult]] = [[] for _ in assessors]
    folders = case_folders(cases_dir)
    problems.extend(c for c in folders if isinstance(c, Problem))
    cases = [c for c in folders if isinstance(c, Case)]
    task = BacktestCase(tuple(assessors), flag_at)
    for found, case_problems in (parallel or Parallel()).map(task, cases):
        problems.extend(case_problems)
        if found is not None:
            for i, result in enumerate(found):
                results[i].append(result)
    if problems:
        raise InputError(problems)
    shown = display_path(cases_dir)
    out = []
    for i, assessor in enumerate(assessors):
        label = labels[i] if i < len(labels) else None
        rows = tuple(results[i])
        out.append(
            Backtest(
                shown,
                label or assessor.ruleset.directory,
                flag_at,
                rows,
                confusion(rows),
                lens_flags(rows),
            )
        )
    return out


def _date_problem(as_of: str, outcome: Outcome, doc: Document, case: Case) -> Problem | None:
    """A profile must describe the country before the outcome's date (at the precision both
    give: a profile of 2014-05 may precede an event of 2014-05-22)."""
    common = min(len(as_of), len(outcome.date))
    if as_of[:common] > outcome.date[:common] or (
        len(as_of) == len(outcome.date) and as_of >= outcome.date
    ):
        return doc.problem(
            ("date",),
            f"date: {outcome.date} is not after the profile's as_of ({as_of})",
            "a case's profile describes the country before the outcome: correct the date, "
            f"or the as_of of {display_path(case.profile)}",
        )
    return None


def case_result(name: str, assessment: Assessment, outcome: Outcome, flag_at: str) -> CaseResult:
    """One case's assessment against its outcome."""
    expected = set(outcome.flag)
    checks = tuple(
        LensCheck(
            lens.id,
            lens.residual,
            is_flagged(lens.residual, flag_at),
            lens.id in expected,
            lens.score,
        )
        for lens in assessment.lenses
    )
    ratings = {c.lens: c.rating for c in checks}
    rating = ratings.get(outcome.lens, "not assessed")
    flagged = is_flagged(rating, flag_at)
    return CaseResult(
        name,
        outcome.case,
        assessment.as_of,
        outcome.date,
        outcome.happened,
        outcome.lens,
        rating,
        flagged,
        outcome_class(outcome.happened, flagged),
        checks,
        tuple(c.lens for c in checks if c.expected and not c.flagged),
        tuple(c.lens for c in checks if c.flagged and not c.expected),
        assessment.overall,
        assessment.score,
    )


@dataclass(frozen=True)
class CaseChange:
    """A case whose result differs between two rule sets."""

    case: str
    rating: tuple[str, str]
    outcome: tuple[str, str]
    missed_flags: tuple[tuple[str, ...], tuple[str, ...]]
    unexpected_flags: tuple[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class BacktestChange:
    """The backtest before and after a rule change (`impact`)."""

    cases_dir: str
    flag_at: str
    before: Confusion
    after: Confusion
    changed: tuple[CaseChange, ...]


def backtest_change(before: Backtest, after: Backtest) -> BacktestChange:
    """What a rule change does to the backtest: the figures, and the cases whose result moved."""
    changed = []
    for old, new in zip(before.results, after.results, strict=True):
        change = CaseChange(
            old.case,
            (old.rating, new.rating),
            (old.outcome, new.outcome),
            (old.missed_flags, new.missed_flags),
            (old.unexpected_flags, new.unexpected_flags),
        )
        if any(a != b for a, b in (change.rating, change.missed_flags, change.unexpected_flags)):
            changed.append(change)
    return BacktestChange(
        before.cases_dir, before.flag_at, before.confusion, after.confusion, tuple(changed)
    )
