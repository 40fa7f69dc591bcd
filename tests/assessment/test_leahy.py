"""Leahy review when a profile leaves out whether reports of a gross violation are credible, or
whether those responsible have been brought to justice (HR-15..HR-20 beside HR-02 and HR-09).

Absence of evidence is not evidence: an abuse of a gross-violation kind that leaves either
value out is reported as "Leahy review required", never as a bar and never as nothing.
"""

from __future__ import annotations

import pytest

from ssa_risk.reports.render import render_report
from tests.helpers import (
    DEFAULT_TEMPLATES,
    NOT_RECORDED,
    REPO_ROOT,
    abuse_record,
    bundled_assessor,
    fired,
    write_testland,
)

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "profiles" / "leahy" / "not-recorded.yaml"
LEAHY = {"HR-02", "HR-09", "HR-15", "HR-16", "HR-17", "HR-18", "HR-19", "HR-20"}

# (credible, remediated) -> the Leahy rule that reads it, for a unit without units of its own
# and for a force with units of its own. A value recorded the way that lifts the bar
# (credible: false, remediated: true) gives no Leahy finding, recorded or not the other.
EXPECTED = {
    (True, False): ("HR-02", "HR-09"),
    (NOT_RECORDED, False): ("HR-15", "HR-18"),
    (NOT_RECORDED, NOT_RECORDED): ("HR-16", "HR-19"),
    (True, NOT_RECORDED): ("HR-17", "HR-20"),
    (False, False): (None, None),
    (False, NOT_RECORDED): (None, None),
    (False, True): (None, None),
    (True, True): (None, None),
    (NOT_RECORDED, True): (None, None),
}


def _profile(tmp_path, shape: str, credible, remediated):
    institutions: list[dict[str, object]] = [
        {
            "id": "moi",
            "name": "Interior forces",
            "kind": "interior_forces",
            "receives_assistance": True,
        }
    ]
    if shape == "force":
        institutions.append(
            {"id": "guard", "name": "Guard", "kind": "interior_forces", "parent": "moi"}
        )
    path = tmp_path / f"{shape}-{credible}-{remediated}.yaml"
    abuse = abuse_record("moi", "torture", credible, remediated)
    return bundled_assessor().assess(write_testland(path, institutions, [abuse]))


@pytest.mark.parametrize("shape", ["unit", "force"])
@pytest.mark.parametrize(("credible", "remediated"), sorted(EXPECTED, key=repr))
def test_each_recorded_or_missing_value_gives_exactly_one_leahy_rule_or_none(
    tmp_path, shape, credible, remediated
):
    unit_rule, force_rule = EXPECTED[(credible, remediated)]
    wanted = unit_rule if shape == "unit" else force_rule
    a = _profile(tmp_path, shape, credible, remediated)
    assert fired(a) & LEAHY == ({wanted} if wanted else set())
    # Only HR-02 is a gate: a value not recorded never bars a unit.
    assert [g.rule_id for g in a.gates] == (["HR-02"] if wanted == "HR-02" else [])


def test_unrecorded_credibility_and_remediation_give_review_not_a_bar():
    a = bundled_assessor().assess(FIXTURE)
    assert a.gates == ()
    assert "HR-02" not in fired(a) and "HR-09" not in fired(a)
    leahy = sorted((f.rule_id, f.subject, f.severity) for f in a.findings if f.rule_id in LEAHY)
    # The prison service is not assisted, and arbitrary targeting is not a gross violation.
    assert leahy == [
        ("HR-15", "army", "high"),
        ("HR-16", "police", "high"),
        ("HR-20", "moi", "high"),
    ]


def test_the_report_names_the_unit_the_abuse_and_what_is_not_recorded():
    text = render_report(bundled_assessor().assess(FIXTURE), DEFAULT_TEMPLATES, "md")
    body = text.split("\n## Annex A: evidence")[0]
    assert "Leahy bar" not in body
    sections = {
        "### Leahy review required for an assisted unit with reports of gross violations; "
        "their credibility is not recorded: Army": (
            "Leahy review is required for Army, which receives assistance. The profile records"
            " reports of extrajudicial killing by the unit and that no effective steps have been"
            " taken to bring those responsible to justice, but not whether the information is"
            " credible. If it is, the law bars assistance to this unit; until that is"
            " determined, the bar can be neither applied nor ruled out."
        ),
        "### Leahy review required for an assisted unit with reports of gross violations; "
        "neither their credibility nor their remediation is recorded: National Police": (
            "Leahy review is required for National Police, which receives assistance. The"
            " profile records reports of torture by the unit, but neither whether the"
            " information is credible nor whether effective steps have been taken to bring"
            " those responsible to justice. If it is credible and no such steps have been"
            " taken, the law bars assistance to this unit; until that is determined, the bar"
            " can be neither applied nor ruled out."
        ),
        "### Leahy review required for the units of a force with credible reports of gross "
        "violations; their remediation is not recorded: Interior Ministry forces": (
            "Leahy review is required for the units of Interior Ministry forces, which has units"
            " of its own such as National Guard. The profile records credible reports of"
            " enforced disappearance by the force, but not whether effective steps have been"
            " taken to bring those responsible to justice. Unless they have, the law bars"
            " assistance to the units that committed the violation, not to the whole force;"
            " until that is determined and those units are identified, every unit of the force"
            " proposed for assistance must be vetted."
        ),
    }
    for heading, narrative in sections.items():
        assert body.count(heading + "\n") == 1
        after = body.split(heading + "\n", 1)[1]
        assert after.startswith(f"\n*Severity: high* (45 points).\n\n{narrative}\n")
    # The unit rules make one recommendation, the force rules another; all three share the
    # request to record the outcome, so the report gives it once.
    assert (
        body.count(
            "**Condition.** Complete the Leahy vetting determination for this unit (whether the"
            " information is credible, and whether those responsible have been brought to justice)"
            " before assistance to it continues."
        )
        == 1
    )
    assert (
        body.count(
            "**Condition.** Complete the Leahy vetting determination for every unit of this force"
            " proposed for assistance, and identify the units responsible, before assistance to"
            " them continues."
        )
        == 1
    )
    assert (
        body.count(
            "**Monitor.** Record the outcome of the vetting determination in the profile, so that"
            " the next assessment applies the bar or lifts it."
        )
        == 1
    )
    # What is not recorded reads so in the evidence, not as an empty value.
    assert "- Army: extrajudicial killing: credible: not recorded (not-recorded.yaml:21)" in body
    assert "- National Police: torture: remediated: not recorded (not-recorded.yaml:20)" in body


def test_the_bar_says_the_profile_records_no_remediation_not_that_none_is_recorded(tmp_path):
    # HR-02 reads 'remediated: false', a value recorded; a value left out gives HR-15..HR-17.
    a = _profile(tmp_path, "unit", True, False)
    [bar] = [f for f in a.findings if f.rule_id == "HR-02"]
    assert bar.narrative == (
        "Assistance goes to Interior forces although there are credible reports of torture by"
        " the unit, and the profile records that no effective steps have been taken to bring"
        " those responsible to justice. The law bars assistance to this unit until the"
        " government takes such steps; it does not bar other units."
    )
