"""The bundled Tunisia snapshots come out the way the case study reads them."""

from __future__ import annotations

import json

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.serialize import timeline_json
from ssa_risk.assessment.timeline import build_timeline
from ssa_risk.reports.render import render_report, render_timeline
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES

ASSESSOR = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


def _assess(year: str):
    return ASSESSOR.assess(DEFAULT_PROFILES / "tunisia" / f"{year}.yaml")


def _ratings(assessment) -> dict[str, tuple[str, str]]:
    return {lens.id: (lens.inherent, lens.residual) for lens in assessment.lenses}


def _fired(assessment) -> set[str]:
    return {f.rule_id for f in assessment.findings}


def _scores(assessment) -> dict[str, float]:
    # Every lens these tests compare is assessed in every snapshot.
    return {lens.id: lens.score for lens in assessment.lenses if lens.score is not None}


def test_2010_interior_ministry_as_coercive_centre_little_aid_low_threat():
    a = _assess("2010")
    assert {"RIV-04", "EXE-04", "THR-04", "GOV-07", "HR-03"} <= _fired(a)
    # Little assistance: no volume finding; low threat: no threat finding above moderate.
    assert "LEV-03" not in _fired(a)
    assert not {"THR-01", "THR-02"} & _fired(a)
    # A marginal army counterbalanced by the ruler's favoured interior services, which receive
    # U.S. assistance; the 1987 palace coup, 23 years before, weighs little (the coup trap
    # decays).
    [lens] = [lens for lens in a.lenses if lens.id == "civil_military"]
    assert [f.rule_id for f in lens.findings] == ["CMR-27", "CMR-28", "CMR-22"]
    assert lens.residual == "moderate"


def test_2013_shopping_list_deadlocked_reform_and_rivalry_with_aid_as_currency():
    a = _assess("2013")
    assert {"PLAN-01", "PLAN-05", "GOV-03", "RIV-01", "LEV-03", "POL-02", "CMR-04"} <= _fired(a)
    # The forces are losing ground to the insurgency (a trigger); the army's return to
    # civilian oversight in 2012 and its gains under democracy are weighed as protective.
    assert "CMR-40" in _fired(a)
    [lens] = [lens for lens in a.lenses if lens.id == "civil_military"]
    assert [f.rule_id for f in lens.protective] == ["CMR-PF1", "CMR-PF4"]
    assert {s.name for s in a.signals} >= {"threat_surge", "performance_over_reform"}


def test_2016_performance_over_reform_emergency_powers_presidency_and_coordination():
    a = _assess("2016")
    assert {"GOV-01", "GOV-05", "HR-05", "EXE-01", "EXE-03", "PLAN-M2"} <= _fired(a)
    assert "PLAN-01" not in _fired(a)  # donors now coordinate (G7+)
    # No programme is recorded after FY2013: the portfolio gap is a finding, and rules about
    # recent money no longer rest on the FY2011-13 programmes.
    assert {"PLAN-07"} <= _fired(a)
    assert not {"CMR-07", "PLAN-03"} & _fired(a)


def test_2020_action_plan_mitigates_planning_but_not_civil_military_or_human_rights():
    a = _assess("2020")
    fired = _fired(a)
    assert {"PLAN-M1", "CMR-02", "CMR-09", "HR-01", "HR-09", "POL-03", "GOV-08"} <= fired
    assert "PLAN-02" not in fired  # the joint plan has sequenced benchmarks
    # Threat is context: moderate threats give moderate findings, never a weight overall.
    [threat] = [lens for lens in a.lenses if lens.id == "threat_environment"]
    # The spillover threat from Libya is moderate with no trend recorded (THR-11), the others
    # moderate and declining (THR-06).
    assert threat.context and {f.rule_id for f in threat.findings} == {"THR-06", "THR-11"}
    [spillover] = [f for f in threat.findings if f.rule_id == "THR-11"]
    assert spillover.subject == "spillover"
    assert spillover.narrative.endswith(
        "The profile does not record whether it is rising or falling."
    )
    # The torture reports name the interior ministry's forces as a whole, which have units of
    # their own: Leahy review is required for those units (HR-09), and no unit is barred.
    assert "HR-02" not in fired
    [review] = [f for f in a.findings if f.rule_id == "HR-09"]
    assert review.narrative.startswith("Leahy review is required for the units of Internal")
    assert a.gates == ()


def test_the_timeline_shows_the_case_study_movement():
    scores = {year: _scores(_assess(year)) for year in ("2010", "2013", "2016", "2020")}
    # The military's political weight grows after the revolution.
    assert scores["2020"]["civil_military"] > scores["2010"]["civil_military"]
    # The 2017 action plan lowers planning risk.
    assert scores["2020"]["assistance_design"] < scores["2016"]["assistance_design"]


@pytest.mark.parametrize("year", ["2010", "2013", "2016", "2020"])
def test_every_finding_cites_and_shows_evidence(year):
    a = _assess(year)
    for finding in a.findings:
        assert finding.citations, finding.rule_id
        assert finding.evidence, finding.rule_id
        assert all(e.line for e in finding.evidence if e.fact_kind not in ("signal", "absent")), (
            finding.rule_id
        )


def test_a_finding_speaks_of_its_most_significant_match_and_cites_them_all():
    # 2010: two programmes make THR-04 fire; the narrative names the $18.3 million Section
    # 1206 programme, and the evidence lists both. The $18,292 peacekeeping line is
    # peacekeeping, not counter-terrorism aid, and does not match.
    [thr04] = [f for f in _assess("2010").findings if f.rule_id == "THR-04"]
    assert thr04.narrative.startswith(
        "Counter-terrorism capability is being built under Section 1206 Train and Equip Authority"
    )
    programmes = {e.path.split(".")[1] for e in thr04.evidence if e.fact_kind == "programme"}
    assert programmes == {"programmes[1]", "programmes[10]"}
    # 2013: officer training is named by its largest recent programme, IMET.
    [cmr07] = [f for f in _assess("2013").findings if f.rule_id == "CMR-07"]
    assert "are trained under International Military Education and Training." in cmr07.narrative


def test_the_2020_report_flags_every_finding_that_rests_on_facts_over_five_years_old():
    report = render_report(_assess("2020"), DEFAULT_TEMPLATES, "md")
    body = report.split("\n## Assistance portfolio")[0]
    sections = body.split("\n### ")[1:]
    old = [s for s in sections if "stated 2010-12" in s or "stated 2013-12" in s]
    assert old  # the 2020 snapshot still inherits some facts from 2010 and 2013
    for section in old:
        assert "**Stale:** rests on facts stated" in section, section.splitlines()[0]
    assert "5 of 32 risk findings rest on facts stated more than 5 years before 2020-07" in report


def test_the_timeline_shows_the_scores_in_the_report_and_in_the_json():
    timeline = build_timeline([_assess(y) for y in ("2010", "2013", "2016", "2020")])
    report = render_timeline(timeline, DEFAULT_TEMPLATES, "md")
    assert (
        "| Civil-military relations and coup risk | 37 moderate | 67 critical | 17 low | 54 high |"
    ) in report
    assert (
        "| Assistance design and planning | 34 moderate | 71 critical | 27 moderate | 0 low |"
        in (report)
    )
    saved = json.loads(timeline_json(timeline))
    assert [
        [lens["score"] for lens in s["lenses"] if lens["id"] == "civil_military"]
        for s in saved["snapshots"]
    ] == [[37.0], [67.0], [17.0], [54.0]]
