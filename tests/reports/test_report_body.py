"""The body of every bundled report reads as prose: no rule ids, YAML paths, field names or
"(s)" plurals. Those stay in the evidence lists and the annex, which keep every fact."""

from __future__ import annotations

import html
import re

import pytest

from ssa_risk.api import assess, assess_profile, load_assessor
from ssa_risk.reports.render import render_report, render_timeline
from tests.helpers import DEFAULT_PROFILES, DEFAULT_TEMPLATES

ASSESSOR = load_assessor(DEFAULT_PROFILES.parent / "rules", DEFAULT_TEMPLATES)
SNAPSHOTS = sorted(DEFAULT_PROFILES.glob("*/*.yaml"))
COUNTRIES = sorted(p for p in DEFAULT_PROFILES.iterdir() if p.is_dir())

# What must not appear in prose, with what it looks like.
MACHINE_TEXT = {
    "rule id": re.compile(r"\b[A-Z]{2,5}-(?:[A-Z]{1,3})?\d+\b"),
    "snake_case id or field": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "YAML path": re.compile(r"\b\w+\[\d+\]|\b[a-z]+\.[a-z_]+\.[a-z_]+\b"),
    "(s) plural": re.compile(r"\((?:s|es)\)"),
}


def md_body(text: str) -> str:
    """A Markdown report without its evidence lists, the annex and what follows it."""
    body = text.split("\n## Annex A: evidence")[0]
    # An evidence list runs from its "Evidence (" line to the next heading.
    return re.sub(r"^Evidence \(.*?(?=^#)", "", body, flags=re.M | re.S)


def html_body(text: str) -> str:
    """An HTML report's visible text, without evidence blocks, the annex and what follows."""
    body = text.split('<h2 id="annex">')[0]
    body = re.sub(r"<style>.*?</style>|<svg.*?</svg>", "", body, flags=re.S)
    body = re.sub(r'<p class="evidence">.*?</p>', "", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# Python's own text for a value anywhere in a report, annex included: a field a rule needs
# missing (`exists: false`) is "not recorded", not None; a join a rule requires to find
# nothing is "unit.id", not Ref(name='unit', field='id').
PYTHON_TEXT = re.compile(r"(?:: |= |<strong>)None\b|\b[A-Z][A-Za-z]+\([a-z_]+=")


def machine_text(body: str) -> list[str]:
    return [
        f"{what}: {match.group()!r} in {body[max(0, match.start() - 60) : match.end() + 20]!r}"
        for what, pattern in MACHINE_TEXT.items()
        for match in pattern.finditer(body)
    ]


def test_the_patterns_catch_what_they_are_for():
    # The scanner would fail on the text the reports used to carry.
    for old in (
        "Abuses under emergency powers (internal_security: torture): high (HR-01)",
        "needs assistance.fms_usd or assistance.programmes.kind: sale",
        "`institutions[0].kind` = armed_forces",
        "1 step(s)",
        "Threat declining (THR-M1)",
    ):
        assert machine_text(old), old
    assert machine_text("Protective (CMR-PF1)")
    for old in (
        "- Spillover: trend: None (2020.yaml:98)",
        "`threats[2].trend` = None (",
        "<strong>None</strong>",
    ):
        assert PYTHON_TEXT.search(old), old
    assert PYTHON_TEXT.search("no institution with parent = Ref(name='unit', field='id') in")
    assert not PYTHON_TEXT.search("None of the programmes")
    assert not machine_text("FY2011-13: $18.3 million to the Ministry of Interior (2020-07).")


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("profile", SNAPSHOTS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_no_machine_text_in_the_body_of_a_snapshot_report(profile, fmt):
    text = render_report(assess_profile(profile, ASSESSOR), DEFAULT_TEMPLATES, fmt)
    body = md_body(text) if fmt == "md" else html_body(text)
    assert "Key judgements" in body and "Conditions and recommendations" in body
    assert machine_text(body) == []
    assert PYTHON_TEXT.findall(text) == []


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("country", COUNTRIES, ids=lambda p: p.name)
def test_no_machine_text_in_the_body_of_a_timeline(country, fmt):
    text = render_timeline(assess([country], ASSESSOR)[0].result, DEFAULT_TEMPLATES, fmt)  # type: ignore[arg-type]
    body = md_body(text) if fmt == "md" else html_body(text)
    assert machine_text(body) == []


def test_the_annex_keeps_every_fact_of_every_finding():
    a = assess_profile(DEFAULT_PROFILES / "tunisia" / "2020.yaml", ASSESSOR)
    text = render_report(a, DEFAULT_TEMPLATES, "md")
    annex = text.split("\n## Annex A: evidence")[1].split("\n## Methodology")[0]
    for f in a.findings:
        assert f"{f.rule_id}: {f.title}" in annex
        for e in f.evidence:
            if e.fact_kind == "signal":
                assert f"signal `{e.value}`" in annex
            elif e.fact_kind == "absent":
                assert f"- {e.path} in the profile" in annex
            else:
                shown = "not recorded" if e.value is None else e.value
                assert f"- `{e.path}` = {shown} (" in annex


def _starts(body: str) -> list[str]:
    """Lines of prose (and list items) that start with a small letter."""
    out = []
    for line in body.splitlines():
        if line.startswith("|"):
            continue
        text = re.sub(r"^(?:#+ |- |\d+\. )?", "", line).lstrip("*_ ")
        if text[:1].islower():
            out.append(line)
    return out


@pytest.mark.parametrize("profile", SNAPSHOTS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_paragraph_and_list_item_of_the_body_starts_with_a_capital(profile):
    body = md_body(render_report(assess_profile(profile, ASSESSOR), DEFAULT_TEMPLATES, "md"))
    assert _starts(body) == []
    assert _starts("- armed forces compete\n**insurgency.** The threat") == [
        "- armed forces compete",
        "**insurgency.** The threat",
    ]
