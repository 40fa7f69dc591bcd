"""The HTML report in headless Chromium: it loads offline, shows its charts, prints to PDF."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import TUNISIA_2020

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed here (CI installs it); apt-get install chromium")


def _run(chromium: str, tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"chromium-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def timeline_html(run_cli, tmp_path):
    result = run_cli("assess", str(TUNISIA_2020.parent), "--format", "html", "-o", "t.html")
    assert result.exit_code == 0, result.stderr
    return tmp_path / "t.html"


def test_report_is_self_contained(timeline_html):
    html = timeline_html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<script" not in html  # nothing needs JavaScript to be seen
    assert "@media print" in html


def test_report_loads_without_console_errors_and_shows_its_charts(
    chromium, tmp_path, timeline_html
):
    result = _run(
        chromium, tmp_path, timeline_html, "--enable-logging=stderr", "--v=0", "--dump-dom"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
    dom = result.stdout
    assert dom.count("<svg") == 3
    assert "Security assistance suitability over time: Tunisia" in dom
    assert "Scores by snapshot" in dom


def test_report_screenshot_and_pdf(chromium, tmp_path, timeline_html):
    png = tmp_path / "report.png"
    pdf = tmp_path / "report.pdf"
    shot = _run(chromium, tmp_path, timeline_html, "--window-size=1200,1600", f"--screenshot={png}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
    printed = _run(
        chromium, tmp_path, timeline_html, "--no-pdf-header-footer", f"--print-to-pdf={pdf}"
    )
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000


def test_profile_text_is_escaped_in_html(run_cli, tunisia_copy):
    path = tunisia_copy / "2010.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "name: Tunisian Armed Forces (Ministry of National Defence)",
        'name: "<script>alert(1)</script> & <b>Army</b>"',
        1,
    )
    path.write_text(text, encoding="utf-8")
    result = run_cli("assess", "tunisia/2020.yaml", "--format", "html", "-o", "x.html")
    assert result.exit_code == 0, result.stderr
    html = (tunisia_copy.parent / "x.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Army&lt;/b&gt;" in html
