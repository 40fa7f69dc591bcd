"""The report body's digest: one entry per point, the facts that carry it, numbered sources and
an annex that keeps every finding."""

from __future__ import annotations

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.digest import digest, summarised, value_text
from ssa_risk.assessment.model import Assessment, Evidence
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


def _assess(year: str) -> Assessment:
    return ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / f"{year}.yaml")


@pytest.fixture(scope="module")
def tunisia_2020() -> Assessment:
    return _assess("2020")


def _points(a: Assessment) -> dict[str, tuple[list[str], list[str]]]:
    """Lead rule id → (rule ids of its further subjects, rule ids folded in on the same facts)."""
    return {
        p.lead.finding.rule_id: (
            [e.finding.rule_id for e in p.subjects],
            [e.finding.rule_id for e in p.same_facts],
        )
        for points in digest(a).points.values()
        for p in points
    }


def test_one_point_per_rule_and_findings_on_the_same_facts_folded_in(tunisia_2020):
    points = _points(tunisia_2020)
    # Abuses by two units under the emergency powers: one point, both subjects.
    assert points["HR-01"] == (["HR-01"], [])
    # The same declining threat, twice: one mitigation with its two subjects.
    assert points["THR-M1"] == (["THR-M1"], [])
    # Public support for military rule, on its own and with a rising military: one point.
    assert points["CMR-02"] == ([], ["CMR-09"])
    assert "CMR-09" not in points
    # The sector's clout outgrowing its governance rests on 'performance over reform'.
    assert points["GOV-01"] == ([], ["GOV-08"])
    # Every finding is somewhere: as a lead, a further subject or folded in.
    placed = sum(1 + len(s) + len(f) for s, f in points.values())
    assert placed == len(tunisia_2020.findings)


def test_a_point_shows_a_few_facts_and_counts_the_rest():
    # 2010: the operational focus rests on 14 programmes; one is shown, the rest counted.
    a = _assess("2010")
    [gov07] = [
        p
        for points in digest(a).points.values()
        for p in points
        if p.lead.finding.rule_id == "GOV-07"
    ]
    assert gov07.more == "1 more institution and 13 more programmes"
    assert len(gov07.facts) <= 3
    # Which entry a fact is (an id, a kind) is not what carries a finding.
    assert not any(e.path.endswith((".id", ".kind")) for e in gov07.facts)


def test_the_facts_behind_a_signal_stand_in_for_it(tunisia_2020):
    [cmr02] = [
        p
        for p in digest(tunisia_2020).points["civil_military"]
        if p.lead.finding.rule_id == "CMR-02"
    ]
    assert [e.label for e in cmr02.facts] == [
        "Civil-military relations: support for military rule (%)",
        "Tunisian Armed Forces (Ministry of National Defence): budget trend",
        "Tunisian Armed Forces (Ministry of National Defence): political role",
    ]


def test_the_annex_numbers_every_finding_once_in_report_order(tunisia_2020):
    annex = digest(tunisia_2020).annex
    assert [item.number for item in annex] == list(range(1, len(tunisia_2020.findings) + 1))
    assert [item.finding for item in annex] == list(tunisia_2020.findings)
    # Signals are expanded: the annex shows the facts, and says which signal in its reasoning.
    assert all(e.fact_kind != "signal" for item in annex for e in item.evidence)


def test_every_citation_resolves_to_a_numbered_source_with_its_date(tunisia_2020):
    d = digest(tunisia_2020)
    assert [r.number for r in d.references] == list(range(1, len(d.references) + 1))
    assert d.references[0].key == "sam2020"
    assert d.references[0].date == "2020-07"
    keys = {r.number: r.key for r in d.references}
    for points in d.points.values():
        for p in points:
            cited = [keys[n] for n, _ in p.lead.cites]
            assert cited == [c.ref for c in p.lead.finding.cites]


@pytest.mark.parametrize(
    ("path", "value", "text"),
    [
        ("a.receives_assistance", True, "yes"),
        ("a.military_held_power", False, "no"),
        ("a.historical_coercive_centre", "interior_ministry", "interior ministry"),
        ("assistance.fms_usd", 12_345_678, "$12.3 million"),
        ("a.support_for_military_rule_pct", 47, "47"),
        ("a.areas", ("civilian_control", "transparency"), "civilian control, transparency"),
    ],
)
def test_values_read_as_words(path, value, text):
    assert value_text(Evidence("x", "k", path, value, "p.yaml", 1, ())) == text


def test_nothing_left_says_nothing():
    evidence = (Evidence("x", "civil_military", "civil_military.a_b", 1, "p.yaml", 1, ()),)
    assert summarised(evidence) == (evidence, "")
