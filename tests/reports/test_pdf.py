"""The PDF report, read as a reader reads it: pages rendered to PNG (pdftoppm), text extracted
(pdftotext), paper sizes read (pdfinfo), from poppler-utils."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ssa_risk import api
from ssa_risk.reports.pdf import html_to_pdf
from tests.helpers import TUNISIA_2020, edit_file

MARKING = "UNCLASSIFIED — FOR REVIEW"
HEADER = "Tunisia, as of 2020-07"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed; .ci/run installs it (apt-get install poppler-utils)")
    pytest.skip(f"{name} is not installed here (CI installs it); apt-get install poppler-utils")


def _write(profile: Path, target: Path, paper: str = "a4") -> Path:
    """A profile as a PDF, written as the command writes it."""
    reports = api.make_reports([profile], "pdf", output=target, paper=paper)
    api.write_reports(reports, "pdf")
    return target


@pytest.fixture(scope="module")
def a4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(TUNISIA_2020, tmp_path_factory.mktemp("pdf") / "tunisia-2020.pdf")


def pages_text(pdf: Path) -> list[str]:
    """The text of each page, laid out as on the page."""
    out = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split("\f")[:-1]


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(
        [_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def contents(pages: list[str]) -> list[tuple[str, int]]:
    """The table of contents on page 2: (section, page) for each line with a dot leader."""
    return [
        (m[1].strip(), int(m[2]))
        for m in re.finditer(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", pages[1], re.MULTILINE)
    ]


def first_lines(page: str, n: int = 3) -> list[str]:
    """The first lines of a page's body: below the running header."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return lines[1 : 1 + n]


def test_every_page_renders_and_the_count_is_the_footers(a4, tmp_path):
    pages = pages_text(a4)
    count = int(info(a4)["Pages"])
    assert count == len(pages)
    subprocess.run(
        [_tool("pdftoppm"), "-r", "20", "-png", str(a4), str(tmp_path / "p")], check=True
    )
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == count
    assert all(image.stat().st_size > 1000 for image in images)  # a page, not an empty file
    # Tunisia 2020: a title page, the contents, then the body (more than a few pages).
    assert 10 <= count <= 40
    assert f"Page {count} of {count}" in pages[-1]


def test_page_one_is_the_title_page(a4):
    page = pages_text(a4)[0]
    words = " ".join(page.split())
    assert words.startswith(f"{MARKING} Security assistance suitability Tunisia")
    assert "Assessment as of 2020-07" in words
    assert "Overall rating: high risk — conditions required Score: 61 of 100" in words
    assert "Confidence: moderate" in words
    assert "By SSA Risk maintainers" in words
    assert words.endswith(MARKING)
    assert "Page 1" not in words  # no running header or footer on the title page
    assert HEADER not in words


def test_contents_list_the_sections_with_their_pages(a4):
    pages = pages_text(a4)
    assert first_lines(pages[1], 1) == ["Contents"]
    toc = contents(pages)
    titles = [title for title, _ in toc]
    assessment = api.assess_profile(TUNISIA_2020)
    lenses = [lens.title for lens in assessment.lenses]
    assert titles[:4] == ["Key judgements", "Conditions and recommendations", "Rating", "Summary"]
    assert titles[4 : 4 + len(lenses)] == lenses
    for wanted in (
        "Assistance portfolio",
        "Sources",
        "Annex A: evidence",
        "Annex B: programmes",
        "Methodology",
        "Provenance",
    ):
        assert wanted in titles
    numbers = [page for _, page in toc]
    assert numbers == sorted(numbers)
    assert numbers[0] == 3
    # Each entry points at the page where its heading is.
    for title, page in toc:
        assert title in " ".join(pages[page - 1].split()), (title, page)


def test_key_judgements_open_the_first_page_after_the_contents(a4):
    pages = pages_text(a4)
    assert "Contents" in pages[1]
    assert first_lines(pages[2], 2) == [
        "Key judgements",
        "Overall: high risk — conditions required, with a score of 61 of 100. Confidence: "
        "moderate. 7 of",
    ]


