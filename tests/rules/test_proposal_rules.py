"""The proposal-line rules on the bundled Tunisia 2020 proposal: which rule fires on which line,
exactly; and, for the rules that fire on none of its lines, the smallest change to a line or to
the profile that makes them fire on that line alone."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from ssa_risk.base.source import Document, load_yaml
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.proposal import (
    Proposal,
    line_facts,
    lines_as_facts,
    load_decisions,
    load_proposal,
)
from ssa_risk.profile.reader import Profile
from ssa_risk.rules.approvals import load_approvals
from tests.helpers import DEFAULT_RULES, REPO_ROOT
from tests.rules.test_rule_examples import ASSESSOR

PROPOSAL = REPO_ROOT / "proposals" / "tunisia-2020.yaml"
LINE_RULES = sorted(r.id for r in ASSESSOR.ruleset.rules if r.lens == "proposal_lines")


def _fired(profile: Profile, lines: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(rule id, line id) for every proposal-line rule that fires on a line."""
    facts = profile_facts(profile) + lines_as_facts(lines, profile)
    firings, _ = evaluate(ASSESSOR.compiled, facts)
    ids = {f"lines[{i}]": str(line["id"]) for i, line in enumerate(lines)}
    return {(f.rule_id, ids[dict(f.bindings)["line"]]) for f in firings if f.rule_id in LINE_RULES}


def _with(profile: Profile, **sections: Any) -> Profile:
    """The profile with some of its sections replaced."""
    doc = profile.doc
    return Profile(
        Document(doc.path, {**doc.data, **sections}, doc.locations, doc.texts, doc.problems)
    )


def _line(proposal: Proposal, line_id: str, **changes: Any) -> list[dict[str, Any]]:
    """The proposal's lines with one line changed (a field set to None is removed)."""
    lines = copy.deepcopy(proposal.lines)
    for line in lines:
        if line["id"] == line_id:
            line.update(changes)
            for key in [k for k, v in line.items() if v is None]:
                del line[key]
    return lines


@pytest.fixture(scope="module")
def tunisia() -> Proposal:
    return load_proposal(PROPOSAL)


# Which rule fires on which line of the proposal as bundled.
AS_BUNDLED = {
    "LN-01": set(),  # no unit's own record of gross violations: the torture is the ministry's
    "LN-02": {"guard-ct", "police-riot"},  # units of the interior forces, which tortured
    "LN-03": set(),  # no weapons or armed platforms in the package
    "LN-04": {"police-riot"},  # crowd control for the police, who targeted people arbitrarily
    "LN-05": {"imet"},  # officer education for the rising army
    "LN-06": set(),  # Tunisia is not coup-prone (its one coup was in 1987)
    "LN-07": {"dib", "border", "imet", "guard-ct", "police-riot"},  # MOD v MOI, every line
    "LN-08": {"imet", "police-riot"},  # capability without a benchmark while reform stalls
    "LN-09": {"imet"},  # to FY2023, past the action plan's last year (2021)
    "LN-10": set(),  # absorptive capacity is moderate
    "LN-11": set(),  # no line to the presidency
    # Every abuse records whether it is credible and whether anyone was held to account.
    **{f"LN-{n}": set() for n in range(12, 21)},
}


def test_every_line_rule_is_listed():
    assert sorted(AS_BUNDLED) == LINE_RULES


@pytest.mark.parametrize("rule_id", sorted(AS_BUNDLED))
def test_line_rule_on_the_tunisia_2020_proposal(tunisia, rule_id):
    fired = _fired(tunisia.profile, tunisia.lines)
    assert {line for rule, line in fired if rule == rule_id} == AS_BUNDLED[rule_id]


def test_line_facts_of_the_tunisia_2020_proposal(tunisia):
    derived = {
        str(f.fields["key"]): (
            f.fields["lethal"],
            f.fields["years"],
            f.fields["annual_usd"],
            f.fields["benchmark_count"],
            f.fields["recipient_kind"],
            f.fields.get("recipient_parent"),
            f.fields["years_beyond_plan"],
        )
        for f in line_facts(tunisia)
    }
    assert derived == {
        "dib": (False, 1, 1_000_000, 1, "armed_forces", None, 0),
        "border": (False, 1, 12_000_000, 1, "armed_forces", None, 0),
        "imet": (False, 3, 2_200_000, 0, "armed_forces", None, 2),
        "guard-ct": (False, 1, 2_500_000, 2, "interior_forces", "internal_security", 0),
        "police-riot": (False, 1, 1_500_000, 0, "interior_forces", "internal_security", 0),
    }


def _abuses(profile: Profile, *extra: Mapping[str, Any]) -> dict[str, Any]:
    hr = dict(profile.data["human_rights"])
    hr["abuses"] = [*hr["abuses"], *extra]
    return hr


