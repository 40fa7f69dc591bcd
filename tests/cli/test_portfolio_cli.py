"""`ssa-risk portfolio`: every country's latest snapshot side by side, on a folder of two
countries (the bundled Tunisia and a small Testland whose military rises between snapshots)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_PROFILES, REPO_ROOT

TESTLAND = REPO_ROOT / "tests" / "fixtures" / "portfolio" / "testland"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    profiles = tmp_path / "profiles"
    shutil.copytree(DEFAULT_PROFILES / "tunisia", profiles / "tunisia")
    shutil.copytree(TESTLAND, profiles / "testland")
    return profiles


def test_the_portfolio_puts_the_riskiest_country_first(run_cli, folder):
    result = run_cli("portfolio", "profiles", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "reports/portfolio.md: 2 countries, riskiest Tunisia (high risk — conditions required)\n"
    )
    text = (folder.parent / "reports" / "portfolio.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(("| Tunisia", "| Testland"))]
    assert rows[0].startswith(
        "| Tunisia | 2020-07 | high risk — conditions required | 61 | moderate | 0 | 54 high |"
    )
    assert rows[1].startswith("| Testland | 2020-06 | suitable | 13 | low | 0 | 34 moderate |")
    assert (
        "- Testland, 2018-06 → 2020-06: Overall 0 → 13; Civil-military relations and coup risk "
        "0 → 34 (low → moderate)." in text
    )
    # A lens without its evidence is "n/a", never low.
    assert "| n/a |" in rows[1]


def test_json_and_html(run_cli, folder):
    assert run_cli("portfolio", "profiles", "--format", "json", "-o", "p.json").exit_code == 0
    data = json.loads((folder.parent / "p.json").read_text(encoding="utf-8"))
    assert (data["kind"], [c["country"] for c in data["countries"]]) == (
        "portfolio",
        ["Tunisia", "Testland"],
    )
    tunisia = data["countries"][0]
    assert tunisia["lenses"]["human_rights"] == {"score": 100.0, "rating": "critical"}
    overall = tunisia["moves"][0]
    assert (overall["lens"], overall["before"], overall["after"]) == ("Overall", 35.0, 61.0)
    assert tunisia["assistance"]["years"] == "FY2001–FY2013"
    html_run = run_cli("portfolio", "profiles", "--format", "html", "-o", "p.html")
    assert html_run.exit_code == 0, html_run.stderr
    html = (folder.parent / "p.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 1  # the heatmap
    assert "<script" not in html


def test_the_same_folder_gives_the_same_bytes(run_cli, folder):
    run_cli("portfolio", "profiles", "-o", "a.md")
    run_cli("portfolio", "profiles", "-o", "b.md")
    assert (folder.parent / "a.md").read_bytes() == (folder.parent / "b.md").read_bytes()


def test_a_folder_without_profiles_is_one_message(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("portfolio", "empty")
    assert result.exit_code == 2
    assert result.stderr == (
        "empty: no .yaml snapshots in this folder, nor in a country folder inside it — name a "
        "country folder of profiles, e.g. profiles/tunisia\n"
    )
    assert not (tmp_path / "reports").exists()


def test_the_pdf_reads_as_the_table(run_cli, folder):
    from tests.reports.test_pdf import pages_text

    result = run_cli("portfolio", "profiles", "--format", "pdf", "-o", "p.pdf")
    assert result.exit_code == 0, result.stderr
    pages = pages_text(folder.parent / "p.pdf")
    assert "Portfolio" in pages[0]
    words = " ".join(" ".join(pages[1:]).split())
    assert "Tunisia 2020-07 high risk" in words
