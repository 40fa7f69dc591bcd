"""Reassessment triggers between two snapshots, on the fixtures in fixtures/profiles/triggers.

before.yaml (2020-06): the army is assisted by a programme running to FY2021, the police's
programme ended in FY2018 (so by default only the army and its sub-units count as assisted);
the police has a sub-unit `rapid`; no emergency powers; a 2010 failed coup attempt; reports of
torture by the police not judged credible; an action plan signed in 2017 for five years.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.base.errors import InputError
from ssa_risk.comparison.triggers import (
    TRIGGERS,
    Evidence,
    Triggers,
    detect_triggers,
    load_side,
    programme_recipients,
)
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.reports.triggers import evidence_line
from tests.helpers import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "profiles" / "triggers"
SHOWN = "tests/fixtures/profiles/triggers"


def _load(name: str) -> Profile:
    return load_profile(FIXTURES / f"{name}.yaml", f"{SHOWN}/{name}.yaml")


def _detect(before: str, after: str, **kwargs: Any) -> Triggers:
    return detect_triggers(_load(before), _load(after), **kwargs)


def _accounts(result: Triggers) -> list[tuple[str, str]]:
    return [(h.trigger, h.account) for h in result.hits]


def _lines(evidence: tuple[Evidence, ...]) -> list[str]:
    return [evidence_line(e) for e in evidence]


def test_the_vocabulary_and_its_order():
    assert list(TRIGGERS) == ["coup", "emergency", "gross_violation", "plan_expired"]


def test_nothing_fires_when_nothing_that_matters_changed():
    result = _detect("before", "quiet")
    assert result.checked == tuple(TRIGGERS)
    assert result.hits == ()
    assert not result.fired
    # Torture by the intelligence service is new and credible, but it is not assisted; the
    # army's new abuses are not gross violations; the plan runs to 2022.
    assert result.assisted == ("army",)
    assert not result.assisted_given


def test_every_trigger_fires_with_an_account_in_plain_words():
    result = _detect("before", "all")
    assert result.fired_ids == ("coup", "emergency", "gross_violation", "plan_expired")
    assert _accounts(result) == [
        ("coup", "A foiled coup attempt in 2022 is recorded (not in the 2020 snapshot)."),
        (
            "emergency",
            "Emergency powers have been in force across the whole country since 2022 (not in "
            "force in the 2020 snapshot).",
        ),
        (
            "gross_violation",
            "Credible reports of extrajudicial killings by Testland Army are recorded (not in "
            "the 2020 snapshot).",
        ),
        (
            "plan_expired",
            "The Action Plan, signed in 2017 for 5 years, ran out in 2022 (the 2023 snapshot "
            "lists it as active).",
        ),
    ]
    assert (result.before, result.after) == (f"{SHOWN}/before.yaml", f"{SHOWN}/all.yaml")
    assert result.as_of == ("2020-06", "2023-03")


def test_evidence_names_the_after_file_and_line_and_the_before_one_where_a_value_changed():
    [hit] = _detect("before", "all").hits_of("emergency")
    assert _lines(hit.evidence) == [
        f"political_context.emergency_powers_in_force: false ({SHOWN}/before.yaml:23)"
        f" → true ({SHOWN}/all.yaml:16)",
        f"political_context.emergency_powers_since: not recorded → 2022 ({SHOWN}/all.yaml:17)",
        f"political_context.emergency_scope: national ({SHOWN}/all.yaml:18)",
    ]
    [coup] = _detect("before", "all").hits_of("coup")
    assert _lines(coup.evidence) == [
        f"civil_military.coups[2022, attempt]: not recorded → recorded ({SHOWN}/all.yaml:13)"
    ]


@pytest.mark.parametrize("after", ["all", "history", "subunit", "lapsed", "plan-dropped"])
def test_no_account_names_a_yaml_path_or_an_id(after):
    hits = _detect("before", after, assisted=["army", "police"]).hits
    assert hits
    for hit in hits:
        assert not re.search(r"[_\[\]]|\w\.\w|\b(police|army|rapid)\b", hit.account), hit.account


# --- coup ---------------------------------------------------------------------------------


def test_a_coup_left_out_of_the_earlier_snapshot_counts_and_says_it_predates_it():
    result = _detect("before", "history")
    assert _accounts(result) == [
        (
            "coup",
            "A military coup in 2005, deposing an elected government, is now recorded; the "
            "2020 snapshot did not record it, though it predates that snapshot.",
        )
    ]
    assert _lines(result.hits[0].evidence) == [
        f"civil_military.coups[2005, military]: not recorded → recorded ({SHOWN}/history.yaml:11)",
        "civil_military.coups[2005, military].elected_government_deposed: true "
        f"({SHOWN}/history.yaml:11)",
    ]


def test_a_coup_already_recorded_does_not_fire():
    # The 2010 attempt is in both snapshots (the later one restates it in all.yaml).
    assert [h.account for h in _detect("before", "all").hits_of("coup")] == [
        "A foiled coup attempt in 2022 is recorded (not in the 2020 snapshot)."
    ]


# --- emergency ----------------------------------------------------------------------------


def test_emergency_powers_declared_again_fire():
    result = _detect("emergency-2015", "emergency-renewed")
    assert _accounts(result) == [
        (
            "emergency",
            "Emergency powers were declared again in a few localities in 2021 (in force since "
            "2015 in the 2020 snapshot).",
        )
    ]
    assert _lines(result.hits[0].evidence) == [
        f"political_context.emergency_powers_in_force: true ({SHOWN}/emergency-renewed.yaml:9)",
        f"political_context.emergency_powers_since: 2015 ({SHOWN}/emergency-2015.yaml:10)"
        f" → 2021 ({SHOWN}/emergency-renewed.yaml:10)",
        f"political_context.emergency_scope: local ({SHOWN}/emergency-renewed.yaml:11)",
    ]


def test_emergency_powers_still_in_force_since_the_same_year_do_not_fire():
    assert _detect("emergency-2015", "emergency-still").hits == ()


def test_emergency_powers_ended_do_not_fire():
    assert _detect("emergency-2015", "quiet").hits_of("emergency") == ()


# --- gross violations by assisted units ---------------------------------------------------


def test_the_default_assisted_units_are_the_recipients_of_programmes_still_running():
    assert programme_recipients(_load("before")) == ("army",)
    result = _detect("before", "all")
    assert (result.assisted, result.assisted_given) == (("army",), False)
    assert result.assisted_names == ("Testland Army",)


def test_given_units_replace_the_default_ones():
    result = _detect("before", "all", assisted=["police"])
    assert (result.assisted, result.assisted_given) == (("police",), True)
    assert _accounts(result)[2:3] == [
        (
            "gross_violation",
            "Reports of torture by National Police are now judged credible (judged not credible "
            "in the 2020 snapshot).",
        )
    ]
    [hit] = result.hits_of("gross_violation")
    assert _lines(hit.evidence) == [
        f"human_rights.abuses[police, torture].credible: false ({SHOWN}/before.yaml:27)"
        f" → true ({SHOWN}/all.yaml:22)"
    ]


def test_a_sub_unit_of_an_assisted_unit_counts():
    result = _detect("before", "subunit", assisted=["police"])
    assert _accounts(result) == [
        (
            "gross_violation",
            "Credible reports of enforced disappearances by Rapid Intervention Unit, a unit of "
            "the assisted National Police, are recorded (not in the 2020 snapshot). Steps to "
            "bring those responsible to justice are recorded.",
        )
    ]


def test_a_sub_unit_of_a_unit_that_is_not_assisted_does_not_count():
    assert _detect("before", "subunit").hits == ()
    assert _detect("before", "subunit", assisted=["army"]).hits == ()


def test_an_explicitly_empty_set_of_assisted_units_checks_none():
    result = _detect("before", "all", assisted=[])
    assert result.assisted == () and result.assisted_given
    assert result.hits_of("gross_violation") == ()


def _write(folder: Path, name: str, text: str) -> Profile:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_profile(path, name)


_HEAD = "schema_version: 1\ncountry: Testland\niso3: TST\nsources: [{id: s1, title: S}]\n"
_UNITS = (
    "institutions:\n"
    "  - {id: army, name: Army, kind: armed_forces}\n"
    "  - {id: police, name: Police, kind: interior_forces}\n"
)


def test_abuses_are_matched_by_unit_and_kind_not_by_position(tmp_path):
    before = _write(
        tmp_path,
        "a.yaml",
        f"{_HEAD}as_of: 2020-06\n{_UNITS}human_rights:\n  abuses:\n"
        "    - {unit: army, kind: torture, credible: true}\n"
        "    - {unit: police, kind: torture, credible: false}\n",
    )
    after = _write(
        tmp_path,
        "b.yaml",
        f"{_HEAD}as_of: 2021-06\n{_UNITS}human_rights:\n  abuses:\n"
        "    - {unit: police, kind: torture, credible: false}\n"
        "    - {unit: army, kind: torture, credible: true}\n",
    )
    assert detect_triggers(before, after, ["army", "police"]).hits == ()


def test_abuses_that_are_not_gross_violations_or_not_credible_do_not_fire(tmp_path):
    before = _write(tmp_path, "a.yaml", f"{_HEAD}as_of: 2020-06\n{_UNITS}")
    after = _write(
        tmp_path,
        "b.yaml",
        f"{_HEAD}as_of: 2021-06\n{_UNITS}human_rights:\n  abuses:\n"
        "    - {unit: army, kind: prolonged_detention, credible: true}\n"
        "    - {unit: army, kind: rape}\n"
        "    - {unit: police, kind: torture, credible: false}\n",
    )
    assert detect_triggers(before, after, ["army", "police"]).hits == ()


# --- action plans -------------------------------------------------------------------------


def test_a_lapsed_plan_fires():
    result = _detect("before", "lapsed")
    assert _accounts(result) == [
        ("plan_expired", "The Action Plan has lapsed (active in the 2020 snapshot).")
    ]
    assert _lines(result.hits[0].evidence) == [
        f"assistance.frameworks[Action Plan].status: active ({SHOWN}/before.yaml:35)"
        f" → lapsed ({SHOWN}/lapsed.yaml:10)"
    ]


def test_a_plan_no_longer_recorded_fires():
    result = _detect("before", "plan-dropped")
    assert _accounts(result) == [
        (
            "plan_expired",
            "The Action Plan, active in the 2020 snapshot, is no longer recorded in the 2021 "
            "snapshot.",
        )
    ]
    assert _lines(result.hits[0].evidence) == [
        f"assistance.frameworks[Action Plan]: recorded ({SHOWN}/before.yaml:35) → not recorded"
    ]


@pytest.mark.parametrize(("as_of", "fires"), [("2022-12", False), ("2023-01", True)])
def test_a_plan_runs_out_after_the_year_its_term_ends(tmp_path, as_of, fires):
    plan = (
        "assistance:\n  frameworks:\n"
        "    - {name: Plan, status: active, signed: 2017, duration_years: 5}\n"
    )
    before = _write(tmp_path, "a.yaml", f"{_HEAD}as_of: 2020-06\n{plan}")
    after = _write(tmp_path, "b.yaml", f"{_HEAD}as_of: {as_of}\n{plan}")
    assert detect_triggers(before, after).fired_ids == (("plan_expired",) if fires else ())


# --- choosing triggers and their wording --------------------------------------------------


def test_only_limits_the_triggers_checked_and_keeps_the_vocabulary_order():
    result = _detect("before", "all", only=["plan_expired", "emergency"])
    assert result.checked == ("emergency", "plan_expired")
    assert result.fired_ids == ("emergency", "plan_expired")
    assert [t for t, _ in result.wording] == ["emergency", "plan_expired"]


def test_wording_replaces_the_default_wording():
    result = _detect("before", "lapsed", wording={"plan_expired": "The action plan ended"})
    assert result.hits[0].wording == "The action plan ended"
    assert result.wording_of("plan_expired") == "The action plan ended"
    assert result.wording_of("coup") == TRIGGERS["coup"]


def test_unknown_trigger_ids_are_a_value_error():
    with pytest.raises(ValueError, match="unknown trigger 'coups'"):
        _detect("before", "all", only=["coups"])
    with pytest.raises(ValueError, match="wording for unknown trigger 'plan'"):
        _detect("before", "all", wording={"plan": "x"})
    with pytest.raises(ValueError, match=r"not institutions of .*before\.yaml: polise"):
        _detect("before", "all", assisted=["polise"])


# --- the two snapshots --------------------------------------------------------------------


def test_the_newer_snapshot_first_is_an_input_error_naming_both_files():
    with pytest.raises(InputError) as caught:
        _detect("all", "before")
    assert [str(p) for p in caught.value.problems] == [
        f"{SHOWN}/all.yaml:8:1: as_of 2023-03 is not earlier than {SHOWN}/before.yaml's as_of "
        f"2020-06 — give the older snapshot first: {SHOWN}/before.yaml before {SHOWN}/all.yaml"
    ]


def test_two_snapshots_of_the_same_date_are_an_input_error():
    with pytest.raises(InputError) as caught:
        _detect("before", "emergency-2015")
    assert [str(p) for p in caught.value.problems] == [
        f"{SHOWN}/before.yaml:7:1: as_of 2020-06 is not earlier than {SHOWN}/emergency-2015.yaml's"
        " as_of 2020-06 — give the older snapshot first, then a newer one"
    ]


def test_snapshots_of_two_countries_are_an_input_error():
    with pytest.raises(InputError) as caught:
        _detect("before", "other-country")
    assert [str(p) for p in caught.value.problems] == [
        f"{SHOWN}/other-country.yaml:3:1: describes Otherland, but {SHOWN}/before.yaml "
        "describes Testland — compare two snapshots of the same country"
    ]


def test_a_side_is_read_as_a_path_or_at_a_git_revision(repo):
    side = load_side("v1:tunisia/2016.yaml", repo)
    assert side.path == "v1:tunisia/2016.yaml"
    assert side.as_of == "2016-12"
    assert load_side("tunisia/2016.yaml", repo).path == "tunisia/2016.yaml"