def test_body_pages_carry_the_running_header_and_page_numbers(a4):
    pages = pages_text(a4)
    count = len(pages)
    for number, page in enumerate(pages[1:], start=2):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert re.fullmatch(rf"{HEADER}\s+{MARKING}", lines[0]), (number, lines[0])
        assert re.fullmatch(rf"{MARKING}\s+Page {number} of {count}", lines[-1]), (
            number,
            lines[-1],
        )


def _word_heights(pdf: Path) -> list[tuple[float, str]]:
    """Each word's box height in points and its text (pdftotext -bbox)."""
    out = subprocess.run(
        [_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(m[2]) - float(m[1]), html.unescape(m[3]))
        for m in re.finditer(r'<word [^>]*yMin="([\d.]+)" [^>]*yMax="([\d.]+)">([^<]*)</word>', out)
    ]


def test_no_text_under_nine_points(a4):
    """A word's box in DejaVu Sans is 1.16 em high: 9 pt text gives 10.5 pt boxes. The charts
    are drawn for a 6.3 in column at 9 pt or more and printed at least that wide, so their
    words count too."""
    small = sorted({word for height, word in _word_heights(a4) if height < 10.2})
    assert small == []
    assert any(height >= 10.2 for height, _ in _word_heights(a4))


def test_main_body_fits_in_twelve_pages(a4):
    # The main body: key judgements, conditions, rating, summary and the lens sections, from
    # the page the key judgements start on to the page the last lens ends on (the page the
    # assistance portfolio starts on, counted whole). The portfolio, sources and annexes follow.
    toc = dict(contents(pages_text(a4)))
    body = toc["Assistance portfolio"] - toc["Key judgements"] + 1
    assert body <= 12, f"the main body takes {body} pages"
    # With the portfolio and the sources, up to the evidence annex.
    assert toc["Annex A: evidence"] - toc["Key judgements"] <= 13


def test_a4_and_letter(a4, tmp_path):
    assert info(a4)["Page size"] == "595.276 x 841.89 pts (A4)"
    letter = _write(TUNISIA_2020, tmp_path / "letter.pdf", "letter")
    assert info(letter)["Page size"] == "612 x 792 pts (letter)"
    pages = pages_text(letter)
    # The title page fits on the shorter paper: its two markings on page 1, contents on 2.
    assert " ".join(pages[0].split()).count(MARKING) == 2
    assert first_lines(pages[1], 1) == ["Contents"]


def test_the_same_inputs_give_the_same_bytes(a4, tmp_path):
    again = _write(TUNISIA_2020, tmp_path / "again.pdf")
    assert again.read_bytes() == a4.read_bytes()
    assert b"CreationDate" not in a4.read_bytes()


def test_a_profiles_own_classification_is_printed(tunisia_copy, tmp_path):
    profile = tunisia_copy / "2020.yaml"
    edit_file(profile, "as_of: 2020-07\n", "as_of: 2020-07\nclassification: OFFICIAL — SENSITIVE\n")
    pdf = _write(profile, tmp_path / "own.pdf")
    pages = pages_text(pdf)
    assert " ".join(pages[0].split()).startswith("OFFICIAL — SENSITIVE Security assistance")
    assert MARKING not in "".join(pages)
    assert re.search(r"Tunisia, as of 2020-07\s+OFFICIAL — SENSITIVE", pages[3])
    html = api.render(api.assess_profile(profile), "html")
    assert html.count('<p class="marking">OFFICIAL — SENSITIVE</p>') == 2  # top and bottom
    assert '"classification": "OFFICIAL — SENSITIVE"' in api.render(
        api.assess_profile(profile), "json"
    )


def test_the_default_marking_is_in_the_html_and_the_json():
    assessment = api.assess_profile(TUNISIA_2020)
    html = api.render(assessment, "html")
    assert html.count(f'<p class="marking">{MARKING}</p>') == 2
    assert f'"classification": "{MARKING}"' in api.render(assessment, "json")


