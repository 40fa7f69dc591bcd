"""The `ssa-risk` command: parse arguments, call the ssa_risk library, print results."""

from __future__ import annotations

import errno
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ssa_risk import __version__
from ssa_risk.base import choices

if TYPE_CHECKING:
    from ssa_risk import api
else:

    class _Api:
        """`ssa_risk.api`, imported on first use: `--help` and the definition of the commands
        need only click and ssa_risk.base.choices, not the rules engine, schemas and templates."""

        def __getattr__(self, name: str) -> Any:
            import ssa_risk.api

            return getattr(ssa_risk.api, name)

    api = _Api()


def write_atomic(path: Path, text: str | bytes, report_format: str | None = None) -> None:
    """ssa_risk.reports.output.write_atomic, imported when a file is written."""
    from ssa_risk.reports.output import write_atomic as write

    write(path, text, report_format)


EXIT_INPUT = 2
EXIT_BUG = 1


class UserError(click.ClickException):
    """A mistake in the user's input: printed as-is, exit 2."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


class Group(click.Group):
    """Turns InputError into one clean message and anything unexpected into a short bug note."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", "ssa-risk")
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "ssa-risk"
            message = exc.format_message().rstrip(".")  # click ends its sentences with '.'
            fix = f"see '{command} --help'"
            # A mistyped choice ('pfd' for 'pdf') gets the nearest choice as its fix.
            chosen = re.search(r"'([^']*)' is not one of ((?:'[^']*'(?:, )?)+)", message)
            if chosen is not None:
                from ssa_risk.base.suggest import did_you_mean

                fix = did_you_mean(chosen[1], re.findall(r"'([^']*)'", chosen[2]), fix)
            click.echo(f"{command}: {message} — {fix}", err=True)
            sys.exit(EXIT_INPUT)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except OSError as exc:
            # Every file SSA Risk reads or writes is checked where it is used and named in its
            # message; an OSError without a file name comes from writing the output itself.
            if exc.filename is not None:
                raise
            _output_failed(exc)
        # Without standalone mode click returns ctx.exit()'s code instead of exiting.
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            # The library's errors are imported here, when something went wrong: --help and
            # the definition of the commands do without them.
            from ssa_risk.base.errors import EngineError, InputError

            if isinstance(exc, InputError):
                raise UserError(str(exc)) from None
            if isinstance(exc, OSError):
                if exc.filename is None:
                    raise
                from ssa_risk.base.files import os_problem

                # Every path is checked where it is used; this catches one that slipped through.
                where = api.display_path(Path(exc.filename))
                raise UserError(str(os_problem(exc, where))) from None
            if isinstance(exc, EngineError):
                _bug(
                    ctx,
                    f"the rules engine failed: {exc} — this is a bug, not a mistake in your "
                    "files; rerun with --debug for the traceback and report it",
                )
            else:
                _bug(
                    ctx,
                    f"internal error: {type(exc).__name__}: {exc} — this is a bug; rerun with "
                    "--debug for the traceback and report it",
                )
        return None


def _output_failed(exc: OSError) -> None:
    """Exit on a failed write to the standard output: one line, or nothing when the reader
    went away (`ssa-risk rules list | head -1`)."""
    try:
        # The unwritten rest would fail again, with a traceback, when Python exits.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout, as under a test runner
        pass
    if exc.errno == errno.EPIPE:
        sys.exit(1)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = "free some space or write elsewhere"
    else:
        fix = "check where the output is redirected to"
    reason = exc.strerror or str(exc)
    click.echo(f"ssa-risk: cannot write the output: {reason} — {fix}", err=True)
    sys.exit(EXIT_INPUT)


def _bug(ctx: click.Context, message: str) -> None:
    """Exit 1 for a bug: the traceback with --debug, else one line."""
    if ctx.obj and ctx.obj.get("debug"):
        import traceback

        traceback.print_exc()
    else:
        click.echo(f"ssa-risk: {message}", err=True)
    ctx.exit(EXIT_BUG)


