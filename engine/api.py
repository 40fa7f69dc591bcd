"""The public entry points: what the `ssa-risk` command, a script or a notebook calls.

Every folder argument is optional: left out, it is the one the project names (the nearest
ssa-risk.toml from the working folder up), else the one bundled with the package.

    from ssa_risk import api

    assessor = api.load_assessor()
    assessment = api.assess_profile(Path("profiles/tunisia/2020.yaml"), assessor)
    print(api.render(assessment, "md"))
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssa_risk.base.choices import (
    ASSESS_FORMATS,
    BACKTEST_FORMATS,
    DEFAULT_FLAG_AT,
    DEFAULT_PAPER,
    DEFAULT_SEED,
    FORMATS,
    IMPACT_FORMATS,
    MAX_CHANGES,
    MAX_SAMPLES,
    OVERVIEW_FORMATS,
    PAPERS,
    PROPOSAL_FORMATS,
    RATINGS,
    TIPPING_FORMATS,
    TRIGGERS_FORMATS,
    VERDICTS,
)
from ssa_risk.base.errors import EngineError, InputError, Problem
from ssa_risk.base.files import is_folder, resolved
from ssa_risk.base.parallel import Parallel, Progress, usable_cores
from ssa_risk.base.paths import display_path, terminal_path
from ssa_risk.base.project import Project, find_project
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.words import counted

# Each command imports only the modules it uses, inside the functions below: a Markdown
# assessment need not load the charts, the PDF writer, git, the backtest or the authoring
# tools. The names this module passes on from other modules are imported on first use
# (__getattr__, below); the type checker sees them here.
if TYPE_CHECKING:
    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.assessment.batch import Assessed
    from ssa_risk.assessment.model import Assessment
    from ssa_risk.assessment.proposal import ProposalAssessment
    from ssa_risk.assessment.serialize import assessment_dict, assessment_from_json
    from ssa_risk.assessment.timeline import Timeline
    from ssa_risk.comparison.backtest import Backtest
    from ssa_risk.comparison.diff import Diff, diff_assessments
    from ssa_risk.comparison.impact import Impact, impact
    from ssa_risk.comparison.overview import Overview
    from ssa_risk.comparison.tipping import Tipping
    from ssa_risk.comparison.triggers import TRIGGERS, Triggers
    from ssa_risk.profile.proposal import Decisions, Proposal
    from ssa_risk.profile.reader import Profile
    from ssa_risk.profile.skeleton import slug
    from ssa_risk.reports.batch import Report
    from ssa_risk.reports.problems import validation_json
    from ssa_risk.reports.site import country_page
    from ssa_risk.rules.loader import Rule, RuleSet
    from ssa_risk.toolkit.lint import LintResult, lint_json

# name → the module it comes from, for the names imported on first use.
_LAZY = {
    "Assessor": "ssa_risk.assessment.assessor",
    "Assessed": "ssa_risk.assessment.batch",
    "Assessment": "ssa_risk.assessment.model",
    "ProposalAssessment": "ssa_risk.assessment.proposal",
    "assessment_dict": "ssa_risk.assessment.serialize",
    "assessment_from_json": "ssa_risk.assessment.serialize",
    "Timeline": "ssa_risk.assessment.timeline",
    "Backtest": "ssa_risk.comparison.backtest",
    "Diff": "ssa_risk.comparison.diff",
    "diff_assessments": "ssa_risk.comparison.diff",
    "Impact": "ssa_risk.comparison.impact",
    "impact": "ssa_risk.comparison.impact",
    "Overview": "ssa_risk.comparison.overview",
    "Tipping": "ssa_risk.comparison.tipping",
    "TRIGGERS": "ssa_risk.comparison.triggers",
    "Triggers": "ssa_risk.comparison.triggers",
    "Decisions": "ssa_risk.profile.proposal",
    "Proposal": "ssa_risk.profile.proposal",
    "Profile": "ssa_risk.profile.reader",
    "slug": "ssa_risk.profile.skeleton",
    "Report": "ssa_risk.reports.batch",
    "validation_json": "ssa_risk.reports.problems",
    "country_page": "ssa_risk.reports.site",
    "Rule": "ssa_risk.rules.loader",
    "RuleSet": "ssa_risk.rules.loader",
    "LintResult": "ssa_risk.toolkit.lint",
    "lint_json": "ssa_risk.toolkit.lint",
}


def __getattr__(name: str) -> Any:
    """A name passed on from another module, imported when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ASSESS_FORMATS",
    "BACKTEST_FORMATS",
    "DEFAULT_FLAG_AT",
    "DEFAULT_PAPER",
    # uncertainty
    "DEFAULT_SEED",
    "FORMATS",
    "IMPACT_FORMATS",
    "MAX_CHANGES",
    "MAX_SAMPLES",
    "OVERVIEW_FORMATS",
    "PAPERS",
    "PROPOSAL_FORMATS",
    "RATINGS",
    "TIPPING_FORMATS",
    "TRIGGERS",
    "TRIGGERS_FORMATS",
    "VERDICTS",
    "Assessed",
    "Assessment",
    "Assessor",
    "Backtest",
    "Diff",
    "EngineError",
    "Impact",
    "InputError",
    "LintResult",
    "Overview",
    "Parallel",
    "Problem",
    "Profile",
    "Progress",
    "Project",
    "ProposalAssessment",
    "Report",
    "Rule",
    "RuleSet",
    "Timeline",
    "Tipping",
    "Triggers",
    "Validation",
    "assess",
    "assess_profile",
    "assess_proposal",
    "assess_uncertain",
    "assessment_dict",
    "assessment_from_json",
    "backtest",
    "backtest_text",
    "counted",
    "country_page",
    "did_you_mean",
    "diff",
    "diff_assessments",
    "display_path",
    "explain",
    "impact",
    "impact_of",
    "lint",
    "lint_json",
    "list_rules",
    "load_assessor",
    "load_profile",
    "load_proposal",
    "load_rules",
    "make_reports",
    "make_uncertain_reports",
    "new_profile",
    "new_proposal",
    "portfolio",
    "portfolio_page",
    "profile_paths",
    "project",
    "proposal_summary",
    "render",
    "render_pdf",
    "render_portfolio",
    "render_proposal",
    "run_examples",
    "show_rule",
    "site_pages",
    "slug",
    "terminal_path",
    "tipping",
    "tipping_text",
    "triggers",
    "triggers_text",
    "usable_cores",
    "validate",
    "validation_json",
    "whatif",
    "write_reports",
    "write_site",
]


