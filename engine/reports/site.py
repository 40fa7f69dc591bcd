"""A static site of a portfolio: every page a self-contained HTML file, linked to the others.

    index.html                          the portfolio (a page given by the caller, or a table)
    countries.html                      every country: its snapshots, latest rating, diffs
    countries/<slug>.html               a country's timeline report
    reports/<slug>-<as_of>.html         one snapshot's full report
    diffs/<slug>-<before>-<after>.html  what changed between consecutive snapshots
    rules.html                          the rule set: each rule, and where it fires
    backtest.html                       the calibration backtest (when there are cases)

The reports are those `assess --format html` and `diff --format html` write, rendered by the
same templates; the site puts its navigation bar and a few styles into each (after <body>, and
before </head>), so a report on the site reads as the report on its own. The site's own pages
are rendered by the templates named _site*.j2: the templates folder's own, else the bundled
ones (a project that copied its templates before the site existed still gets a site).

Every link is relative, nothing is fetched, nothing needs JavaScript, and the same inputs give
the same pages, byte for byte.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.paths import bundled_root
from ssa_risk.comparison.backtest import Backtest
from ssa_risk.comparison.diff import diff_assessments
from ssa_risk.evaluation.explain import expected_text
from ssa_risk.profile.facts import words_of
from ssa_risk.profile.skeleton import slug
from ssa_risk.reports.backtest import rates_text
from ssa_risk.reports.render import render_diff, render_report, render_template, render_timeline
from ssa_risk.rules.loader import Pattern, Rule, RuleSet

# The site's own templates; the first is how a templates folder is known to have them.
SITE_PAGE = "_site_page.html.j2"
SITE_NAV = "_site_nav.html.j2"
SITE_CSS = "_site.css.j2"

_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Snapshot:
    """One snapshot of a country on the site: its assessment and its report page."""

    assessment: Assessment
    page: str  # reports/<slug>-<as_of>.html
    diff_page: str  # diffs/...: what changed since the snapshot before ("" for the first)
    previous: str = ""  # the as_of of the snapshot before ("" for the first)

    @property
    def as_of(self) -> str:
        return self.assessment.as_of


@dataclass(frozen=True)
class Country:
    """A country of the portfolio: its timeline and the pages made from it."""

    slug: str
    timeline: Timeline
    snapshots: tuple[Snapshot, ...]  # oldest first

    @property
    def name(self) -> str:
        return self.timeline.country

    @property
    def page(self) -> str:
        return country_page(self.slug)

    @property
    def latest(self) -> Snapshot:
        return self.snapshots[-1]


def country_page(folder: str) -> str:
    """The page of the country whose snapshots are in the profiles folder `folder`
    (`tunisia` → `countries/tunisia.html`): how a portfolio page given to site_pages links to
    a country."""
    return f"countries/{slug(folder)}.html"


def _countries(timelines: Sequence[tuple[str, Timeline]]) -> list[Country]:
    """The countries by their folder's slug; two folders of one slug are told apart by a
    number, in folder order."""
    countries: list[Country] = []
    taken: set[str] = set()
    for folder, timeline in sorted(timelines, key=lambda item: (slug(item[0]), item[0])):
        name, n = slug(folder), 1
        while name in taken:
            n += 1
            name = f"{slug(folder)}-{n}"
        taken.add(name)
        snapshots = []
        previous: Assessment | None = None
        for a in timeline.snapshots:
            diff = f"diffs/{name}-{previous.as_of}-{a.as_of}.html" if previous else ""
            before = previous.as_of if previous else ""
            snapshots.append(Snapshot(a, f"reports/{name}-{a.as_of}.html", diff, before))
            previous = a
        countries.append(Country(name, timeline, tuple(snapshots)))
    return countries


# --- framing: the site's navigation put into a page ---------------------------------------


def _root(path: str) -> str:
    """The way back to the site's top folder from the page at `path`."""
    return "../" * path.count("/")


