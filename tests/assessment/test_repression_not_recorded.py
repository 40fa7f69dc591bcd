"""An assisted unit with reports that it represses dissent or targets people arbitrarily, where
the profile leaves out whether the reports are credible or whether anyone has been held to
account (HR-21..HR-23 beside HR-03): the finding says what is not recorded, never nothing."""

from __future__ import annotations

import pytest

from tests.helpers import NOT_RECORDED, abuse_record, bundled_assessor, fired, write_testland

REPRESSION = {"HR-03", "HR-21", "HR-22", "HR-23"}

# (credible, remediated) -> the rule that reads it. A value recorded the way that lifts the
# concern (credible: false, remediated: true) gives none, recorded or not the other.
EXPECTED = {
    (True, False): "HR-03",
    (NOT_RECORDED, False): "HR-21",
    (NOT_RECORDED, NOT_RECORDED): "HR-22",
    (True, NOT_RECORDED): "HR-23",
    (False, False): None,
    (False, NOT_RECORDED): None,
    (False, True): None,
    (True, True): None,
    (NOT_RECORDED, True): None,
}


def _assess(tmp_path, kind: str, credible, remediated, assisted: bool = True):
    police = {
        "id": "police",
        "name": "National Police",
        "kind": "interior_forces",
        "receives_assistance": assisted,
    }
    abuse = abuse_record("police", kind, credible, remediated)
    path = write_testland(tmp_path / "profile.yaml", [police], [abuse])
    return bundled_assessor().assess(path)


@pytest.mark.parametrize("kind", ["repression_of_dissent", "arbitrary_targeting"])
@pytest.mark.parametrize(("credible", "remediated"), sorted(EXPECTED, key=repr))
def test_each_recorded_or_missing_value_gives_exactly_one_rule_or_none(
    tmp_path, kind, credible, remediated
):
    wanted = EXPECTED[(credible, remediated)]
    a = _assess(tmp_path, kind, credible, remediated)
    assert fired(a) & REPRESSION == ({wanted} if wanted else set())


def test_an_unassisted_unit_gives_none(tmp_path):
    a = _assess(tmp_path, "repression_of_dissent", NOT_RECORDED, NOT_RECORDED, assisted=False)
    assert fired(a) & REPRESSION == set()


@pytest.mark.parametrize(
    ("credible", "remediated", "narrative"),
    [
        (
            NOT_RECORDED,
            False,
            "Assistance goes to National Police, and the profile records reports of repression"
            " of dissent by the institution and that no one has been held to account for them;"
            " it does not record whether the reports are credible. If they are, capability"
            " given for security can be turned against critics.",
        ),
        (
            NOT_RECORDED,
            NOT_RECORDED,
            "Assistance goes to National Police, and the profile records reports of repression"
            " of dissent by the institution; it does not record whether the reports are"
            " credible or whether anyone has been held to account for them. If they are"
            " credible and no one has, capability given for security can be turned against"
            " critics.",
        ),
        (
            True,
            NOT_RECORDED,
            "Assistance goes to National Police, and there are credible reports of repression"
            " of dissent by the institution; the profile does not record whether anyone has"
            " been held to account for them. Unless someone has, capability given for security"
            " can be turned against critics.",
        ),
    ],
)
def test_the_finding_says_what_is_not_recorded(tmp_path, credible, remediated, narrative):
    a = _assess(tmp_path, "repression_of_dissent", credible, remediated)
    [finding] = [f for f in a.findings if f.rule_id in REPRESSION]
    assert (finding.subject, finding.severity) == ("police", "high")
    assert finding.narrative == narrative
    # Not a gate, and not a withholding: what is not recorded conditions support, it does not
    # bar it.
    assert a.gates == ()
    assert [r.stance for r in finding.recommend] == ["condition", "engage", "monitor"]