def project(start: Path | None = None) -> Project:
    """The rules, profiles and templates folders in use from `start` (default: the working
    folder): those named by the nearest ssa-risk.toml, else the bundled ones."""
    return find_project(start)


def load_rules(rules: Path | None = None, label: str | None = None) -> RuleSet:
    """Load and check a rule set (default: the project's); InputError lists every problem."""
    from ssa_risk.rules.loader import load_rules as _load_rules

    return _load_rules(rules or project().rules, label)


def load_profile(path: Path) -> Profile:
    """Load and validate one profile snapshot; InputError lists every problem."""
    from ssa_risk.profile.reader import load_profile as _load_profile

    return _load_profile(path, display_path(path))


def load_assessor(
    rules: Path | None = None, templates: Path | None = None, verify: bool = False
) -> Assessor:
    """A rule set loaded and compiled once, ready to assess any number of profiles.

    With `verify`, every evaluation is cross-checked by an independent evaluator.
    """
    from ssa_risk.assessment.assessor import Assessor

    return Assessor.load(*_rules_and_templates(rules, templates), verify=verify)


def _rules_and_templates(rules: Path | None, templates: Path | None) -> tuple[Path, Path]:
    """The folders given, and the project's for those not given (looked for once)."""
    if rules is None or templates is None:
        found = project()
        return rules or found.rules, templates or found.templates
    return rules, templates


def profile_paths(paths: Sequence[Path] = ()) -> list[Path]:
    """The paths given, or every snapshot in the project's (else the bundled) profiles."""
    from ssa_risk.assessment.batch import profiles_in

    return list(paths) or profiles_in(project().profiles)


def assess_profile(path: Path, assessor: Assessor | None = None) -> Assessment:
    """Assess one profile snapshot; InputError lists every problem in it."""
    return (assessor or load_assessor()).assess(path, display_path(path))


def assess(
    paths: Sequence[Path] = (), assessor: Assessor | None = None, parallel: Parallel | None = None
) -> list[Assessed]:
    """Assess profile files (an Assessment each) and country folders (a Timeline each).

    No paths: every profile of the project. Problems in any profile are raised together, as
    one InputError, after all are read. `parallel`: how to spread the work (default: every
    local core; see Parallel).
    """
    from ssa_risk.assessment.batch import assess_paths

    return assess_paths(assessor or load_assessor(), profile_paths(paths), parallel)


