"""Saved JSON reads back into the same typed Assessment; one lens comparison for timeline and
diff, with one way of showing a lens that was not assessed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.changes import NOT_ASSESSED, lens_changes
from ssa_risk.assessment.serialize import assessment_from_json, assessment_json, timeline_json
from ssa_risk.assessment.timeline import build_timeline
from ssa_risk.base.errors import InputError
from ssa_risk.comparison.diff import diff_assessments
from ssa_risk.rules.model import WORDING_KEYS, Recommendation
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, TUNISIA_2020


@pytest.fixture(scope="module")
def tunisia():
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    return (
        assessor.assess(TUNISIA_2020.with_name("2016.yaml"), "tunisia/2016.yaml"),
        assessor.assess(TUNISIA_2020, "tunisia/2020.yaml"),
    )


def test_saved_json_reads_back_into_an_equal_assessment(tunisia):
    _, fresh = tunisia
    text = assessment_json(fresh)
    read = assessment_from_json(text, "a.json")
    assert read == fresh  # the same typed model: tuples, nested dataclasses, values
    assert assessment_json(read) == text


def test_schema_problems_name_the_file_and_where(tunisia):
    text = assessment_json(tunisia[1]).replace('"overall": "', '"overall": 7, "x": "', 1)
    with pytest.raises(InputError) as info:
        assessment_from_json(text, "a.json")
    # Every problem, each at its line, worded as in profiles and rule files.
    assert [str(p) for p in info.value.problems] == [
        "a.json:8:3: overall: expected text, got a number (7) — write text",
        "a.json:8:17: x: unknown key 'x' — allowed keys: as_of, authors, classification,"
        " confidence, country, facts, gates, institutions, iso3, kind, lenses, methodology,"
        " missing_sections, overall, overall_explanation, portfolio, profile_path, provenance,"
        " rules, schema_version, score, signals, sources, summary, uncertainty, warnings, watch",
    ]


def test_missing_schema_version_and_a_timeline_are_named(tunisia):
    text = assessment_json(tunisia[1]).replace('"schema_version": 3,', "", 1)
    with pytest.raises(InputError) as info:
        assessment_from_json(text, "a.json")
    assert str(info.value) == (
        "a.json: is an assessment without 'schema_version' — write it again with"
        " 'ssa-risk assess --format json' (it writes schema_version 3)"
    )
    timeline = build_timeline(list(tunisia))
    with pytest.raises(InputError) as info:
        assessment_from_json(timeline_json(timeline), "t.json")
    assert str(info.value) == (
        "t.json: is a timeline (a country folder's report); diff takes the assessment of one"
        " snapshot — write one with 'ssa-risk assess FILE --format json'"
    )


def test_another_schema_version_names_both_versions(tunisia):
    # Version 1 rated lenses by their worst finding, without scores: read as version 2 or 3
    # it would be wrong, so it is refused, naming the versions read.
    text = assessment_json(tunisia[1]).replace('"schema_version": 3', '"schema_version": 1', 1)
    with pytest.raises(InputError) as info:
        assessment_from_json(text, "old.json")
    assert [str(p) for p in info.value.problems] == [
        "old.json: is an assessment of schema_version 1; this version of ssa-risk reads"
        " schema_version 2 or 3 — re-run 'ssa-risk assess --format json' with this version"
        " of ssa-risk, or compare with the version that writes schema_version 1"
    ]


def test_timeline_and_diff_compare_lenses_alike(tunisia):
    before, after = tunisia
    # The earlier rule set had no leverage lens; the later one has no threat lens.
    before = dataclasses.replace(
        before, lenses=tuple(x for x in before.lenses if x.id != "leverage")
    )
    after = dataclasses.replace(
        after, lenses=tuple(x for x in after.lenses if x.id != "threat_environment")
    )
    expected = lens_changes(before, after)
    # Every lens that changed band or score, in the rule set's order; a lens one side lacks
    # is shown as not there, never as a rating.
    assert [(c.lens, c.before, c.after) for c in expected] == [
        ("civil_military", "low", "high"),
        ("institutional_rivalry", "moderate", "moderate"),
        ("governance_reform", "critical", "critical"),
        ("human_rights", "high", "critical"),
        ("political_context", "low", "high"),
        ("assistance_design", "moderate", "low"),
        ("leverage", NOT_ASSESSED, "not assessed"),
        ("threat_environment", "critical", NOT_ASSESSED),
    ]
    assert build_timeline([after, before]).changes[0].lens_changes == expected
    assert diff_assessments(before, after, ("a", "b")).lens_changes == expected
    assert build_timeline([before, after]).changes[0].lenses[6] == (
        "Leverage and relationship",
        "-",
        "not assessed",
    )


def test_a_pair_cut_short_is_a_problem_not_a_crash(tunisia):
    # Found by fuzzing: a (fiscal year, amount) pair missing its amount crashed the reader.
    fresh = tunisia[1]
    text = assessment_json(fresh)
    data = json.loads(text)
    data["portfolio"]["programmes"][14]["by_year"][0] = [2011]
    data["portfolio"]["by_recipient"][0] = ["armed_forces"]
    with pytest.raises(InputError) as info:
        assessment_from_json(json.dumps(data, indent=2), "a.json")
    assert [p.message for p in info.value.problems] == [
        "portfolio.programmes[14].by_year[0]: 1 entries, fewer than 2",
        "portfolio.by_recipient[0]: 1 entries, fewer than 2",
    ]


def _saved_findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding of an assessment's JSON: its gates and each lens's findings."""
    lists = [data["gates"]] + [
        lens[key] for lens in data["lenses"] for key in ("findings", "mitigations", "protective")
    ]
    return [f for found in lists for f in found]