@click.group(cls=Group, name="ssa-risk")
@click.version_option(__version__, prog_name="ssa-risk")
@click.option("--debug", is_flag=True, help="Show the full traceback on internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Assess the political risk of security assistance to a partner country."""
    ctx.obj = {"debug": debug}


_FROM_PROJECT = "from ssa-risk.toml, else bundled"


def _dir_option(
    name: str, help_text: str, default: Callable[[], Path] | None = None
) -> Callable[[Any], Any]:
    """A folder option; when left out, the project's folder (the library finds it)."""
    return click.option(
        name,
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=_FROM_PROJECT,
        help=help_text,
    )


# --- Parallel and distributed runs, and their progress bar (assess, impact, backtest) -----

# A run shows its bar once it has lasted this long (seconds), on a terminal only.
PROGRESS_AFTER = 1.0
# How often the bar is redrawn at most (seconds).
PROGRESS_REFRESH = 0.1


def _progress_console() -> Any:
    """Where the bar is drawn: the standard error (the tests give a forced terminal)."""
    from rich.console import Console

    return Console(stderr=True)


class _ProgressBar:
    """A rich progress bar (counts, rate, time left) fed by the library's progress callback.

    Drawn only on a terminal, and only once the run has lasted PROGRESS_AFTER seconds, so
    short runs and output to files or pipes stay as they were; rich leaves out colour when
    NO_COLOR is set. Removed from the screen when the run ends.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.console: Any = None  # made when the bar may be drawn: rich is slow to import
        self.started = time.monotonic()
        self.drawn = 0.0
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.bar is None:
            if now - self.started < PROGRESS_AFTER:
                return
            if self.console is None:
                self.console = _progress_console()
            if not self.console.is_terminal:
                return
            self._start()
        if total != self.bar.tasks[0].total or done < self.bar.tasks[0].completed:
            self.bar.reset(self.task, total=total, completed=done)  # a second batch
        else:
            self.bar.update(self.task, completed=done)
        if done == total or now - self.drawn >= PROGRESS_REFRESH:
            self.bar.refresh()
            self.drawn = now

    def _start(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text("" if speed is None else f"{speed:.1f}/s")

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TimeElapsedColumn(),
            TextColumn("elapsed,"),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=self.console,
            auto_refresh=False,  # no drawing thread: redrawn as results arrive
            transient=True,
        )
        self.task = self.bar.add_task(self.what, total=None)
        self.bar.start()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def _parallel(
    workers: int | None, scheduler: str | None, quiet: bool, what: str
) -> Iterator[api.Parallel]:
    """How a batch runs (the options below), with a progress bar unless --quiet."""
    if workers is not None and scheduler is not None:
        raise UserError(
            f"--workers {workers} sets local processes but --scheduler sends the work to a Dask "
            "cluster — give one of them"
        )
    bar = None if quiet else _ProgressBar(what)
    try:
        yield api.Parallel(workers, scheduler, bar)
    finally:
        if bar is not None:
            bar.close()


def _parallel_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--workers, --scheduler and --quiet, for the commands that run a batch."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help=f"Worker processes on this machine (default: one per core, here "
            f"{choices.usable_cores()}); 1 runs everything in this process.",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="Run on a Dask distributed cluster, e.g. tcp://127.0.0.1:8786 (needs "
            "'pip install ssa-risk[dask]'; its workers must see the same files).",
        ),
        click.option(
            "--quiet", is_flag=True, help="No progress bar (drawn only on a terminal anyway)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


# -------------------------------------------------------------------------------------------


def _report_options(
    formats: tuple[str, ...], format_help: str, output_help: str, out_dir_help: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format, --paper, -o and --out-dir of a command that writes reports."""

    def add(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(
            [
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(formats),
                    default="md",
                    show_default=True,
                    help=format_help,
                ),
                click.option(
                    "--paper",
                    type=click.Choice(choices.PAPERS),
                    default=None,
                    help=f"Paper size of a PDF (--format pdf). [default: {choices.DEFAULT_PAPER}]",
                ),
                click.option(
                    "-o",
                    "--output",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help=output_help,
                ),
                click.option(
                    "--out-dir",
                    type=click.Path(file_okay=False, path_type=Path),
                    default=Path("reports"),
                    show_default=True,
                    help=out_dir_help,
                ),
            ]
        ):
            func = option(func)
        return func

    return add


def _one_report_options(
    formats: tuple[str, ...], format_help: str, name: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The report options of a command that writes one report, by default
    OUT_DIR/`name`.<format>."""
    return _report_options(
        formats,
        format_help,
        f"Report file to write. [default: OUT_DIR/{name}.<format>]",
        "Folder for the report when -o is not given.",
    )


_VERIFY_HELP = (
    "Cross-check the rules engine with an independent evaluation of the same rules; "
    "stop with an error if they disagree."
)


@main.command(short_help="Assess profiles and write suitability reports.")
@click.argument("profiles", nargs=-1, type=click.Path(path_type=Path))
@_report_options(
    choices.ASSESS_FORMATS,
    "md (diffable), html (self-contained, with charts), pdf (to print or send; see "
    "--paper) or json (the assessment).",
    "Report file to write (one profile only).",
    "Folder for reports when -o is not given.",
)
@_dir_option("--rules", "Rule set folder.")
@_dir_option("--templates", "Templates folder.")
@click.option("--verify", is_flag=True, help=_VERIFY_HELP)
@click.option(
    "--tipping",
    is_flag=True,
    help="Add the indicators to watch: the values whose change alone would raise a rating "
    "(re-assesses each profile a few hundred times).",
)
# Uncertainty (issue 14, part 3).
@click.option(
    "--uncertainty",
    metavar="N|exact",
    default=None,
    help="Also draw N profiles from the values the profile states as uncertain (ranges, "
    "weighted alternatives), assess each, and report how often each result comes out; "
    "'exact' weighs every combination instead (alternatives and whole-number ranges only).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed of the draws of --uncertainty; the same seed gives the same report. [default: 0]",
)
@_parallel_options
def assess(
    profiles: tuple[Path, ...],
    output: Path | None,
    out_dir: Path,
    fmt: str,
    paper: str | None,
    rules: Path | None,
    templates: Path | None,
    verify: bool,
    tipping: bool,
    uncertainty: str | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Assess PROFILES (default: every profile of the project) and write one report each.

    A folder of snapshots (e.g. profiles/tunisia/) gives one report for the country: ratings
    per snapshot, what changed between them, and the latest snapshot in full.
    """
    _check_report_options(output, fmt, paper, choices.ASSESS_FORMATS)
    paths = api.profile_paths(profiles)
    if output is not None and not profiles:
        whose = "of the project" if api.project().file is not None else "bundled with ssa-risk"
        raise UserError(
            f"-o names one report file but no profile was given, so every profile {whose} "
            f"({len(paths)}) would be assessed — pass one profile with -o, or use --out-dir"
        )
    if output is not None and len(paths) != 1:
        raise UserError(
            f"-o names one report file but {len(paths)} profiles were given — "
            "pass one profile with -o, or use --out-dir"
        )
    samples = _samples(uncertainty, seed)
    if samples is not None and tipping:
        raise UserError(
            "--tipping and --uncertainty ask for two different runs — "
            "run the assessment once with each"
        )
    with _parallel(workers, scheduler, quiet, "Assessing") as parallel:
        if samples is not None:
            reports = api.make_uncertain_reports(
                paths,
                samples,
                choices.DEFAULT_SEED if seed is None else seed,
                fmt,
                out_dir,
                output,
                rules,
                templates,
                verify,
                paper or choices.DEFAULT_PAPER,
                parallel,
            )
        else:
            reports = api.make_reports(
                paths,
                fmt,
                out_dir,
                output,
                rules,
                templates,
                verify,
                paper or choices.DEFAULT_PAPER,
                tipping,
                parallel,
            )
    api.write_reports(reports, fmt)
    for report in reports:
        click.echo(report.line)


def _samples(uncertainty: str | None, seed: int | None) -> int | str | None:
    """--uncertainty as a number of samples or 'exact'; None when not given."""
    if uncertainty is None:
        if seed is not None:
            raise UserError(
                f"--seed {seed} seeds the draws of --uncertainty, which is not given — "
                "add --uncertainty N, or leave out --seed"
            )
        return None
    if uncertainty == "exact":
        if seed is not None:
            raise UserError(
                "--seed has no effect with --uncertainty exact, which draws nothing — "
                "leave out --seed, or give a number of samples"
            )
        return "exact"
    if not uncertainty.isdigit() or not 1 <= int(uncertainty) <= choices.MAX_SAMPLES:
        raise UserError(
            f"--uncertainty: '{uncertainty}' is not a number of samples from 1 to "
            f"{choices.MAX_SAMPLES:,}, nor 'exact' — e.g. --uncertainty 1000"
        )
    return int(uncertainty)


@main.command(short_help="Check profiles (and proposals, decision records) against their schemas.")
@click.argument("profiles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def validate(profiles: tuple[Path, ...], fmt: str) -> None:
    """Check PROFILES against the profile schema; report every problem in one pass. A proposal
    or a decision record given here is checked as one."""
    validation = api.validate(profiles)
    results = validation.results
    if fmt == "json":
        click.echo(api.validation_json(results))
    else:
        for shown, problems in results:
            for problem in problems:
                click.echo(str(problem))
            if not problems:
                click.echo(f"{shown}: valid")
        bad = sum(1 for _, problems in results if problems)
        count = sum(len(problems) for _, problems in results)
        if bad:
            noun = validation.noun
            click.echo(
                f"{api.counted(count, 'problem')} in {bad} of {api.counted(len(results), noun)}"
            )
    if any(problems for _, problems in results):
        sys.exit(EXIT_INPUT)


def _is_as_of(text: str) -> bool:
    """A month (YYYY-MM) or a day of the calendar (YYYY-MM-DD), as the profile schema takes."""
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return True
    try:
        return len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


@main.command("new-profile", short_help="Write a commented profile skeleton.")
@click.argument("country")
@click.option("--as-of", required=True, help="Date the profile describes: YYYY-MM, or YYYY-MM-DD.")
@click.option("--iso3", required=True, help="ISO 3166-1 alpha-3 code, e.g. TUN.")
@click.option("--author", "authors", multiple=True, help="An author (repeat for several).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: <country>/<as-of>.yaml in the project's profiles folder, "
    "else under profiles/ in the working folder).",
)
def new_profile(
    country: str, as_of: str, iso3: str, authors: tuple[str, ...], output: Path | None
) -> None:
    """Write a commented profile skeleton for COUNTRY that validates as written."""
    if not _is_as_of(as_of):
        raise UserError(
            f"--as-of: '{as_of}' is not a month or a date — write it as YYYY-MM or YYYY-MM-DD, "
            "e.g. 2024-06"
        )
    if not re.fullmatch(r"[A-Za-z]{3}", iso3):
        raise UserError(f"--iso3: '{iso3}' is not a three-letter code — e.g. TUN for Tunisia")
    target, text = api.new_profile(country, iso3.upper(), as_of, authors, output)
    shown = api.terminal_path(target)
    if os.path.lexists(target):
        raise UserError(
            f"{shown}: already exists — choose another --as-of or -o, or remove the file first"
        )
    write_atomic(target, text)
    click.echo(f"wrote {shown}; check it with: ssa-risk validate {shown}")


EXIT_FAIL_ON = 3
FAIL_ON = ("rating-worse", "new-high", "any")


def _fail_on(option: str | None, worse: bool, new_high: bool, any_change: bool) -> None:
    """Exit 3 when the change crosses the line a pipeline set with --fail-on."""
    hit = {"rating-worse": worse, "new-high": new_high, "any": any_change}.get(option or "")
    _exit_crossed(option, bool(hit))


def _exit_crossed(option: str | None, hit: bool, why: str = "the change crosses this line") -> None:
    """Exit 3 (after the output is written) when --fail-on `option` was given and crossed."""
    if option and hit:
        click.echo(f"ssa-risk: --fail-on {option}: {why}", err=True)
        sys.exit(EXIT_FAIL_ON)


_SUFFIX_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".pdf": "pdf",
}


def _output_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-o of a command that prints its `what` (the diff, the result) unless told to write it."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write the {what} to this file instead of printing it.",
    )


def _check_output_format(output: Path | None, fmt: str, formats: tuple[str, ...]) -> None:
    """Refuse an -o file whose name says another format than --format: a .md file holding
    JSON would mislead every program that opens it."""
    named = _SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None else None
    if output is None or named is None or named == fmt:
        return
    fix = (
        f"give --format {named}, or name a .{fmt} file"
        if named in formats
        else (f"name a .{fmt} file")
    )
    raise UserError(f"{output}: -o names a {output.suffix} file but --format is {fmt} — {fix}")


def _check_report_options(
    output: Path | None, fmt: str, paper: str | None, formats: tuple[str, ...]
) -> None:
    """The options of `_report_options` that contradict each other: an -o file named for
    another format, or --paper for a report that is not a PDF."""
    _check_output_format(output, fmt, formats)
    if paper is not None and fmt != "pdf":
        raise UserError(
            f"--paper {paper} sets the paper of a PDF but --format is {fmt} — "
            "add --format pdf, or leave out --paper"
        )


def _emit(text: str, output: Path | None, fmt: str) -> None:
    """Print the text, or write it to the file given with -o."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text, fmt)


@main.command(short_help="What changed between two assessments, and why.")
@click.argument("before")
@click.argument("after")
@click.option(
    "--rules-before",
    default=None,
    show_default=_FROM_PROJECT,
    help="Rules for BEFORE when it is a profile (ignored for a saved assessment): a folder, "
    "or a git REV or REV:path.",
)
@click.option(
    "--rules-after",
    default=None,
    show_default=_FROM_PROJECT,
    help="Rules for AFTER when it is a profile (ignored for a saved assessment): a folder, "
    "or a git REV or REV:path.",
)
@click.option(
    "--format", "fmt", type=click.Choice(choices.FORMATS), default="md", show_default=True
)
@_output_option("diff")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    help="Exit 3 if the overall or a lens rating got worse, a high or critical finding "
    "appeared, or anything changed.",
)
@_dir_option("--templates", "Templates folder.")
@click.option("--verify", is_flag=True, help=_VERIFY_HELP)
def diff(
    before: str,
    after: str,
    rules_before: str | None,
    rules_after: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    templates: Path | None,
    verify: bool,
) -> None:
    """What changed between BEFORE and AFTER, and why.

    Each is a saved assessment (.json), a profile (as it is now), or REV:path (a profile or
    .json as it was at a git revision, e.g. HEAD:profiles/tunisia/2020.yaml).
    """
    _check_output_format(output, fmt, choices.FORMATS)
    result = api.diff(before, after, rules_before, rules_after, templates, verify)
    text = api.render(result, fmt, templates)
    _emit(text, output, fmt)
    _fail_on(fail_on, result.rating_worse, result.new_high, result.any_change)


@main.command(short_help="Assess a profile with values changed; show what changes.")
@click.argument("profile", type=click.Path(path_type=Path))
@click.option(
    "--set",
    "sets",
    multiple=True,
    required=True,
    metavar="PATH=VALUE",
    help="A value to change, the path as `validate` prints it (institutions[id=army].kind, "
    "civil_military.support_for_military_rule_pct); LIST[+]={...} adds an entry, PATH=~ "
    "removes. Repeat for several.",
)
@click.option(
    "--format", "fmt", type=click.Choice(choices.FORMATS), default="md", show_default=True
)
@_output_option("diff")
@_dir_option("--rules", "Rule set folder.")
@_dir_option("--templates", "Templates folder.")
def whatif(
    profile: Path,
    sets: tuple[str, ...],
    fmt: str,
    output: Path | None,
    rules: Path | None,
    templates: Path | None,
) -> None:
    """Assess PROFILE with the values given by --set (the file is not changed) and print what
    changes against the profile as written, and why, as `diff` does."""
    _check_output_format(output, fmt, choices.FORMATS)
    result = api.whatif(profile, sets, rules, templates)
    _emit(api.render(result, fmt, templates), output, fmt)


@main.command(short_help="The smallest changes that would change a rating.")
@click.argument("profile", type=click.Path(path_type=Path))
@click.option("--lens", help="Only changes that alter this lens's rating (its id).")
@click.option(
    "--max-changes",
    type=click.IntRange(1, choices.MAX_CHANGES),
    default=1,
    show_default=True,
    help="1: single changes; 2: also pairs of changes that each move a score the same way.",
)
@click.option(
    "--format", "fmt", type=click.Choice(choices.TIPPING_FORMATS), default="md", show_default=True
)
@_output_option("result")
@_dir_option("--rules", "Rule set folder.")
@_dir_option("--templates", "Templates folder.")
@_parallel_options
def tipping(
    profile: Path,
    lens: str | None,
    max_changes: int,
    fmt: str,
    output: Path | None,
    rules: Path | None,
    templates: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """The smallest changes to PROFILE's values that change a lens rating or the overall
    result, worse and better, from the rules' own conditions, each checked by assessing the
    changed profile (try one with `ssa-risk whatif PROFILE --set PATH=VALUE`)."""
    _check_output_format(output, fmt, choices.TIPPING_FORMATS)
    with _parallel(workers, scheduler, quiet, "Trying changes") as parallel:
        result = api.tipping(profile, lens, max_changes, rules, templates, parallel)
    _emit(api.tipping_text(result, fmt), output, fmt)


@main.command(short_help="Effect of a rule change on every profile.")
@click.argument("profiles", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--before",
    "before_spec",
    required=True,
    help="The old rules: a git REV or REV:path (e.g. main, v1.0:rules), or a folder.",
)
@click.option(
    "--after",
    "after_spec",
    default=None,
    show_default=_FROM_PROJECT,
    help="The new rules: a folder (or a git revision).",
)
@click.option(
    "--format", "fmt", type=click.Choice(choices.IMPACT_FORMATS), default="md", show_default=True
)
@_output_option("report")
@click.option("--fail-on", type=click.Choice(FAIL_ON), help="Exit 3 on this kind of change.")
@_dir_option("--templates", "Templates folder.")
@click.option("--verify", is_flag=True, help=_VERIFY_HELP)
@_parallel_options
def impact(
    profiles: tuple[Path, ...],
    before_spec: str,
    after_spec: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    templates: Path | None,
    verify: bool,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Run the old and the new rule set over PROFILES (default: every profile of the project)
    and list what flips."""
    _check_output_format(output, fmt, choices.IMPACT_FORMATS)
    with _parallel(workers, scheduler, quiet, "Comparing") as parallel:
        result = api.impact_of(before_spec, after_spec, profiles, templates, verify, parallel)
    text = api.render(result, fmt, templates)
    _emit(text, output, fmt)
    _fail_on(fail_on, result.rating_worse, result.new_high, result.any_change)


_BACKTEST_SUFFIXES = {".json": "json", ".txt": "text"}


@main.command(short_help="Run the rules on historical cases and score them.")
@click.argument("cases_dir", type=click.Path(path_type=Path))
@_dir_option("--rules", "Rule set folder.")
@click.option(
    "--flag-at",
    type=click.Choice(choices.RATINGS),
    default=choices.DEFAULT_FLAG_AT,
    show_default=True,
    help="A case is flagged when its outcome's lens is rated this or above.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(choices.BACKTEST_FORMATS),
    default="text",
    show_default=True,
    help="text (tables to read) or json.",
)
@_output_option("result")
@_parallel_options
def backtest(
    cases_dir: Path,
    rules: Path | None,
    flag_at: str,
    fmt: str,
    output: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Assess every case in CASES_DIR (one folder per case, holding profile.yaml and
    outcome.yaml) and compare with what happened: a confusion table (hits, misses, false
    alarms, correct rejections) and each case's lenses against its outcome's flag list."""
    named = _BACKTEST_SUFFIXES.get(output.suffix.lower()) if output is not None else None
    if output is not None and named is not None and named != fmt:
        other = ".txt" if fmt == "text" else ".json"
        raise UserError(
            f"{output}: -o names a {output.suffix} file but --format is {fmt} — "
            f"give --format {named}, or name a {other} file"
        )
    with _parallel(workers, scheduler, quiet, "Backtesting") as parallel:
        result = api.backtest(cases_dir, rules, flag_at, None, parallel)
    text = api.backtest_text(result, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text, "json" if fmt == "json" else "txt")


@main.group()
def rules() -> None:
    """Inspect, lint and test rule sets."""


def _rules_dir_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument(
        "rules_dir", required=False, type=click.Path(file_okay=False, path_type=Path)
    )(func)


@rules.command("list")
@click.option("--lens", help="Only rules of this lens (its id).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_dir_option("--rules", "Rule set folder.")
def rules_list(lens: str | None, fmt: str, rules: Path | None) -> None:
    """List rules: id, lens, severity, title."""
    ruleset = api.load_rules(rules)
    if lens is not None and lens not in {x.id for x in ruleset.all_lenses}:
        known = ", ".join(x.id for x in ruleset.all_lenses)
        raise UserError(f"--lens: unknown lens '{lens}' — use one of: {known}")
    click.echo(api.list_rules(ruleset, lens, fmt))


@rules.command("show", short_help="Show one rule in full.")
@click.argument("rule_id")
@_dir_option("--rules", "Rule set folder.")
def rules_show(rule_id: str, rules: Path | None) -> None:
    """Show one rule: conditions, narrative, recommendations, citations, examples."""
    ruleset = api.load_rules(rules)
    click.echo(api.show_rule(ruleset, _rule(ruleset, rule_id)))


@rules.command("lint")
@_rules_dir_argument
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_lint(rules_dir: Path | None, strict: bool, fmt: str) -> None:
    """Check a rule set; every problem in one pass (exit 2 on errors)."""
    result = api.lint(rules_dir)
    if fmt == "json":
        click.echo(api.lint_json(result))
    else:
        for problem in result.errors + result.warnings:
            click.echo(str(problem))
        click.echo(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)")
    if result.errors or (strict and result.warnings):
        sys.exit(EXIT_INPUT)


@rules.command("test")
@_rules_dir_argument
@click.option("-k", "pattern", help="Only examples whose rule id or name matches.")
@click.option("--coverage", is_flag=True, help="Report which rules fire and which fields are read.")
def rules_test(rules_dir: Path | None, pattern: str | None, coverage: bool) -> None:
    """Run every rule's examples; show why an example failed."""
    text, _, failed = api.run_examples(rules_dir, pattern, coverage)
    click.echo(text)
    if failed:
        sys.exit(EXIT_INPUT)


@main.command(short_help="Why rules fired for a profile, or why not.")
@click.argument("profile", required=False, type=click.Path(path_type=Path))
@click.option("--rule", "rule_id", help="Explain this rule (default: fired rules and near misses).")
@click.option(
    "--proposal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read this proposal's lines too, so that the rules that judge lines can fire (PROFILE "
    "may then be left out: the proposal names it).",
)
@_dir_option("--rules", "Rule set folder.")
def explain(
    profile: Path | None, rule_id: str | None, proposal: Path | None, rules: Path | None
) -> None:
    """Why rules fired for PROFILE, or why not: each condition, expected and actual."""
    if profile is None and proposal is None:
        raise UserError("explain: no profile given — name a profile, or give --proposal FILE")
    ruleset = api.load_rules(rules)
    rule = None if rule_id is None else _rule(ruleset, rule_id)
    if rule is not None and proposal is None and ruleset.is_line_rule(rule):
        raise UserError(
            f"{rule.id} judges the lines of a proposal, and a profile has none — add "
            "--proposal FILE"
        )
    click.echo(api.explain(profile, ruleset, rule, proposal))


def _rule(ruleset: api.RuleSet, rule_id: str) -> api.Rule:
    """The rule of this id, in any case (cmr-02 is CMR-02), as people type ids."""
    ids = [r.id for r in ruleset.rules]
    by_case = {i.casefold(): i for i in ids}
    found = rule_id if rule_id in ids else by_case.get(rule_id.casefold())
    if found is None:
        hint = api.did_you_mean(rule_id.upper(), ids, "see 'ssa-risk rules list'")
        raise UserError(f"unknown rule '{rule_id}' — {hint}")
    return ruleset.rule(found)


# --- proposals (issue 15) ------------------------------------------------------------------

FAIL_ON_VERDICT = ("conditions", "redesign", "do-not-proceed")
_VERDICT_OPTION = {
    "conditions": "proceed with conditions",
    "redesign": "redesign",
    "do-not-proceed": "do not proceed",
}


def _check_on(on: str | None) -> None:
    if on is not None and on != "today" and not _is_as_of(on):
        raise UserError(
            f"--on: '{on}' is not a month, a date or 'today' — write it as YYYY-MM or "
            "YYYY-MM-DD, e.g. --on 2021-03, or --on today"
        )


def _proposal_run(
    proposal: Path,
    decision: Path | None,
    on: str | None,
    fmt: str,
    paper: str | None,
    output: Path | None,
    out_dir: Path,
    rules: Path | None,
    templates: Path | None,
    verify: bool,
    watch: bool,
    fail_on: str | None,
) -> None:
    _check_report_options(output, fmt, paper, choices.PROPOSAL_FORMATS)
    _check_on(on)
    assessor = api.load_assessor(rules, templates, verify)
    result = api.assess_proposal(proposal, decision, on, assessor, watch)
    text = api.render_proposal(result, fmt, templates, paper or choices.DEFAULT_PAPER)
    target = output or out_dir / f"proposal-{proposal.stem}.{fmt}"
    write_atomic(target, text, fmt)
    click.echo(f"{api.terminal_path(target)}: {api.proposal_summary(result)}")
    if fail_on is not None:
        line = _VERDICT_OPTION[fail_on]
        if choices.VERDICTS.index(result.verdict) >= choices.VERDICTS.index(line):
            click.echo(
                f"ssa-risk: --fail-on {fail_on}: the proposal's verdict is {result.verdict}",
                err=True,
            )
            sys.exit(EXIT_FAIL_ON)


def _proposal_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--decision",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Decision record: risks accepted and gates waived for this proposal.",
            ),
            click.option(
                "--on",
                metavar="DATE|today",
                help="Date the decision record's entries must be in force on (YYYY-MM or "
                "YYYY-MM-DD, or 'today'). [default: the proposal's date]",
            ),
            click.option(
                "--no-watch",
                "no_watch",
                is_flag=True,
                help="Leave the indicators to watch out of the monitoring plan (they re-judge "
                "the proposal a few dozen times).",
            ),
            click.option(
                "--fail-on",
                type=click.Choice(FAIL_ON_VERDICT),
                help="Exit 3 when the proposal's verdict is this or worse (for pipelines).",
            ),
        ]
    ):
        func = option(func)
    return func