def render(
    result: Assessment | Timeline | Diff | Impact, fmt: str = "md", templates: Path | None = None
) -> str:
    """The report of an assessment, a timeline, a diff or an impact: md, html or json."""
    from ssa_risk.reports.batch import render as _render

    return _render(result, templates or project().templates, fmt)


def render_pdf(
    result: Assessment | Timeline, paper: str = DEFAULT_PAPER, templates: Path | None = None
) -> bytes:
    """The PDF report of an assessment or a timeline, on `paper` (a4 or letter). Needs
    WeasyPrint's system libraries (Pango); InputError names what to install when they are
    missing."""
    from ssa_risk.reports.batch import render_pdf as _render_pdf

    return _render_pdf(result, templates or project().templates, paper)


def make_reports(
    paths: Sequence[Path] = (),
    fmt: str = "md",
    out_dir: Path = Path("reports"),
    output: Path | None = None,
    rules: Path | None = None,
    templates: Path | None = None,
    verify: bool = False,
    paper: str = DEFAULT_PAPER,
    tipping: bool = False,
    parallel: Parallel | None = None,
) -> list[Report]:
    """Assess `paths` and render one report each (md, html, json or pdf, a PDF on `paper`),
    named into `out_dir` (or `output`, for one path); nothing is written yet, so one bad
    profile leaves no partial set (write_reports). With `tipping`, each report adds the
    indicators to watch: the values whose change alone would raise a rating."""
    from ssa_risk.reports.batch import reports

    rules, templates = _rules_and_templates(rules, templates)
    assessor = load_assessor(rules, templates, verify)
    assessed = assess(paths, assessor, parallel)
    if tipping:
        from ssa_risk.comparison.tipping import with_watch

        assessed = with_watch(assessor, assessed, parallel)
    return reports(assessed, templates, fmt, out_dir, output, paper)


def write_reports(written: Sequence[Report], fmt: str) -> None:
    """Write every report atomically: all of them, or (on a problem) none."""
    from ssa_risk.reports.output import write_all

    write_all([(r.target, r.text) for r in written], fmt)


@dataclass(frozen=True)
class Validation:
    """What `validate` found: each file as shown with its problems (none: valid), and the
    noun the files go by in a summary ("profile", or "file" when a proposal or a decision
    record is among them)."""

    results: list[tuple[str, list[Problem]]]
    noun: str


def validate(paths: Sequence[Path]) -> Validation:
    """Each profile as shown, with every problem in it (none: valid). A folder stands for its
    snapshots (a profiles folder for every country folder in it), which must be of one
    country. A proposal is checked as a proposal (with the profile it names), a decision
    record as one (with the proposal it names). Each file is read once."""
    from ssa_risk.profile.proposal import decisions_proposal, load_decisions, read_kind
    from ssa_risk.profile.proposal import load_proposal as _load_proposal
    from ssa_risk.profile.reader import check_paths, check_profile

    results: list[tuple[str, list[Problem]]] = []
    kinds = []
    for path in paths:
        kind, parsed = read_kind(path)
        kinds.append(kind)
        if parsed is None:  # a folder, or a file the profile reader says why it cannot read
            results += check_paths([path])
            continue
        shown = parsed.path  # read_kind labels the file as display_path shows it
        if kind is None:
            results.append((shown, check_profile(path, shown, parsed=parsed)))
            continue
        try:
            if kind == "proposal":
                _load_proposal(path, shown, parsed=parsed)
            else:
                # The record names its proposal, which is checked with the profile it names.
                decisions = load_decisions(path, shown, parsed)
                _load_proposal(decisions_proposal(decisions, path))
            results.append((shown, []))
        except InputError as exc:
            results.append((shown, list(exc.problems)))
    return Validation(results, "profile" if not any(kinds) else "file")


def new_profile(
    country: str,
    iso3: str,
    as_of: str,
    authors: Sequence[str] = (),
    output: Path | None = None,
    today: date | None = None,
) -> tuple[Path, str]:
    """A commented profile skeleton that validates as written, and where it goes: `output`,
    else <country>/<as-of>.yaml in the project's profiles folder (without a project, in
    profiles/ under the working folder)."""
    from ssa_risk.profile.skeleton import checked_skeleton, slug

    found = project()
    # Never into the bundled profiles: a folder the project file leaves out is next to it.
    own = "profiles" in found.named
    profiles = found.profiles if own else (found.root or Path()) / "profiles"
    target = output or profiles / slug(country) / f"{as_of}.yaml"
    text = checked_skeleton(country, iso3, as_of, tuple(authors), target, today or date.today())
    return target, text