def _as_version_2(text: str) -> str:
    """The JSON a version 2 ssa-risk wrote for the same assessment: recommendations as plain
    text, in the findings and in the rule definitions (hashed as they were then)."""
    data = json.loads(text)
    data["schema_version"] = 2
    for finding in _saved_findings(data):
        finding["recommend"] = [r["text"] for r in finding["recommend"]]
    for rule in data["rules"]:
        definition = json.loads(rule["definition"])
        if "recommend" in definition:
            definition["recommend"] = [r["do"] for r in definition["recommend"]]
        rule["definition"] = json.dumps(definition, sort_keys=True)
        wording = {k: definition[k] for k in WORDING_KEYS if k in definition}
        rule["wording_sha256"] = hashlib.sha256(
            json.dumps(wording, sort_keys=True).encode()
        ).hexdigest()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_recommendations_are_saved_with_their_tags(tunisia):
    data = json.loads(assessment_json(tunisia[1]))
    assert data["schema_version"] == 3
    finding = next(f for f in _saved_findings(data) if f["rule_id"] == "HR-09")
    assert finding["recommend"] == [
        {
            "text": "Identify the units responsible and bar them until remediation; vet every"
            " other unit of the force before it receives assistance.",
            "by": "agency",
            "stance": "withhold",
        },
        {
            "text": "Record assistance by unit, not by ministry or force.",
            "by": "programme",
            "stance": "monitor",
        },
    ]
    read = assessment_from_json(assessment_json(tunisia[1]), "a.json")
    assert next(f for f in read.findings if f.rule_id == "HR-09").recommend == (
        Recommendation(
            "Identify the units responsible and bar them until remediation; vet every other"
            " unit of the force before it receives assistance.",
            "agency",
            "withhold",
        ),
        Recommendation(
            "Record assistance by unit, not by ministry or force.", "programme", "monitor"
        ),
    )


def test_a_version_2_assessment_reads_with_untagged_recommendations(tunisia):
    fresh = tunisia[1]
    old = assessment_from_json(_as_version_2(assessment_json(fresh)), "old.json")
    # Each recommendation keeps its text and reads as a plain-text one: by agency, condition.
    for before, after in zip(old.findings, fresh.findings, strict=True):
        assert [r.text for r in before.recommend] == [r.text for r in after.recommend]
        assert {(r.by, r.stance) for r in before.recommend} <= {("agency", "condition")}
    # A rule whose recommendations carry the default tags reads as unchanged; one whose tags
    # differ is reworded, and the diff says which tags changed on which recommendation.
    rules_before = {r.id: r for r in old.rules}
    rules_after = {r.id: r for r in fresh.rules}
    assert rules_before["GOV-06"] == rules_after["GOV-06"]
    assert rules_before["HR-02"].logic_sha256 == rules_after["HR-02"].logic_sha256
    assert rules_before["HR-02"].wording_sha256 != rules_after["HR-02"].wording_sha256
    changes = {c.rule_id: c for c in diff_assessments(old, fresh, ("old", "new")).rule_changes}
    assert "GOV-06" not in changes
    assert changes["HR-02"].change == "reworded"
    assert changes["HR-02"].details == (
        'recommend[0] "Withhold assistance from this unit until remediation steps are'
        ' documented.": [agency, condition] → [agency, withhold]',
        'recommend[1] "Record which units receive each programme so that vetting can be done'
        ' per unit.": [agency, condition] → [programme, monitor]',
    )