class _Site:
    """What every page of one site shares: the templates, the pages it has, the nav bar."""

    def __init__(self, templates: Path, own: Path, backtest: bool) -> None:
        self.templates = templates
        self.own = own
        self.backtest = backtest

    def render(self, name: str, path: str, **context: Any) -> str:
        """One of the site's own pages (or a part of one), for the page at `path`."""
        return render_template(
            self.own,
            name,
            root=_root(path),
            section="countries.html" if "/" in path else path,
            has_backtest=self.backtest,
            **context,
        )

    def nav(self, path: str) -> str:
        return self.render(SITE_NAV, path).rstrip("\n")

    def css(self) -> str:
        return render_template(self.own, SITE_CSS).rstrip("\n")

    def frame(self, document: str, path: str, top: str = "") -> str:
        """A whole HTML document (a report) with the site's styles before </head> and its
        navigation bar (then `top`) just after <body>; a document without those tags gets
        them at its start."""
        style = f"<style>\n{self.css()}\n</style>\n"
        head_end = _HEAD_END.search(document)
        body = _BODY.search(document)
        inserted = self.nav(path) + "\n" + top
        if body is None:
            return style + inserted + document
        at = body.end() + (1 if document[body.end() : body.end() + 1] == "\n" else 0)
        document = document[:at] + inserted + document[at:]
        if head_end is None or head_end.start() > body.start():
            return style + document
        return document[: head_end.start()] + style + document[head_end.start() :]


def site_pages(
    timelines: Sequence[tuple[str, Timeline]],
    ruleset: RuleSet,
    templates: Path,
    backtest: Backtest | None = None,
    index_body: str | None = None,
) -> list[tuple[str, str]]:
    """Every page of the site, (path relative to the site's folder, HTML), sorted by path.

    `timelines`: (the country's profiles folder name, its Timeline), one per country; the
    folder's slug names its pages. `templates`: the folder the reports are rendered with.
    `backtest`: the page of its results, when given. `index_body`: the portfolio page, as a
    whole HTML document (framed like a report: the site's nav bar put after its <body>) or
    as a fragment of body (put into a site page); None: a table of the countries. Links in
    it are relative to the site's folder (a country's page is `country_page(folder)`).
    """
    own = templates if (templates / SITE_PAGE).is_file() else bundled_root() / "templates"
    site = _Site(templates, own, backtest is not None)
    countries = _countries(timelines)
    pages: list[tuple[str, str]] = []
    for country in countries:
        pages += _country_pages(site, country)
    if index_body is None:
        pages.append(("index.html", site.render("_site_index.html.j2", "index.html", c=countries)))
    elif _BODY.search(index_body):
        pages.append(("index.html", site.frame(index_body, "index.html")))
    else:
        page = site.render("_site_fragment.html.j2", "index.html", body=index_body)
        pages.append(("index.html", page))
    pages.append(
        ("countries.html", site.render("_site_countries.html.j2", "countries.html", c=countries))
    )
    pages.append(("rules.html", _rules_page(site, ruleset, countries)))
    if backtest is not None:
        pages.append(("backtest.html", _backtest_page(site, backtest)))
    return sorted(pages)


def _country_pages(site: _Site, country: Country) -> list[tuple[str, str]]:
    pages = []
    top = site.render("_site_country.html.j2", country.page, country=country)
    timeline = render_timeline(country.timeline, site.templates, "html")
    pages.append((country.page, site.frame(timeline, country.page, top)))
    for before, after in pairwise(country.snapshots):
        back = site.render("_site_back.html.j2", after.diff_page, country=country)
        old, new = before.assessment, after.assessment
        diff = diff_assessments(old, new, (old.profile_path, new.profile_path))
        html = render_diff(diff, site.templates, "html")
        pages.append((after.diff_page, site.frame(html, after.diff_page, back)))
    for snapshot in country.snapshots:
        back = site.render("_site_back.html.j2", snapshot.page, country=country)
        html = render_report(snapshot.assessment, site.templates, "html")
        pages.append((snapshot.page, site.frame(html, snapshot.page, back)))
    return pages