def list_rules(ruleset: RuleSet, lens: str | None = None, fmt: str = "table") -> str:
    """The rules (of one lens, or all): a table, or JSON."""
    from ssa_risk.toolkit.authoring import rules_json, rules_table

    return rules_json(ruleset, lens) if fmt == "json" else rules_table(ruleset, lens)


def show_rule(ruleset: RuleSet, rule: Rule) -> str:
    """One rule in full: conditions, narrative, recommendations, citations, examples."""
    from ssa_risk.toolkit.authoring import rule_text

    return rule_text(ruleset, rule)


def lint(rules: Path | None = None) -> LintResult:
    """Errors (the rule set does not load) or warnings (it loads but looks wrong)."""
    from ssa_risk.toolkit.lint import lint_rules

    return lint_rules(rules or project().rules)


def run_examples(
    rules: Path | None = None, pattern: str | None = None, coverage: bool = False
) -> tuple[str, int, int]:
    """Run the rules' examples (those matching `pattern`); the report, and the counts of
    examples run and failed. With `coverage`, which rules fire over the project's profiles."""
    from ssa_risk.evaluation.compiler import compile_ruleset
    from ssa_risk.reports.backtest import backtest_summary
    from ssa_risk.toolkit.authoring import coverage_text, run_rule_tests, test_report

    ruleset = load_rules(rules)
    compiled = compile_ruleset(ruleset)
    run = run_rule_tests(ruleset, compiled, pattern)
    text = test_report(run)
    if coverage and run.results:
        text += "\n\n" + coverage_text(ruleset, compiled, run, profile_paths())
        cases = project().cases
        if cases is not None:
            text += "\n" + backtest_summary(backtest(cases, rules))
    return text, len(run.results), sum(1 for r in run.results if not r.passed)


def explain(
    profile: Path | None,
    ruleset: RuleSet,
    rule: Rule | None = None,
    proposal: Path | None = None,
) -> str:
    """Why `rule` fired for the profile, or why not; without a rule, the fired rules and the
    near misses. With `proposal`, its lines are facts too (the rules that judge lines can
    fire), and the profile is the one the proposal names (`profile`, if given, must be it)."""
    from ssa_risk.evaluation.explain import Evaluator
    from ssa_risk.profile.facts import profile_facts
    from ssa_risk.profile.proposal import line_facts, with_lines
    from ssa_risk.toolkit.authoring import explain_profile_text, explanation_text

    if proposal is None:
        if profile is None:
            raise InputError(
                [
                    Problem(
                        "explain",
                        None,
                        None,
                        "no profile given",
                        "name a profile, or give --proposal",
                    )
                ]
            )
        loaded = load_profile(profile)
        evaluator = Evaluator(ruleset, profile_facts(loaded))
    else:
        judged, _ = load_proposal(proposal)
        if profile is not None and resolved(profile) != resolved(Path(judged.profile.path)):
            raise InputError(
                [
                    Problem(
                        display_path(profile),
                        None,
                        None,
                        f"{display_path(proposal)} rests on {judged.profile.path}, not on "
                        "this profile",
                        "leave out the profile: the proposal names it",
                    )
                ]
            )
        loaded = with_lines(judged.profile, judged.doc)
        evaluator = Evaluator(ruleset, profile_facts(judged.profile) + line_facts(judged))
    if rule is None:
        return explain_profile_text(loaded, evaluator)
    return explanation_text(loaded, evaluator, evaluator.explain(rule))


def diff(
    before: str,
    after: str,
    rules_before: str | None = None,
    rules_after: str | None = None,
    templates: Path | None = None,
    verify: bool = False,
) -> Diff:
    """What changed between two assessments of one country, and why.

    Each side is a saved assessment (.json), a profile as it is in the working folder, or
    `REV:path` (a profile, with the snapshots it extends, or a .json, as it was at a git
    revision). Profiles are assessed under `rules_before` / `rules_after`: a folder, a git
    `REV:path`, or a bare `REV` (the project's rules folder at that revision); default: the
    project's rules.
    """
    from ssa_risk.comparison.git import project_revision
    from ssa_risk.comparison.sides import Rules, diff_sides

    found, repo = project(), Path.cwd()

    def rules(spec: str | None, option: str, other: str | None, counterpart: str) -> Rules:
        chosen = str(found.rules) if spec is None else spec
        in_use = _folder(other)
        resolved = project_revision(chosen, found, repo, option, counterpart, in_use)
        return Rules(resolved, option)

    return diff_sides(
        before,
        after,
        rules(rules_before, "--rules-before", rules_after, "--rules-after"),
        rules(rules_after, "--rules-after", rules_before, "--rules-before"),
        templates or found.templates,
        repo,
        verify,
    )


