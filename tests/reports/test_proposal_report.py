"""A proposal's report as its readers see it: the PDF's pages (poppler-utils) and the HTML in
headless Chromium, on the fixture proposal worked by hand (tests/fixtures/proposals)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssa_risk import api
from tests.helpers import DEFAULT_TEMPLATES, REPO_ROOT
from tests.reports.test_browser import _run, chromium  # noqa: F401 (a fixture)
from tests.reports.test_pdf import contents, info, pages_text

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "proposals"


@pytest.fixture(scope="module")
def judged() -> api.ProposalAssessment:
    assessor = api.load_assessor(FIXTURE / "rules", DEFAULT_TEMPLATES)
    return api.assess_proposal(
        FIXTURE / "proposal.yaml", FIXTURE / "decision.yaml", assessor=assessor
    )


@pytest.fixture(scope="module")
def pdf(judged, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("proposal") / "proposal.pdf"
    target.write_bytes(api.render_proposal(judged, "pdf", DEFAULT_TEMPLATES))  # type: ignore[arg-type]
    return target


def test_the_pdf_opens_with_the_recommendation(pdf):
    pages = pages_text(pdf)
    assert int(info(pdf)["Pages"]) == len(pages)
    title = " ".join(pages[0].split())
    assert "Proposal assessment: A package for Testland" in title
    assert "Recommendation: redesign; approval by Director" in title
    toc = [entry for entry, _ in contents(pages)]
    assert toc[:7] == [
        "Recommendation",
        "The lines",
        "Conditions for the whole package",
        "Accepted risks and waivers",
        "Monitoring plan",
        "Approval levels",
        "Country assessment: Testland (2020-01)",
    ]
    body = " ".join(pages[2].split())
    assert "Redesign. Residual risk high: approval by Director." in body


def test_the_pdf_is_the_same_bytes_each_time(judged, pdf):
    again = api.render_proposal(judged, "pdf", DEFAULT_TEMPLATES)
    assert again == pdf.read_bytes()


def test_the_html_loads_in_chromium_without_console_errors(chromium, judged, tmp_path):  # noqa: F811
    page = tmp_path / "proposal.html"
    page.write_text(str(api.render_proposal(judged, "html", DEFAULT_TEMPLATES)), encoding="utf-8")
    result = _run(chromium, tmp_path, page, "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert [line for line in result.stderr.splitlines() if "CONSOLE" in line] == []
    dom = result.stdout
    assert "Proposal assessment: A package for Testland" in dom
    assert 'id="monitoring"' in dom
    assert "<script" not in dom