# For each rule, a change that makes it fire: (line to change, its changes, profile sections to
# replace), and the lines it then fires on.
def _variants(tunisia: Proposal) -> dict[str, tuple[Profile, list[dict[str, Any]], set[str]]]:
    p = tunisia.profile
    cm = dict(p.data["civil_military"])
    return {
        # The police's own record, not only the ministry's, names a gross violation.
        "LN-01": (
            _with(
                p,
                human_rights=_abuses(
                    p, {"unit": "police", "kind": "torture", "credible": True, "remediated": False}
                ),
            ),
            tunisia.lines,
            {"police-riot"},
        ),
        # The border line arms the army instead of watching the border.
        "LN-03": (
            p,
            _line(tunisia, "border", equipment="weapons_and_munitions"),
            {"border"},
        ),
        # A coup in 2016 and a National Guard the ruler favours.
        "LN-06": (
            _with(
                p,
                civil_military={
                    **cm,
                    "coups": [{"year": 2016, "kind": "military", "outcome": "failed"}],
                },
                institutions=[
                    {**i, "favoured_by_ruler": True} if i["id"] == "national_guard" else i
                    for i in p.data["institutions"]
                ],
            ),
            tunisia.lines,
            {"guard-ct"},
        ),
        # Capacity to absorb assistance is low: only the $12 million border line is large.
        "LN-10": (
            _with(p, assistance={**p.data["assistance"], "absorptive_capacity": "low"}),
            tunisia.lines,
            {"border"},
        ),
        # Institution building for the presidency instead of the defence ministry.
        "LN-11": (p, _line(tunisia, "dib", recipient="presidency"), {"dib"}),
    }


@pytest.mark.parametrize("rule_id", ["LN-01", "LN-03", "LN-06", "LN-10", "LN-11"])
def test_line_rule_silent_on_tunisia_fires_on_the_changed_line_only(tunisia, rule_id):
    profile, lines, expected = _variants(tunisia)[rule_id]
    assert AS_BUNDLED[rule_id] == set()
    fired = _fired(profile, lines)
    assert {line for rule, line in fired if rule == rule_id} == expected


@pytest.mark.parametrize(
    ("rule_id", "line_id", "changes"),
    [
        # Protective equipment is not crowd-control equipment.
        ("LN-04", "police-riot", {"equipment": "protective"}),
        # Technical training, not officer education.
        ("LN-05", "imet", {"training": "technical"}),
        # A benchmark in the IMET line, and one in the police line.
        ("LN-08", "imet", {"benchmarks": ["Civil-military course taught at the institute"]}),
        ("LN-08", "police-riot", {"benchmarks": ["Inspectorate publishes its findings"]}),
        # IMET ending with the plan's last year.
        ("LN-09", "imet", {"to_fy": 2021}),
    ],
)
def test_line_rule_near_miss_on_the_tunisia_proposal(tunisia, rule_id, line_id, changes):
    fired = _fired(tunisia.profile, _line(tunisia, line_id, **changes))
    assert {line for rule, line in fired if rule == rule_id} == AS_BUNDLED[rule_id] - {line_id}


def test_rivalry_rule_silent_when_the_rivalry_is_moderate(tunisia):
    p = tunisia.profile
    rivalries = [{**r, "intensity": "moderate"} for r in p.data["rivalries"]]
    fired = _fired(_with(p, rivalries=rivalries), tunisia.lines)
    assert {line for rule, line in fired if rule == "LN-07"} == set()


def test_leahy_review_rule_silent_when_the_ministry_has_answered_for_its_torture(tunisia):
    p = tunisia.profile
    hr = dict(p.data["human_rights"])
    hr["abuses"] = [
        {**a, "remediated": True} if a["kind"] == "torture" else a for a in hr["abuses"]
    ]
    fired = _fired(_with(p, human_rights=hr), tunisia.lines)
    assert {line for rule, line in fired if rule == "LN-02"} == set()
    # The police still targeted people arbitrarily under the emergency powers.
    assert {line for rule, line in fired if rule == "LN-04"} == {"police-riot"}


def test_leahy_review_names_what_is_missing_when_the_ministry_torture_credibility_is_left_out(
    tunisia,
):
    p = tunisia.profile
    hr = dict(p.data["human_rights"])
    hr["abuses"] = [
        {k: v for k, v in a.items() if k != "credible"} if a["kind"] == "torture" else a
        for a in hr["abuses"]
    ]
    fired = _fired(_with(p, human_rights=hr), tunisia.lines)
    # LN-02 needs the reports recorded credible; the lines it took now get LN-15 instead.
    assert {line for rule, line in fired if rule == "LN-02"} == set()
    assert {line for rule, line in fired if rule == "LN-15"} == AS_BUNDLED["LN-02"]


def test_the_decision_record_names_findings_of_the_proposal_and_approval_levels(tunisia):
    decisions = load_decisions(PROPOSAL.with_name("tunisia-2020.decision.yaml"))
    approvals = load_approvals(load_yaml(DEFAULT_RULES / "approvals.yaml"))
    country = ASSESSOR.assess_profile(tunisia.profile)
    about_units = {(f.rule_id, u) for f in country.findings for u in f.units}
    about_lines = _fired(tunisia.profile, tunisia.lines)
    named = [
        (e.finding, e.unit, e.line_id, e.kind, approvals.rank(e.authority), e.approved, e.expires)
        for e in decisions.entries
    ]
    assert named == [
        ("LN-08", None, "imet", "accepted_risk", 2, "2020-08", "2021-09"),
        ("CMR-36", "armed_forces", None, "accepted_risk", 1, "2020-08", "2021-09"),
    ]
    assert ("LN-08", "imet") in about_lines
    assert ("CMR-36", "armed_forces") in about_units