def impact_of(
    before: str,
    after: str | None = None,
    paths: Sequence[Path] = (),
    templates: Path | None = None,
    verify: bool = False,
    parallel: Parallel | None = None,
) -> Impact:
    """The old rules (`before`: a folder, a git `REV:path`, or a bare `REV` meaning the
    project's rules folder at that revision) against the new (default: the project's) over
    `paths` (default: every profile of the project)."""
    from ssa_risk.comparison.git import project_revision
    from ssa_risk.comparison.impact import impact_of_rules

    found, repo = project(), Path.cwd()
    chosen = str(found.rules) if after is None else after
    return impact_of_rules(
        profile_paths(paths),
        project_revision(before, found, repo, "--before", "--after", _folder(after)),
        project_revision(chosen, found, repo, "--after", "--before"),
        templates or found.templates,
        repo,
        verify,
        found.cases,
        parallel,
    )


def backtest(
    cases: Path,
    rules: Path | None = None,
    flag_at: str = DEFAULT_FLAG_AT,
    templates: Path | None = None,
    parallel: Parallel | None = None,
) -> Backtest:
    """Run the rules (default: the project's) on every case in `cases` (a folder of case
    folders, each with profile.yaml and outcome.yaml) and compare with the outcomes: a case is
    flagged when its outcome's lens is rated `flag_at` or above. InputError lists every
    problem of every case."""
    from ssa_risk.comparison.backtest import run_backtest

    assessor = load_assessor(rules, templates)
    shown = display_path(rules or project().rules)
    return run_backtest(cases, assessor, flag_at, shown, parallel)


def backtest_text(result: Backtest, fmt: str = "text") -> str:
    """The backtest as text (a confusion table and a table of cases) or JSON."""
    from ssa_risk.reports.backtest import render_backtest

    return render_backtest(result, fmt)


# --- what-if and tipping points (issue 14) ----------------------------------------------


def whatif(
    profile: Path,
    sets: Sequence[str],
    rules: Path | None = None,
    templates: Path | None = None,
) -> Diff:
    """The profile assessed as written and with each `--set PATH=VALUE` applied (nothing is
    written), compared as `diff` compares two assessments. InputError lists every problem of
    the profile, or of every edit (each named by its `--set`)."""
    from ssa_risk.comparison.whatif import what_if

    assessor = load_assessor(rules, templates)
    return what_if(assessor, load_profile(profile), sets).diff


def tipping(
    profile: Path,
    lens: str | None = None,
    max_changes: int = 1,
    rules: Path | None = None,
    templates: Path | None = None,
    parallel: Parallel | None = None,
) -> Tipping:
    """The smallest changes to the profile's values that change a lens rating (only `lens`'s,
    when given) or the overall result, worse or better, found from the rules' conditions and
    each checked by assessing the changed profile; pairs too with `max_changes` 2."""
    from ssa_risk.comparison.tipping import tipping_points

    assessor = load_assessor(rules, templates)
    if lens is not None and lens not in {x.id for x in assessor.ruleset.lenses}:
        known = [x.id for x in assessor.ruleset.lenses]
        hint = did_you_mean(lens, known, f"use one of: {', '.join(known)}")
        raise InputError([Problem("--lens", None, None, f"unknown lens '{lens}'", hint)])
    return tipping_points(assessor, load_profile(profile), lens, max_changes, parallel=parallel)


def tipping_text(result: Tipping, fmt: str = "md") -> str:
    """Tipping points as Markdown or JSON."""
    from ssa_risk.reports.tipping import render_tipping

    return render_tipping(result, fmt)


def _folder(spec: str | None) -> Path | None:
    """The folder a rules option names, when it names one that exists (not a revision)."""
    return Path(spec) if spec and Path(spec).is_dir() else None


# --- Uncertainty: `assess --uncertainty N|exact [--seed S]` (issue 14, part 3) ---

# DEFAULT_SEED and MAX_SAMPLES: ssa_risk.base.choices, imported above.


