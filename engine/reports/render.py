"""Render an Assessment with the Jinja templates in a templates folder."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError

from ssa_risk.assessment.conditions import conditions
from ssa_risk.assessment.digest import digest, source_numbers, value_text
from ssa_risk.assessment.distribution import uncertainty_text
from ssa_risk.assessment.judgements import key_judgements, requirement_text
from ssa_risk.assessment.model import Assessment, score_text
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.cache import template_cache
from ssa_risk.base.choices import FORMATS as FORMATS
from ssa_risk.base.choices import IMPACT_FORMATS as IMPACT_FORMATS
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.paths import display_path
from ssa_risk.base.sandbox import USER_ERRORS, LimitedSandbox, LimitError, Limits, render
from ssa_risk.base.words import counted
from ssa_risk.rules.narrative import usd
from ssa_risk.rules.scoring import RATINGS

# The charts (HTML only), JSON and the comparison modules (diffs, impacts) are imported where
# they are used: a Markdown assessment needs none of them.
if TYPE_CHECKING:
    from ssa_risk.comparison.diff import Diff
    from ssa_risk.comparison.impact import Impact

# The largest bundled report (a timeline in HTML) is about 120 kB and takes a few thousand
# steps: these limits leave room for profiles a hundred times larger, and stop runaway
# templates (loops inside loops, recursion, huge repetitions) within seconds.
TEMPLATE_LIMITS = Limits(
    output=20_000_000, steps=2_000_000, value=20_000_000, work=200_000_000, depth=100
)


def markdown_cell(value: object) -> str:
    """Text for a Markdown table cell: a '|' or a line break would end the cell or the row."""
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def _environment(directory: Path) -> LimitedSandbox:
    """One sandbox per templates folder, so each template compiles once per process."""
    env = LimitedSandbox(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        # HTML templates escape everything that comes from profiles and rules.
        autoescape=lambda name: name is not None and ".html" in name,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
        # Compiled once per template and kept between runs (ssa_risk.base.cache).
        bytecode_cache=template_cache("reports"),
    )
    env.filters["usd"] = usd
    env.filters["cell"] = markdown_cell
    env.filters["score"] = score_text
    env.filters["counted"] = counted
    env.globals["RATINGS"] = RATINGS
    env.globals["key_judgements"] = key_judgements
    env.globals["digest"] = digest
    env.globals["conditions"] = conditions
    env.globals["uncertainty_text"] = uncertainty_text
    env.globals["value_text"] = value_text
    env.globals["source_numbers"] = source_numbers
    env.filters["requirement_text"] = requirement_text
    # A file named in the body by its name alone ("2020.yaml:22"); the annex gives the path.
    env.filters["basename"] = lambda path: str(path).rsplit("/", 1)[-1]
    return env


def _template_file(exc: BaseException) -> str | None:
    """The template file a rendering error happened in (the innermost one), if any."""
    tb = exc.__traceback__
    where = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return where


def _template_line(exc: BaseException) -> int | None:
    """The template line a rendering error happened on, from the traceback."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_report(
    assessment: Assessment, directory: Path, fmt: str = "md", paper: str | None = None
) -> str:
    """One assessment as Markdown, self-contained HTML or JSON; with `paper` (a4, letter), the
    HTML laid out for print, as the PDF is made from it."""
    if fmt == "json":
        from ssa_risk.assessment.serialize import assessment_json

        return assessment_json(assessment)
    if fmt != "html":
        return render_template(directory, f"report.{fmt}.j2", a=assessment, charts={})
    return render_html(
        directory, "report.html.j2", paper, a=assessment, charts=assessment_charts(assessment)
    )


def assessment_charts(assessment: Assessment) -> dict[str, str]:
    """The charts of one assessment's HTML report, as inline SVG ("" for one it has no data
    for)."""
    from ssa_risk.reports.charts import assistance_chart, lens_chart, uncertainty_chart

    return {
        "uncertainty": uncertainty_chart(assessment),
        "lens": lens_chart(assessment),
        "assistance": assistance_chart(assessment.portfolio, dict(assessment.institutions))
        if assessment.portfolio.programmes
        else "",
    }


def render_timeline(
    timeline: Timeline, directory: Path, fmt: str = "md", paper: str | None = None
) -> str:
    """A country's snapshots in one report: ratings per year, changes, the latest in full;
    with `paper`, the HTML laid out for print."""
    if fmt == "json":
        from ssa_risk.assessment.serialize import timeline_json

        return timeline_json(timeline)
    if fmt != "html":
        return render_template(directory, f"timeline.{fmt}.j2", t=timeline, charts={})
    from ssa_risk.reports.charts import timeline_chart

    charts = {**assessment_charts(timeline.latest), "timeline": timeline_chart(timeline)}
    return render_html(directory, "timeline.html.j2", paper, t=timeline, charts=charts)


