"""`assess --tipping`: the report's indicators to watch, right after "What would change it",
in words (no rule ids or YAML paths), in Markdown, HTML and JSON; absent without --tipping."""

from __future__ import annotations

import json

from ssa_risk.assessment.serialize import assessment_from_json
from tests.helpers import DEFAULT_PROFILES, REPO_ROOT, TUNISIA_2020
from tests.reports.test_report_body import html_body, machine_text, md_body

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "tipping"

WATCH_MD = (
    "Indicators to watch: each of these changes alone would raise a rating.\n\n"
    "- Civil-military relations: military political role: now stable; at rising it would "
    "raise Alpha from high to critical.\n\n"
)


def _assess(run_cli, tmp_path, fmt: str, *more: str) -> str:
    out = tmp_path / f"report.{fmt}"
    result = run_cli(
        "assess",
        str(FIXTURES / "profile.yaml"),
        "--rules",
        str(FIXTURES / "rules"),
        "--format",
        fmt,
        "-o",
        str(out),
        *more,
    )
    assert result.exit_code == 0, result.stderr
    text: str = out.read_text(encoding="utf-8")
    return text


def test_the_section_follows_what_would_change_it(run_cli, tmp_path):
    md = _assess(run_cli, tmp_path, "md", "--tipping")
    changes = md.index("What would change it:\n")
    watch = md.index(WATCH_MD)
    assert changes < watch < md.index("## Conditions and recommendations")
    # Nothing between the two lists but the first list itself.
    assert "\n\n\n" not in md[changes:watch]


def test_without_tipping_there_is_no_section_and_no_json_key(run_cli, tmp_path):
    assert "Indicators to watch" not in _assess(run_cli, tmp_path, "md")
    assert "Indicators to watch" not in _assess(run_cli, tmp_path, "html")
    assert "watch" not in json.loads(_assess(run_cli, tmp_path, "json"))


def test_html_and_json_carry_the_same_indicators(run_cli, tmp_path):
    page = _assess(run_cli, tmp_path, "html", "--tipping")
    assert (
        "<li>Civil-military relations: military political role: now stable; at rising it "
        "would raise Alpha from high to critical.</li>"
    ) in page
    text = _assess(run_cli, tmp_path, "json", "--tipping")
    assert json.loads(text)["watch"] == [
        {
            "label": "Civil-military relations: military political role",
            "now": "stable",
            "then": "rising",
            "raises": "Alpha from high to critical",
            "rules": ["T-02"],
        }
    ]
    # The saved assessment, read back, keeps them (the schema allows the key).
    assert assessment_from_json(text, "report.json").watch[0].then == "rising"


def test_tunisia_indicators_read_as_prose(run_cli, tmp_path):
    out = tmp_path / "tunisia.md"
    result = run_cli("assess", str(TUNISIA_2020), "--tipping", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    md = out.read_text(encoding="utf-8")
    section = md.split("Indicators to watch")[1].split("\n\n")[1]
    assert section.splitlines()[:2] == [
        "- Civil-military relations: military political role: now rising; at dominant it "
        "would raise Civil-military relations and coup risk from high to critical.",
        "- Internal security forces (Ministry of Interior, incl. police, National Guard and "
        "intelligence): political role: now declining; at dominant it would raise "
        "Institutional rivalry and counterbalancing from moderate to high.",
    ]
    # The threat is moderate (the spillover from Libya, with no trend recorded, counts): a
    # higher level would raise it.
    assert (
        "- Insurgency: level: now moderate; at high it would raise Threat environment from "
        "moderate to high." in section.splitlines()
    )
    assert machine_text(md_body(md)) == []
    page = tmp_path / "tunisia.html"
    result = run_cli("assess", str(TUNISIA_2020), "--tipping", "--format", "html", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    assert machine_text(html_body(page.read_text(encoding="utf-8"))) == []


def test_a_country_folder_watches_its_latest_snapshot(run_cli, tmp_path):
    out = tmp_path / "tunisia.md"
    folder = TUNISIA_2020.parent
    result = run_cli("assess", str(folder), "--tipping", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    md = out.read_text(encoding="utf-8")
    assert md.count("Indicators to watch: each of these changes alone would raise a rating.") == 1
    assert (
        "- Civil-military relations: military political role: now rising; at dominant it "
        "would raise Civil-military relations and coup risk from high to critical.\n"
    ) in md


def test_which_entry_a_fact_is_and_the_record_of_the_past_are_not_indicators(run_cli, tmp_path):
    # Tunisia 2016: changing a reform area's name, or how the military was formed, would
    # raise a rating, but neither is something to watch.
    out = tmp_path / "2016.md"
    profile = TUNISIA_2020.parent / "2016.yaml"
    assert run_cli("assess", str(profile), "--tipping", "-o", str(out)).exit_code == 0
    watch = out.read_text(encoding="utf-8").split("Indicators to watch:")[1].split("\n\n")[1]
    lines = watch.splitlines()
    assert len(lines) == 10
    assert lines[0] == (
        "- Civil-military relations: military political role: now rising; at dominant it "
        "would raise Civil-military relations and coup risk from low to high."
    )
    for past in ("military origin", "historical coercive centre", ": area:", ": kind:"):
        assert not any(past in line for line in lines), past


def test_a_threshold_in_dollars_reads_as_the_report_writes_dollars(run_cli, tmp_path):
    """A number the rules test against a threshold reads "at X (at least X)", and a sum of
    dollars is written in dollars, as everywhere in the report, not as a bare integer."""
    out = tmp_path / "oman.md"
    result = run_cli(
        "assess", str(DEFAULT_PROFILES / "oman" / "2020.yaml"), "--tipping", "-o", str(out)
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert (
        "- Other donors: a new entry: now none like it recorded; at one recorded (name new "
        "donor, annual (US$) $50.0 million) it would raise Leverage and relationship from low "
        "to moderate.\n"
        "- United Kingdom: annual (US$): now not recorded; at $50.0 million (at least $50.0 "
        "million) it would raise Leverage and relationship from low to moderate.\n"
    ) in text