def assess_uncertain(
    path: Path,
    samples: int | str,
    seed: int = DEFAULT_SEED,
    assessor: Assessor | None = None,
    parallel: Parallel | None = None,
) -> Assessment:
    """Assess one profile file at its central values, with the distribution of results over
    `samples` seeded draws of its uncertain values, or over every combination ("exact").
    The samples are assessed with `parallel` (default: on every local core)."""
    from ssa_risk.assessment import uncertainty as _uncertainty
    from ssa_risk.profile.reader import load_profile as _load_profile
    from ssa_risk.profile.snapshots import folder_snapshots

    shown = display_path(path)
    if is_folder(path, shown):
        snapshots = folder_snapshots(path, shown) if path.is_dir() else []
        latest = f"the latest, {display_path(snapshots[-1])}" if snapshots else "the latest"
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    "--uncertainty samples one snapshot, and this is a folder of them",
                    f"name one snapshot of it, e.g. {latest}",
                )
            ]
        )
    profile = _load_profile(path, shown)
    assessor = assessor or load_assessor()
    outcomes = _uncertainty.parallel_outcomes(assessor, profile, parallel or Parallel())
    return _uncertainty.assess_uncertain(assessor, profile, samples, seed, outcomes)


def make_uncertain_reports(
    paths: Sequence[Path],
    samples: int | str,
    seed: int = DEFAULT_SEED,
    fmt: str = "md",
    out_dir: Path = Path("reports"),
    output: Path | None = None,
    rules: Path | None = None,
    templates: Path | None = None,
    verify: bool = False,
    paper: str = DEFAULT_PAPER,
    parallel: Parallel | None = None,
) -> list[Report]:
    """Like make_reports, each profile file assessed with assess_uncertain (its samples with
    `parallel`); the problems of every profile are raised together."""
    from ssa_risk.assessment.batch import Assessed
    from ssa_risk.reports.batch import reports

    rules, templates = _rules_and_templates(rules, templates)
    assessor = load_assessor(rules, templates, verify)
    done: list[Assessed] = []
    problems: list[Problem] = []
    for path in profile_paths(paths):
        try:
            assessed = assess_uncertain(path, samples, seed, assessor, parallel)
            done.append(Assessed(path, assessed))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return reports(done, templates, fmt, out_dir, output, paper)


# --- proposals (a package of assistance lines for one country) -----------------------------


def _on_date(on: str | None) -> str | None:
    """--on as a date: 'today' is the date now."""
    return date.today().isoformat() if on == "today" else on


def load_proposal(path: Path, decision: Path | None = None) -> tuple[Proposal, Decisions | None]:
    """Load and check a proposal (and the profile it names) and, if given, its decision
    record, which must name this proposal; InputError lists every problem."""
    from ssa_risk.profile.proposal import decisions_proposal, load_decisions
    from ssa_risk.profile.proposal import load_proposal as _load_proposal

    proposal = _load_proposal(path, display_path(path))
    if decision is None:
        return proposal, None
    decisions = load_decisions(decision, display_path(decision))
    named = decisions_proposal(decisions, decision)
    if resolved(named) != resolved(path):
        raise InputError(
            [
                decisions.doc.problem(
                    ("proposal",),
                    f"this decision record is for {display_path(named)}, not for "
                    f"{display_path(path)}",
                    "give the decision record of this proposal, or correct 'proposal:'",
                )
            ]
        )
    return proposal, decisions


def assess_proposal(
    path: Path,
    decision: Path | None = None,
    on: str | None = None,
    assessor: Assessor | None = None,
    watch: bool = True,
    parallel: Parallel | None = None,
) -> ProposalAssessment:
    """Judge a proposal line by line against the assessment of its country; decisions are
    checked as in force on `on` (YYYY-MM, YYYY-MM-DD or 'today'; default: the proposal's
    date). With `watch`, the monitoring plan lists the values whose change alone would change
    a line's verdict (the proposal is re-judged a few dozen times)."""
    from ssa_risk.comparison.verdicts import with_verdict_watch

    assessor = assessor or load_assessor()
    proposal, decisions = load_proposal(path, decision)
    checked = _on_date(on)
    result = assessor.assess_proposal(proposal, decisions, checked)
    if watch:
        result = with_verdict_watch(assessor, proposal, decisions, checked, result, parallel)
    return result