# CSS page sizes of the papers a PDF is laid out on.
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


def render_html(directory: Path, name: str, paper: str | None, **context: object) -> str:
    """An HTML report: for the screen (pdf false), or for print on `paper` (pdf true), with a
    table of contents of the sections the report turned out to have (rendered twice: the
    second time with the contents of the first)."""
    if paper is None:
        return render_template(directory, name, pdf=False, page_size="", toc=(), **context)
    size = PAGE_SIZES[paper]
    first = render_template(directory, name, pdf=True, page_size=size, toc=(), **context)
    return render_template(
        directory, name, pdf=True, page_size=size, toc=contents(first), **context
    )


@dataclasses.dataclass(frozen=True)
class Entry:
    """A line of a table of contents: a heading's depth (1 the top), id and text."""

    depth: int
    id: str
    title: str


class _Headings(HTMLParser):
    """The h1 and h2 elements that have an id, in order, with their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._open: tuple[int, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if tag in ("h1", "h2") and ident:
            self._open = (int(tag[1]), ident, [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == f"h{self._open[0]}":
            level, ident, text = self._open
            self.found.append((level, ident, " ".join("".join(text).split())))
            self._open = None


def contents(html: str) -> tuple[Entry, ...]:
    """The table of contents of an HTML report: each h1 and h2 that has an id, an h2 at
    depth 2 once an h1 came before it (a timeline's latest snapshot), else at depth 1."""
    parser = _Headings()
    parser.feed(html)
    parser.close()
    entries: list[Entry] = []
    under_h1 = False
    for level, ident, title in parser.found:
        under_h1 = under_h1 or level == 1
        entries.append(Entry(2 if level == 2 and under_h1 else 1, ident, title))
    return tuple(entries)


def render_diff(diff: Diff, directory: Path, fmt: str = "md") -> str:
    """A diff of two assessments as Markdown, HTML or JSON."""
    if fmt == "json":
        return json.dumps(dataclasses.asdict(diff), indent=2, ensure_ascii=False) + "\n"
    return render_template(directory, f"diff.{fmt}.j2", d=diff)


def render_impact(impact: Impact, directory: Path, fmt: str = "md") -> str:
    """The impact of a rule change over many profiles, as Markdown or JSON."""
    if fmt not in IMPACT_FORMATS:
        raise ValueError(f"an impact is written as {' or '.join(IMPACT_FORMATS)}, not {fmt}")
    if fmt == "json":
        return json.dumps(dataclasses.asdict(impact), indent=2, ensure_ascii=False) + "\n"
    text = render_template(directory, f"impact.{fmt}.j2", i=impact)
    if impact.backtest is None:
        return text
    # Written here, not in the template, so that a project's own impact template shows it too.
    from ssa_risk.reports.backtest import change_lines

    return text + "\n" + "\n".join(change_lines(impact.backtest)) + "\n"


def _template_problem(where: str, line: int | None, message: str, fix: str) -> InputError:
    return InputError([Problem(display_path(Path(where)), line, None, message, fix)])


def render_template(directory: Path, name: str, **context: object) -> str:
    if not (directory / name).is_file():
        raise InputError(
            [
                Problem(
                    display_path(directory / name),
                    None,
                    None,
                    f"template '{name}' not found",
                    "point --templates at a folder that has it",
                )
            ]
        )
    default = str(directory / name)
    try:
        template = _environment(directory.resolve()).get_template(name)
        text = render(template, TEMPLATE_LIMITS, context)
    except TemplateError as exc:
        where = getattr(exc, "filename", None) or _template_file(exc) or default
        line = getattr(exc, "lineno", None) or _template_line(exc)
        raise _template_problem(where, line, f"template error: {exc}", "fix the template") from None
    except LimitError as exc:
        where = _template_file(exc) or default
        message = f"template '{Path(where).name}' {exc.message}"
        raise _template_problem(where, _template_line(exc), message, exc.fix) from None
    except RecursionError:
        raise _template_problem(
            default,
            None,
            f"template '{name}' includes or extends itself in a loop, "
            "or a macro calls itself without end",
            "remove the include/extends cycle, or give the macro a case where it stops",
        ) from None
    except USER_ERRORS as exc:
        where = _template_file(exc) or default
        message = f"template error: {type(exc).__name__}: {exc}"
        raise _template_problem(where, _template_line(exc), message, "fix the template") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _template_problem(
            default, None, f"template cannot be read ({exc})", "save templates as readable UTF-8"
        ) from None
    return text.rstrip("\n") + "\n"