def test_a_timeline_and_a_snapshot_into_an_out_dir(run_cli, tmp_path):
    result = run_cli(
        "assess", str(TUNISIA_2020.parent), str(TUNISIA_2020), "--format", "pdf", "--out-dir", "r"
    )
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert written == ["tunisia-2020.pdf", "tunisia-timeline.pdf"]
    pages = pages_text(tmp_path / "r" / "tunisia-timeline.pdf")
    words = " ".join(pages[0].split())
    assert "Security assistance suitability over time Tunisia" in words
    assert "Snapshots 2010-12, 2013-12, 2016-12, 2020-07; the latest as of 2020-07" in words
    titles = [title for title, _ in contents(pages)]
    assert titles[:4] == [
        "Scores by snapshot",
        "What changed between snapshots",
        "Latest snapshot: 2020-07",
        "Key judgements",
    ]


def test_output_names_and_paper_are_checked(run_cli, tmp_path):
    result = run_cli("assess", str(TUNISIA_2020), "-o", "x.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "x.pdf: -o names a .pdf file but --format is md — give --format pdf, or name a .md file\n"
    )
    result = run_cli("assess", str(TUNISIA_2020), "--format", "pdf", "-o", "x.html")
    assert result.stderr == (
        "x.html: -o names a .html file but --format is pdf — give --format html, "
        "or name a .pdf file\n"
    )
    result = run_cli("assess", str(TUNISIA_2020), "--paper", "letter", "-o", "x.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "--paper letter sets the paper of a PDF but --format is md — add --format pdf, "
        "or leave out --paper\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_fetched(tmp_path, monkeypatch):
    """Neither the network nor a file: a URL in a template is refused."""
    sheet = tmp_path / "sheet.css"
    sheet.write_text('body::before { content: "FETCHED" }', encoding="utf-8")
    connects: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connects.append(addr))
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(
        html_to_pdf(
            f'<html><head><link rel="stylesheet" href="{sheet.as_uri()}"></head>'
            '<body><p>Text</p><img src="http://127.0.0.1:9/x.png" alt="">'
            '<img src="https://example.invalid/y.png" alt=""></body></html>'
        )
    )
    assert connects == []
    assert pages_text(pdf)[0].split() == ["Text"]


# Run in a child process, where the system libraries cannot be loaded.
_NO_LIBRARIES = """
import sys, cffi.api
def refuse(self, name, flags=0):
    raise OSError(f"cannot load library '{name}': cannot open shared object file")
cffi.api.FFI.dlopen = refuse
from ssa_risk.console import cli
sys.argv = ["ssa-risk", *sys.argv[1:]]
cli.main()
"""


def test_missing_system_libraries_are_one_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _NO_LIBRARIES, "assess", str(TUNISIA_2020), "--format", "pdf"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""  # WeasyPrint's own banner is kept out
    assert result.stderr == (
        "ssa-risk: PDF output needs the system libraries WeasyPrint lays text out with "
        "(Pango, HarfBuzz, fontconfig), and they could not be loaded (cannot load library "
        "'libgobject-2.0-0': cannot open shared object file) — install them, e.g. apt-get "
        "install libpango-1.0-0 libpangoft2-1.0-0, or choose another --format\n"
    )
    assert list(tmp_path.iterdir()) == []  # no report, not even a partial one


def test_weasyprint_is_imported_only_for_a_pdf(tmp_path):
    code = (
        "import sys\nfrom ssa_risk.console import cli\n"
        "try:\n    cli.main(['assess', sys.argv[1], '--format', 'html', '-o', 'x.html'])\n"
        "except SystemExit:\n    pass\n"
        "print('weasyprint' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(TUNISIA_2020)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.stdout.splitlines()[-1] == "False", result.stderr
    assert (tmp_path / "x.html").is_file()