def render_proposal(
    result: ProposalAssessment,
    fmt: str = "md",
    templates: Path | None = None,
    paper: str = DEFAULT_PAPER,
) -> str | bytes:
    """A proposal's report: md, html, json, or pdf (on `paper`)."""
    from ssa_risk.reports.proposal import render_proposal as _render_proposal
    from ssa_risk.reports.proposal import render_proposal_pdf as _render_proposal_pdf

    folder = templates or project().templates
    if fmt == "pdf":
        return _render_proposal_pdf(result, folder, paper)
    return _render_proposal(result, folder, fmt)


def new_proposal(profile: Path, output: Path) -> str:
    """A commented proposal for the country of `profile`, to be written to `output`, that
    validates as written."""
    from ssa_risk.profile.proposal import PROPOSAL_SCHEMA, proposal_skeleton
    from ssa_risk.profile.reader import load_profile as _load_profile
    from ssa_risk.profile.skeleton import schema_lines, slug

    loaded = _load_profile(profile, display_path(profile))
    reference = os.path.relpath(
        resolved(profile), resolved(output.parent if output.parent != Path("") else Path("."))
    )
    return proposal_skeleton(
        loaded,
        Path(reference).as_posix(),
        f"{slug(loaded.country)}-{loaded.as_of[:4]}",
        schema_lines(output, PROPOSAL_SCHEMA),
    )


def proposal_summary(result: ProposalAssessment) -> str:
    """One line: the package's verdict, residual risk, approval, and its lines' verdicts."""
    counts = [
        f"{sum(1 for line in result.lines if line.verdict == v)} {v}"
        for v in VERDICTS
        if any(line.verdict == v for line in result.lines)
    ]
    return (
        f"{result.verdict} — residual risk {result.residual}, approval by {result.approval}; "
        f"{counted(len(result.lines), 'line')}: {', '.join(counts)}"
    )


# --- Reassessment triggers: `triggers BEFORE AFTER [--unit ID ...]` (issue 15) ---


def triggers(
    before: str,
    after: str,
    units: Sequence[str] = (),
    proposal: Path | None = None,
    rules: Path | None = None,
) -> Triggers:
    """The reassessment triggers that fire between two snapshots of one country, BEFORE the
    older. Each is a profile path (the working copy) or `REV:path` (as it was at a git
    revision). `units`: the assisted units' institution ids (each with its sub-units);
    none: the recipients of `proposal`'s lines, else of BEFORE's programmes that run to its
    as_of year or later. The triggers checked, and what to do when each fires, are the rule
    set's approvals.yaml's (all four, without one).
    InputError lists every problem of both snapshots, of their order, and of the units."""
    from ssa_risk.comparison.triggers import detect_triggers, load_side, snapshot_problems
    from ssa_risk.profile.facts import institution_names

    repo = Path.cwd()
    problems: list[Problem] = []
    sides: list[Profile] = []
    for spec in (before, after):
        try:
            sides.append(load_side(spec, repo))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    old, new = sides
    known = sorted(institution_names(old.data))
    for unit in dict.fromkeys(units):
        if unit not in known:
            listed = ", ".join(known) if known else "none"
            hint = did_you_mean(unit, known, f"the institutions of {old.path}: {listed}")
            problems.append(
                Problem("--unit", None, None, f"'{unit}' is not an institution of {old.path}", hint)
            )
    problems += snapshot_problems(old, new)
    assisted = tuple(units) if units else None
    if proposal is not None and not units:
        loaded, _ = load_proposal(proposal)
        lines = {str(line["recipient"]) for line in loaded.lines}
        assisted = tuple(sorted(u for u in lines if u in known))
        missing = sorted(lines - set(known))
        if missing:
            problems.append(
                Problem(
                    display_path(proposal),
                    None,
                    None,
                    f"its lines' recipients {', '.join(missing)} are not institutions of "
                    f"{old.path}",
                    "compare the snapshots the proposal rests on, or a later pair",
                )
            )
    if problems:
        raise InputError(problems)
    approvals = load_rules(rules).approvals
    return detect_triggers(
        old,
        new,
        assisted,
        [t.id for t in approvals.triggers] if approvals else None,
        actions={t.id: t.then for t in approvals.triggers} if approvals else None,
    )


def triggers_text(result: Triggers, fmt: str = "md") -> str:
    """Reassessment triggers as Markdown or JSON."""
    from ssa_risk.reports.triggers import render_triggers

    return render_triggers(result, fmt)


# --- the portfolio: every country's latest snapshot side by side ----------------------------


