"""`ssa-risk site`: a static site of the bundled profiles that opens offline, every link of it
leading to a page of it, the same bytes from every build, and no console error in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from ssa_risk import api
from ssa_risk.console import cli
from ssa_risk.reports.site import SITE_MANIFEST, site_pages
from tests.helpers import CASES, DEFAULT_PROFILES
from tests.reports.test_browser import FLAGS, chromium  # noqa: F401 (a fixture)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Page(HTMLParser):
    """A page's links, ids and tags, and whether every element it opens it closes in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.open: list[str] = []
        self.problems: list[str] = []
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value is not None:
                # The charts' SVG (made by matplotlib) repeat their ids from chart to chart.
                if value in self.ids and "svg" not in self.open:
                    self.problems.append(f"id '{value}' twice")
                self.ids.add(value)
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()


def _build(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli.main, ["site", "-o", str(folder), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _files(folder: Path) -> dict[str, bytes]:
    """Every page of a built site (the list of pages it keeps beside them apart)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != SITE_MANIFEST
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A working folder outside any project (so the bundled profiles, rules and templates are
    used), with a copy of the backtest cases."""
    folder = tmp_path_factory.mktemp("work")
    shutil.copytree(CASES, folder / "cases")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


@pytest.fixture(scope="module")
def built(work: Path) -> tuple[str, dict[str, bytes]]:
    """The site built once for the module: what the command printed, and every file."""
    out = _build(Path("site"), "--cases", "cases", "--workers", "1", "--quiet")
    return out, _files(work / "site")


def _countries() -> dict[str, list[str]]:
    """Each bundled country folder, with its snapshots' as_of dates, oldest first."""
    found = {}
    for folder in sorted(p for p in DEFAULT_PROFILES.iterdir() if p.is_dir()):
        dates = []
        for snapshot in sorted(folder.glob("*.yaml")):
            match = re.search(r"^as_of:\s*['\"]?([0-9-]+)", snapshot.read_text("utf-8"), re.M)
            assert match, snapshot
            dates.append(match.group(1))
        found[folder.name] = sorted(dates)
    return found


def test_the_site_has_a_page_for_every_country_snapshot_and_change(built):
    out, files = built
    expected = {"index.html", "countries.html", "rules.html", "backtest.html"}
    for country, dates in _countries().items():
        expected.add(f"countries/{country}.html")
        expected |= {f"reports/{country}-{d}.html" for d in dates}
        expected |= {f"diffs/{country}-{a}-{b}.html" for a, b in pairwise(dates)}
    assert set(files) == expected
    assert out == f"wrote {len(expected)} pages to site; open site/index.html\n"
    manifest = (Path("site") / SITE_MANIFEST).read_text(encoding="utf-8").splitlines()
    assert manifest[1:] == sorted(expected)
    assert {
        "countries/tunisia.html",
        "reports/tunisia-2010-12.html",
        "reports/tunisia-2020-07.html",
        "diffs/tunisia-2010-12-2013-12.html",
        "diffs/tunisia-2013-12-2016-12.html",
        "diffs/tunisia-2016-12-2020-07.html",
    } <= set(files)


def test_every_page_parses_and_every_link_leads_to_a_page_of_the_site(built):
    _, files = built
    pages = {name: data.decode("utf-8") for name, data in files.items()}
    for name, text in pages.items():
        assert text.startswith('<!DOCTYPE html>\n<html lang="en">'), name
        page = Page(text)
        assert page.problems == [], name
        for tag in ("html", "head", "title", "body", "nav"):
            assert page.tags.count(tag) == 1, (name, tag)
    assert _broken(pages) == []


def _broken(texts: dict[str, str]) -> list[str]:
    """Every link of every page that leads out of the site, to no page of it, or to an
    anchor its page does not have."""
    pages = {name: Page(text) for name, text in texts.items()}
    broken = []
    for name, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                broken.append(f"{name}: {link} leaves the site")
                continue
            target = name
            if parts.path:
                resolved = PurePosixPath(name).parent / unquote(parts.path)
                target = str(PurePosixPath(*_normal(resolved.parts)))
            if target not in pages:
                broken.append(f"{name}: {link}")
            elif parts.fragment and parts.fragment not in pages[target].ids:
                broken.append(f"{name}: {link} (no such anchor)")
    return broken


def _normal(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if not out:
                return ["..", *parts]  # above the site's folder: no page of it
            out.pop()
        elif part != ".":
            out.append(part)
    return out


def test_pages_are_self_contained_and_name_no_local_path(built, work):
    _, files = built
    for name, data in files.items():
        text = data.decode("utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", text), name
        assert "<script" not in text, name
        assert "<style>" in text, name
        assert str(work) not in text and str(Path.home()) + "/" not in text, name
        assert "/work/" not in text, name


def test_every_page_has_the_navigation_bar_with_relative_links(built):
    _, files = built
    nav = (
        '<nav class="site-nav" aria-label="Site">\n<span class="site-name">SSA Risk</span>\n'
        '<a href="{0}index.html">Portfolio</a>\n<a href="{0}countries.html"{1}>Countries</a>\n'
        '<a href="{0}rules.html">Rules</a>\n<a href="{0}backtest.html">Backtest</a>\n</nav>'
    )
    current = ' aria-current="page"'
    for name in ("countries/tunisia.html", "reports/tunisia-2020-07.html"):
        assert nav.format("../", current) in files[name].decode("utf-8"), name
    rules = files["rules.html"].decode("utf-8")
    assert '<a href="rules.html" aria-current="page">Rules</a>' in rules
    assert nav.format("", "").replace('"rules.html"', '"rules.html" aria-current="page"') in rules


def test_a_report_on_the_site_is_the_report_with_the_nav_put_in(built):
    _, files = built
    standalone = api.render(
        api.assess_profile(api.project().profiles / "tunisia" / "2020.yaml"), "html"
    )
    on_site = files["reports/tunisia-2020-07.html"].decode("utf-8")
    body = standalone.split("<body>\n", 1)[1]
    assert on_site.endswith(body)
    head = standalone.split("</head>", 1)[0]
    assert on_site.startswith(head)
    back = on_site.split("<body>\n", 1)[1].split('<p class="marking">', 1)[0]
    assert (
        '<p class="site-pages"><a href="../countries/tunisia.html">Tunisia: all snapshots</a> · '
        'Reports: <a href="../reports/tunisia-2010-12.html">2010-12</a>, '
        '<a href="../reports/tunisia-2013-12.html">2013-12</a>, '
        '<a href="../reports/tunisia-2016-12.html">2016-12</a>, '
        '<a href="../reports/tunisia-2020-07.html">2020-07</a> · What changed: '
        '<a href="../diffs/tunisia-2010-12-2013-12.html">2010-12 → 2013-12</a>, '
        '<a href="../diffs/tunisia-2013-12-2016-12.html">2013-12 → 2016-12</a>, '
        '<a href="../diffs/tunisia-2016-12-2020-07.html">2016-12 → 2020-07</a></p>'
    ) in back


def test_the_country_page_links_its_snapshots_and_diffs(built):
    _, files = built
    page = files["countries/tunisia.html"].decode("utf-8")
    assert "Security assistance suitability over time: Tunisia (2010-12 to 2020-07)" in page
    assert "<p><strong>Tunisia</strong>: 4 snapshots." in page
    assert (
        '<td><a href="../reports/tunisia-2013-12.html">report 2013-12</a></td>'
        '<td><a href="../diffs/tunisia-2010-12-2013-12.html">2010-12 → 2013-12</a></td>'
    ) in page
    assert '<span class="muted">the first snapshot</span>' in page


def test_the_index_is_the_portfolio_with_each_country_linked(built):
    _, files = built
    index = files["index.html"].decode("utf-8")
    assert f"Portfolio: {len(_countries())} countries side by side" in index
    assert '<a href="countries/tunisia.html">Tunisia</a>' in index
    assert index.count("<svg") == 1  # the heatmap


def test_the_rule_reference_says_what_each_rule_needs_and_where_it_fires(built):
    _, files = built
    rules = files["rules.html"].decode("utf-8")
    ruleset = api.load_rules()
    for rule in ruleset.rules:
        assert f'id="rule-{rule.id}"' in rules
    assert f"The {len(ruleset.rules)} rules of the rule set in &lt;bundled&gt;/rules" in rules
    # A lens's question, a rule's conditions (a signal linked to the rule concluding it), its
    # severity, citations in full, its examples, and the countries it fires in.
    assert "Could assisted forces commit or be complicit in abuses?" in rules
    cmr02 = rules.split('id="rule-CMR-02"', 1)[1].split("</div>", 1)[0]
    assert "<h3>CMR-02: Public support for military rule alongside an elevated military</h3>" in (
        cmr02
    )
    assert '<p class="meta">risk, high · defined at &lt;bundled&gt;/rules/civil_military' in cmr02
    assert "<li>civil military: support for military rule pct &gt;= 40</li>" in cmr02
    assert (
        '<li>the signal <em>military elevated</em> (concluded by <a href="#rule-CMR-01">CMR-01</a>)'
        in cmr02
    )
    assert "Aaron Belkin and Evan Schofer, &#34;Toward a Structural Understanding of Coup Risk" in (
        cmr02
    )
    assert "3 examples checked by <code>ssa-risk rules test</code>." in cmr02
    assert (
        'Fires in the latest snapshot of: <a href="countries/tunisia.html">Tunisia</a> (2020-07).'
        in cmr02
    )
    assert "Fires in none of the countries' latest snapshots." in rules
    lines = rules.split('id="lens-proposal_lines"')[-1]
    assert "none fires on a country profile alone" in lines
    assert lines.count("Judges proposal lines: fires on no country profile alone.") == sum(
        1 for r in ruleset.rules if ruleset.is_line_rule(r)
    )


def test_the_backtest_page_has_the_table_and_rates(built):
    _, files = built
    page = files["backtest.html"].decode("utf-8")
    result = api.backtest(Path("cases"), flag_at="high")
    c = result.confusion
    assert f"<td>hits: {c.hits}</td><td>misses: {c.misses}</td>" in page
    assert "historical cases in cases" in page
    for case in result.results:
        assert f"<tr><td>{case.case}<br>" in page
    assert "<li>Hit rate: " in page and "<li>False-alarm rate: " in page


def test_two_builds_are_byte_identical(built, work):
    _build(Path("again"), "--cases", "cases", "--workers", "2", "--quiet")
    assert _files(work / "again") == built[1]
    manifest = SITE_MANIFEST
    assert (work / "again" / manifest).read_bytes() == (work / "site" / manifest).read_bytes()


def test_a_new_build_removes_the_pages_of_an_earlier_one_it_does_not_make(built, work):
    # An earlier build made a page for a snapshot since renamed; a page of the reader's own
    # sits beside the site's. Only the first goes.
    site = work / "stale"
    shutil.copytree(work / "site", site)
    (site / "reports" / "tunisia-2019-01.html").write_text("<p>old</p>", encoding="utf-8")
    (site / "old" / "deep").mkdir(parents=True)
    (site / "old" / "deep" / "gone.html").write_text("<p>old</p>", encoding="utf-8")
    (site / "notes.html").write_text("<p>mine</p>", encoding="utf-8")
    listed = (site / SITE_MANIFEST).read_text(encoding="utf-8")
    extra = "reports/tunisia-2019-01.html\nold/deep/gone.html\n../outside.html\nlinked/x.html\n"
    (site / SITE_MANIFEST).write_text(listed + extra, encoding="utf-8")
    (work / "outside.html").write_text("<p>not the site's</p>", encoding="utf-8")
    # A folder of the site that links out of it: nothing is removed through it.
    (work / "elsewhere").mkdir()
    (work / "elsewhere" / "x.html").write_text("<p>not the site's</p>", encoding="utf-8")
    (site / "linked").symlink_to(work / "elsewhere")
    out = _build(Path("stale"), "--cases", "cases", "--workers", "1", "--quiet")
    assert out == (
        f"wrote {len(built[1])} pages to stale (removed 2 pages of an earlier build); "
        "open stale/index.html\n"
    )
    assert not (site / "reports" / "tunisia-2019-01.html").exists()
    assert not (site / "old").exists()  # the folders it left empty go too
    assert (site / "notes.html").read_text(encoding="utf-8") == "<p>mine</p>"
    assert (work / "outside.html").exists()
    assert (work / "elsewhere" / "x.html").exists()
    (site / "linked").unlink()
    assert _files(site) == {**built[1], "notes.html": b"<p>mine</p>"}


PORTFOLIO = (
    "<!DOCTYPE html>\n<html><head><title>P</title><style>p{}</style></head>\n<body>\n"
    '<h1>Countries side by side</h1><a href="countries/tunisia.html">T</a>\n'
    "</body></html>\n"
)


@pytest.fixture(scope="module")
def given(work):
    """The site with a portfolio page made from the countries (as the portfolio command's
    would be), without backtest cases; and the countries the page was made from."""
    seen = []

    def portfolio(countries):
        seen.extend(countries)
        return PORTFOLIO

    return dict(api.site_pages(index_body=portfolio)), seen


def test_the_portfolio_page_given_goes_into_the_index(given):
    pages, seen = given
    assert [folder for folder, _ in seen] == sorted(_countries())
    assert "Tunisia" in [timeline.country for _, timeline in seen]
    index = pages["index.html"]
    assert index.startswith("<!DOCTYPE html>\n<html><head><title>P</title><style>p{}</style>")
    assert index.index("</style><style>\n.site-nav") < index.index("</head>")
    assert index.index('<nav class="site-nav"') > index.index("<body>")
    assert index.endswith(
        '</nav>\n<h1>Countries side by side</h1><a href="countries/tunisia.html">T</a>\n'
        "</body></html>\n"
    )
    assert api.country_page("tunisia") == "countries/tunisia.html"
    assert _broken(pages) == []


def test_a_fragment_of_body_goes_into_a_page_of_the_site(given):
    _, seen = given
    templates = api.project().templates
    pages = dict(site_pages(seen, api.load_rules(), templates, None, "<p>Heat map</p>"))
    index = pages["index.html"]
    assert "<main>\n<p>Heat map</p>\n</main>" in index
    assert '<a href="index.html" aria-current="page">Portfolio</a>' in index
    assert index.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>')


def test_without_cases_there_is_no_backtest_page_nor_link(given):
    pages, _ = given
    assert "backtest.html" not in pages
    assert all("backtest.html" not in text for text in pages.values())


def test_country_pages_are_named_by_their_folder_and_told_apart(given):
    _, seen = given
    tunisia = next(timeline for folder, timeline in seen if folder == "tunisia")
    named = [("tunisia", tunisia), ("Tunisia", tunisia), ("Côte d'Ivoire", tunisia)]
    pages = dict(site_pages(named, api.load_rules(), api.project().templates))
    countries = sorted(name for name in pages if name.startswith("countries/"))
    assert countries == [
        "countries/cote-d-ivoire.html",
        "countries/tunisia-2.html",
        "countries/tunisia.html",
    ]
    assert "reports/tunisia-2-2020-07.html" in pages
    assert "diffs/cote-d-ivoire-2016-12-2020-07.html" in pages
    assert _broken(pages) == []
    # A rule that fires in Tunisia now fires in all three, each linked.
    rules = pages["rules.html"]
    assert (
        'Fires in the latest snapshot of: <a href="countries/cote-d-ivoire.html">Tunisia</a> '
        '(2020-07), <a href="countries/tunisia.html">Tunisia</a> (2020-07), '
        '<a href="countries/tunisia-2.html">Tunisia</a> (2020-07).'
    ) in rules


def test_a_bad_profile_writes_no_site(work):
    bad = work / "bad" / "atlantis"
    bad.mkdir(parents=True)
    (bad / "2020.yaml").write_text("country: Atlantis\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["site", "bad", "-o", "broken", "--workers", "1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "bad/atlantis/2020.yaml:1:1: (top level): missing required field 'as_of' — add 'as_of:'\n"
    )
    assert not (work / "broken").exists()


def _chromium(
    binary: str, folder: Path, page: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    profile = folder / f"chromium-{len(list(folder.glob('chromium-*')))}"
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_page_opens_in_chromium_without_console_errors(chromium, built, work, tmp_path):  # noqa: F811
    """One Chromium run opens every page (each in a frame of a page made for the test), and a
    page made to log an error shows that its errors would be seen."""
    _, files = built
    site = work / "site"
    canary = tmp_path / "canary.html"
    canary.write_text(
        "<!DOCTYPE html><title>c</title><script>console.error('canary page')</script>", "utf-8"
    )
    frames = (
        "".join(f'<iframe src="{(site / name).as_uri()}"></iframe>\n' for name in files)
        + f'<iframe src="{canary.as_uri()}"></iframe>\n'
    )
    harness = tmp_path / "all.html"
    harness.write_text(f"<!DOCTYPE html><title>all</title>\n{frames}", "utf-8")
    result = _chromium(
        chromium,
        tmp_path,
        harness,
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        "--allow-file-access-from-files",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert len(console) == 1 and "canary page" in console[0], console
    assert result.stdout.count("<iframe") == len(files) + 1


def test_a_screenshot_of_the_portfolio_page(chromium, built, work, tmp_path):  # noqa: F811
    png = tmp_path / "index.png"
    shot = _chromium(
        chromium,
        tmp_path,
        work / "site" / "index.html",
        "--window-size=1200,900",
        f"--screenshot={png}",
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 15_000