# --- the rule reference -------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition of a rule, in words: the fact it needs and what its fields must be, or
    the signal it needs (and the rule that concludes it)."""

    what: str
    tests: tuple[str, ...] = ()
    signal: str = ""
    concluded_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleEntry:
    rule: Rule
    effect: str  # "high", "gate (unit)", "mitigation (moderate)", "signal only"
    groups: tuple[tuple[str, tuple[Condition, ...]], ...]  # ("All of", conditions), ...
    fires_in: tuple[tuple[Country, int], ...]  # countries whose latest snapshot it fires in


def _effect(rule: Rule) -> str:
    if rule.severity is None:
        return "no finding of its own"
    if rule.effect == "gate":
        return (
            f"gate on the {'country' if rule.scope == 'country' else rule.scope}, {rule.severity}"
        )
    if rule.effect in ("mitigation", "protective"):
        return f"{rule.effect}, {rule.severity}"
    return f"risk, {rule.severity}"


def _conditions(
    patterns: Sequence[Pattern], concluders: dict[str, list[str]]
) -> tuple[Condition, ...]:
    out = []
    for p in patterns:
        if p.signal is not None:
            concluded = tuple(concluders.get(p.signal, ()))
            out.append(Condition("", signal=p.signal, concluded_by=concluded))
            continue
        tests = tuple(f"{words_of(t.field)} {expected_text(t)}" for t in p.tests)
        out.append(Condition(words_of(p.fact), tests))
    return tuple(out)


def _rule_entries(
    ruleset: RuleSet, countries: Sequence[Country]
) -> dict[str, tuple[RuleEntry, ...]]:
    concluders: dict[str, list[str]] = {}
    for rule in ruleset.rules:
        if rule.conclude:
            concluders.setdefault(rule.conclude, []).append(rule.id)
    fired: dict[str, list[tuple[Country, int]]] = {}
    for country in countries:
        latest = country.latest.assessment
        ids = [f.rule_id for f in (*latest.findings, *latest.gates)]
        ids += [s.rule_id for s in latest.signals]
        for rule_id in sorted(set(ids)):
            fired.setdefault(rule_id, []).append((country, ids.count(rule_id)))
    by_lens: dict[str, list[RuleEntry]] = {lens.id: [] for lens in ruleset.all_lenses}
    for rule in ruleset.rules:
        groups: list[tuple[str, tuple[Condition, ...]]] = []
        for words, patterns in (
            ("all of these hold", rule.all),
            ("any of these holds", rule.any),
            ("none of these holds", rule.none),
        ):
            if patterns:
                label = f"{'And' if groups else 'Fires when'} {words}"
                groups.append((label, _conditions(patterns, concluders)))
        entry = RuleEntry(rule, _effect(rule), tuple(groups), tuple(fired.get(rule.id, ())))
        by_lens.setdefault(rule.lens, []).append(entry)
    return {lens: tuple(entries) for lens, entries in by_lens.items()}


def _rules_page(site: _Site, ruleset: RuleSet, countries: Sequence[Country]) -> str:
    return site.render(
        "_site_rules.html.j2",
        "rules.html",
        rs=ruleset,
        entries=_rule_entries(ruleset, countries),
        c=countries,
    )


# --- the backtest -------------------------------------------------------------------------


def _backtest_page(site: _Site, backtest: Backtest) -> str:
    return site.render(
        "_site_backtest.html.j2",
        "backtest.html",
        b=backtest,
        rates=rates_text(backtest.confusion),
    )


# The pages a build wrote, one per line, kept in the site's folder so that the next build can
# remove those it no longer makes (a country dropped, a snapshot renamed) and nothing else.
SITE_MANIFEST = ".ssa-risk-site"
_MANIFEST_HEAD = (
    "# pages written by `ssa-risk site`; the next build removes those it does not make\n"
)


def site_manifest(pages: Sequence[tuple[str, str]]) -> str:
    return _MANIFEST_HEAD + "".join(f"{name}\n" for name in sorted(name for name, _ in pages))


def stale_pages(out_dir: Path, pages: Sequence[tuple[str, str]]) -> list[str]:
    """The pages an earlier build listed in `out_dir`'s manifest that this build does not
    make; only names a build could have written (relative, no `..`, ending in .html)."""
    try:
        text = (out_dir / SITE_MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # no earlier build here (or none that can be read): nothing to remove
    made = {name for name, _ in pages}
    listed = [line.strip() for line in text.splitlines()]
    return sorted(
        name
        for name in set(listed)
        if name
        and not name.startswith("#")
        and name not in made
        and name.endswith(".html")
        and not Path(name).is_absolute()
        and ".." not in Path(name).parts
    )


def remove_pages(out_dir: Path, names: Sequence[str]) -> int:
    """Remove these pages (files only, never a folder, never through a linked folder out of
    the site; a page already gone is skipped) and the folders of the site they leave empty;
    how many were removed."""
    removed = 0
    try:
        inside = out_dir.resolve()
    except OSError:
        return 0
    for name in names:
        page = out_dir / name
        try:
            # Never through a linked folder out of the site.
            if not page.parent.resolve().is_relative_to(inside):
                continue
            if page.is_symlink() or page.is_file():
                page.unlink()
                removed += 1
        except (FileNotFoundError, RuntimeError):  # gone already, or a loop of links
            continue
        folder = page.parent
        with contextlib.suppress(OSError):  # not empty after all, or not ours to remove
            while folder != out_dir and not folder.is_symlink() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
    return removed