def portfolio(
    profiles: Path | None = None,
    assessor: Assessor | None = None,
    parallel: Parallel | None = None,
) -> Overview:
    """Every country of a profiles folder (default: the project's), its latest snapshot and
    what moved since the one before, assessed with one rule set (in parallel)."""
    from ssa_risk.assessment.batch import assess_paths
    from ssa_risk.assessment.timeline import Timeline
    from ssa_risk.comparison.overview import build_overview, rules_shown

    assessor = assessor or load_assessor()
    folder = profiles or project().profiles
    assessed = assess_paths(assessor, [folder], parallel)
    first = assessed[0].result if assessed else None
    latest = first.latest if isinstance(first, Timeline) else first
    rules = rules_shown(latest) if latest is not None else assessor.ruleset.directory
    return build_overview(assessed, display_path(folder), rules)


def portfolio_page(
    templates: Path | None = None, profiles: Path | None = None
) -> Callable[[Sequence[tuple[str, Timeline]]], str]:
    """The static site's index: the portfolio of the countries the site assessed, its
    countries linked to their pages (for `site_pages(index_body=...)`)."""
    from ssa_risk.comparison.overview import overview_of, rules_shown
    from ssa_risk.reports.overview import render_overview
    from ssa_risk.reports.site import country_page

    folder = templates or project().templates
    shown = display_path(profiles or project().profiles)

    def page(countries: Sequence[tuple[str, Timeline]]) -> str:
        rules = rules_shown(countries[0][1].latest) if countries else ""
        overview = overview_of([(name, t.snapshots) for name, t in countries], shown, rules)
        links = {name: country_page(name) for name, _ in countries}
        return render_overview(overview, folder, "html", links=links)

    return page


def render_portfolio(
    overview: Overview, fmt: str = "md", templates: Path | None = None, paper: str = DEFAULT_PAPER
) -> str | bytes:
    """The portfolio as md, html, json, or pdf (on `paper`)."""
    from ssa_risk.reports.overview import render_overview, render_overview_pdf

    folder = templates or project().templates
    if fmt == "pdf":
        return render_overview_pdf(overview, folder, paper)
    return render_overview(overview, folder, fmt)


# --- The static site: `site [PROFILES_DIR] [-o DIR]` (issue 16, part 3) ---


def site_pages(
    profiles: Path | None = None,
    rules: Path | None = None,
    templates: Path | None = None,
    cases: Path | None = None,
    index_body: str | Callable[[Sequence[tuple[str, Timeline]]], str] | None = None,
    parallel: Parallel | None = None,
) -> list[tuple[str, str]]:
    """Every page of the static site, (path relative to its folder, HTML), sorted: the
    portfolio, each country's timeline, each snapshot's report, the diffs between consecutive
    snapshots, the rule reference and, with `cases`, the backtest. Every country folder of
    `profiles` (default: the project's) is assessed with `parallel`.

    `index_body`: the portfolio page (a whole HTML document, or a fragment of body), or a
    function that makes it from the countries, each (its folder's name, its Timeline),
    assessed once for both; None: a table of the countries. Its links are relative to the
    site's folder: a country's page is `country_page(folder)`. InputError lists every
    problem of every profile and case."""
    from ssa_risk.assessment.timeline import Timeline
    from ssa_risk.reports.site import site_pages as _site_pages

    found = project()
    assessor = load_assessor(rules, templates)
    assessed = assess([profiles or found.profiles], assessor, parallel)
    timelines = [(a.path.name, a.result) for a in assessed if isinstance(a.result, Timeline)]
    result = (
        None if cases is None else backtest(cases, rules, templates=templates, parallel=parallel)
    )
    body = index_body(timelines) if callable(index_body) else index_body
    return _site_pages(timelines, assessor.ruleset, templates or found.templates, result, body)


def write_site(pages: Sequence[tuple[str, str]], out_dir: Path) -> int:
    """Write the site's pages into `out_dir` atomically: all of them, or (on a problem) none;
    then remove the pages an earlier build wrote there that this one does not make (as the
    earlier build's list of its pages names them: nothing else in the folder is touched).
    Returns how many pages were removed."""
    from ssa_risk.reports.output import write_all
    from ssa_risk.reports.site import SITE_MANIFEST, remove_pages, site_manifest, stale_pages

    stale = stale_pages(out_dir, pages)
    files = [(out_dir / name, text) for name, text in pages]
    write_all([*files, (out_dir / SITE_MANIFEST, site_manifest(pages))], "html")
    return remove_pages(out_dir, stale)