@main.command(short_help="Judge a proposal line by line and write its report.")
@click.argument("proposal", type=click.Path(path_type=Path))
@_proposal_options
@_one_report_options(
    choices.PROPOSAL_FORMATS, "md, html, pdf (see --paper) or json.", "proposal-<name>"
)
@_dir_option("--rules", "Rule set folder.")
@_dir_option("--templates", "Templates folder.")
@click.option("--verify", is_flag=True, help=_VERIFY_HELP)
def proposal(
    proposal: Path,
    decision: Path | None,
    on: str | None,
    no_watch: bool,
    fail_on: str | None,
    fmt: str,
    paper: str | None,
    output: Path | None,
    out_dir: Path,
    rules: Path | None,
    templates: Path | None,
    verify: bool,
) -> None:
    """Judge PROPOSAL (a proposal file) line by line against the assessment of the country
    profile it names: verdicts, the approval level, conditions and a monitoring plan."""
    _proposal_run(
        proposal,
        decision,
        on,
        fmt,
        paper,
        output,
        out_dir,
        rules,
        templates,
        verify,
        not no_watch,
        fail_on,
    )


@main.command("new-proposal", short_help="Write a commented proposal skeleton.")
@click.argument("profile", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write. [default: proposals/<country>-<year>.yaml in the working folder]",
)
def new_proposal(profile: Path, output: Path | None) -> None:
    """Write a proposal for the country of PROFILE that validates as written, to edit."""
    if output is not None and output.suffix.lower() != ".yaml":
        raise UserError(f"{output}: a proposal is a .yaml file — name a .yaml file with -o")
    loaded = api.load_profile(profile)
    target = output or Path("proposals") / f"{api.slug(loaded.country)}-{loaded.as_of[:4]}.yaml"
    shown = api.terminal_path(target)
    if os.path.lexists(target):
        raise UserError(f"{shown}: already exists — choose another -o, or remove the file first")
    write_atomic(target, api.new_proposal(profile, target))
    click.echo(f"wrote {shown}; assess it with: ssa-risk proposal {shown}")


# --- Reassessment triggers between two snapshots (issue 15) ------------------------------


@main.command(short_help="Events between two snapshots that call for reassessment.")
@click.argument("before")
@click.argument("after")
@click.option(
    "--unit",
    "units",
    multiple=True,
    metavar="ID",
    help="An assisted unit (an institution id of BEFORE); its sub-units count too. Repeat for "
    "several. Default: the recipients of BEFORE's programmes that run to its as_of year.",
)
@click.option(
    "--format", "fmt", type=click.Choice(choices.TRIGGERS_FORMATS), default="md", show_default=True
)
@_output_option("result")
@click.option("--fail-on", type=click.Choice(("triggered",)), help="Exit 3 if any trigger fired.")
@click.option(
    "--proposal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The assisted units are this proposal's recipients (unless --unit is given).",
)
@_dir_option("--rules", "Rule set folder: its approvals.yaml lists the triggers and what to do.")
def triggers(
    before: str,
    after: str,
    units: tuple[str, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    proposal: Path | None,
    rules: Path | None,
) -> None:
    """The reassessment triggers that fire between BEFORE and the newer AFTER: a coup or coup
    attempt, a new state of emergency, credible reports of a gross violation of human rights
    by an assisted unit, an action plan that expired or lapsed.

    Each is a profile (as it is now) or REV:path (as it was at a git revision, e.g.
    HEAD:profiles/tunisia/2020.yaml).
    """
    _check_output_format(output, fmt, choices.TRIGGERS_FORMATS)
    result = api.triggers(before, after, units, proposal, rules)
    _emit(api.triggers_text(result, fmt), output, fmt)
    _exit_crossed(fail_on, result.fired, "a reassessment trigger fired")


# --- the portfolio (issue 16) ---------------------------------------------------------------


@main.command(short_help="Every country's latest snapshot side by side.")
@click.argument("profiles", required=False, type=click.Path(path_type=Path))
@_one_report_options(
    choices.OVERVIEW_FORMATS, "md, html (with a heatmap), pdf (see --paper) or json.", "portfolio"
)
@_dir_option("--rules", "Rule set folder.")
@_dir_option("--templates", "Templates folder.")
@_parallel_options
def portfolio(
    profiles: Path | None,
    fmt: str,
    paper: str | None,
    output: Path | None,
    out_dir: Path,
    rules: Path | None,
    templates: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Assess the latest snapshot of every country in PROFILES (a profiles folder; default: the
    project's) and compare them: lenses, overall results, confidence, gates, the biggest moves
    since each country's previous snapshot, and the assistance recorded."""
    _check_report_options(output, fmt, paper, choices.OVERVIEW_FORMATS)
    assessor = api.load_assessor(rules, templates)
    with _parallel(workers, scheduler, quiet, "Assessing") as parallel:
        overview = api.portfolio(profiles, assessor, parallel)
    text = api.render_portfolio(overview, fmt, templates, paper or choices.DEFAULT_PAPER)
    target = output or out_dir / f"portfolio.{fmt}"
    write_atomic(target, text, fmt)
    click.echo(
        f"{api.terminal_path(target)}: {api.counted(len(overview.rows), 'country', 'countries')}"
        + (
            f", riskiest {overview.rows[0].country} ({overview.rows[0].overall})"
            if overview.rows
            else ""
        )
    )


# --- The static site (issue 16, part 3) ----------------------------------------------------


@main.command(short_help="Build a static site of the portfolio to browse offline.")
@click.argument("profiles_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder to write the site into.",
)
@_dir_option("--rules", "Rule set folder.")
@_dir_option("--templates", "Templates folder.")
@click.option(
    "--cases",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Backtest cases folder: adds a page of the backtest's results. [default: the "
    "project's cases folder, when it has one]",
)
@_parallel_options
def site(
    profiles_dir: Path | None,
    out_dir: Path,
    rules: Path | None,
    templates: Path | None,
    cases: Path | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Build a static site of every country in PROFILES_DIR (default: the project's profiles):
    the portfolio, a page per country with its timeline, each snapshot's report, what changed
    between snapshots, the rule reference and, when the project has backtest cases, the
    backtest. Every page is a self-contained HTML file that opens offline."""
    with _parallel(workers, scheduler, quiet, "Assessing") as parallel:
        pages = api.site_pages(
            profiles_dir,
            rules,
            templates,
            cases or api.project().cases,
            index_body=api.portfolio_page(templates, profiles_dir),
            parallel=parallel,
        )
    removed = api.write_site(pages, out_dir)
    shown = api.terminal_path(out_dir)
    gone = f" (removed {api.counted(removed, 'page')} of an earlier build)" if removed else ""
    click.echo(f"wrote {len(pages)} pages to {shown}{gone}; open {shown}/index.html")


if __name__ == "__main__":
    sys.exit(main())
