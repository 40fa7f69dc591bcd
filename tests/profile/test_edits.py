"""`--set PATH=VALUE` edits: how they are read, applied to a profile's merged data, and how
every problem in them is reported, each named by its `--set`."""

from __future__ import annotations

from datetime import date

import pytest

from ssa_risk.base.errors import InputError
from ssa_risk.profile.edits import edit_path, edit_profile, flow, parse_edits
from ssa_risk.profile.reader import Profile, load_profile
from tests.helpers import TUNISIA_2020

TODAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def tunisia() -> Profile:
    return load_profile(TUNISIA_2020, "profiles/tunisia/2020.yaml", TODAY)


def _problems(profile: Profile, *sets: str) -> list[str]:
    with pytest.raises(InputError) as exc:
        edit_profile(profile, sets, TODAY)
    return [str(p) for p in exc.value.problems]


def _institution(profile: Profile, ident: str) -> dict[str, object]:
    return next(i for i in profile.data["institutions"] if i["id"] == ident)


def test_values_are_read_as_yaml_scalars_and_flow_values():
    edits = parse_edits(["a.b=30", "a.c=stable", "a.d=true", "a.e=[x, y]", "a.f={k: 1}", "a.g=~"])
    assert [e.value for e in edits] == [30, "stable", True, ["x", "y"], {"k": 1}, None]
    assert [e.path for e in edits] == ["a.b", "a.c", "a.d", "a.e", "a.f", "a.g"]
    # The '=' inside a selector is not the one that starts the value.
    (edit,) = parse_edits(["institutions[id=army].kind=armed_forces"])
    assert (edit.path, edit.value) == ("institutions[id=army].kind", "armed_forces")


def test_a_field_a_selected_entry_and_a_natural_key_are_set(tunisia):
    edited = edit_profile(
        tunisia,
        [
            "civil_military.support_for_military_rule_pct=30",
            "institutions[id=armed_forces].political_role=stable",
            "human_rights.abuses[unit=internal_security,kind=torture].credible=false",
            "institutions[1].public_trust=high",
        ],
        TODAY,
    )
    assert edited.data["civil_military"]["support_for_military_rule_pct"] == 30
    assert _institution(edited, "armed_forces")["political_role"] == "stable"
    abuse = next(
        a
        for a in edited.data["human_rights"]["abuses"]
        if a["unit"] == "internal_security" and a["kind"] == "torture"
    )
    assert abuse["credible"] is False
    assert edited.data["institutions"][1]["public_trust"] == "high"
    # The profile as loaded is not changed.
    assert tunisia.data["civil_military"]["support_for_military_rule_pct"] == 47
    assert _institution(tunisia, "armed_forces")["political_role"] == "rising"


def test_an_entry_is_added_with_plus_and_removed_with_tilde(tunisia):
    count = len(tunisia.data["institutions"])
    edited = edit_profile(
        tunisia,
        ["institutions[+]={id: guard, name: Presidential Guard, kind: presidential_guard}"],
        TODAY,
    )
    assert edited.data["institutions"][-1] == {
        "id": "guard",
        "name": "Presidential Guard",
        "kind": "presidential_guard",
    }
    assert len(edited.data["institutions"]) == count + 1
    removed = edit_profile(tunisia, ["civil_military.returned_to_civilian_oversight=~"], TODAY)
    assert "returned_to_civilian_oversight" not in removed.data["civil_military"]
    gone = edit_profile(tunisia, ["institutions[id=national_guard]=~"], TODAY)
    assert [i["id"] for i in gone.data["institutions"]] == [
        "armed_forces",
        "internal_security",
        "intelligence",
        "presidency",
        "police",
    ]


def test_removing_an_entry_others_refer_to_is_refused_where_they_refer_to_it(tunisia):
    assert _problems(tunisia, "institutions[id=police]=~") == [
        "profiles/tunisia/2020.yaml:112:7: human_rights.abuses[1].unit: unknown institution "
        "'police' — add it under 'institutions:'",
    ]


def test_a_removed_entry_leaves_the_later_entries_their_own_lines(tunisia):
    """After a removal, a problem in a later entry still points at that entry's line."""
    problems = _problems(
        tunisia,
        "institutions[id=intelligence]=~",
        "institutions[id=presidency].kind=palace",
    )
    assert problems == [
        "--set 2 (institutions[id=presidency].kind=palace): 'palace' is not an allowed value — "
        "use one of: armed_forces, interior_forces, presidential_guard, special_forces, "
        "intelligence, presidency, militia",
    ]


def test_every_problem_of_every_edit_in_one_pass(tunisia):
    problems = _problems(
        tunisia,
        "civil_military.support_for_military_rule_pct=abc",
        "civil_military.suport=3",
        "institutions[id=army].political_role=stable",
        "institutions[id=armed_forces].political_role=risin",
        "institutions[+]={id: x, name: X}",
        "nothing",
        "a=[",
        "civil_military.support_for_military_rule_pct=",
        "institutions[9].kind=militia",
        "civil_military[0].x=1",
        "institutions[who=army].kind=militia",
        "civil_military.military_rule_years=-3",
    )
    # Problems are listed by their --set as text (so --set 10 comes after --set 1); the edits
    # apply in order, so --set 9 sees the entry --set 5 added.
    assert problems == [
        "--set 1 (civil_military.support_for_military_rule_pct=abc): expected a number, got "
        "text ('abc') — write a number",
        "--set 10 (civil_military[0].x=1): civil_military is not a list — leave out [0] after "
        "civil_military",
        "--set 11 (institutions[who=army].kind=militia): entries of institutions have no field "
        "'who' — fields: battlefield_losses, budget_trend, commanders_trained_by_patron, "
        "confidence, factionalism, favoured_by_ruler, field_confidence, field_sources, "
        "human_rights_record, id, kind, name, new_force_since, oversight, parent, "
        "political_role, public_trust, receives_assistance, role, sources, strength_vs_army",
        "--set 12 (civil_military.military_rule_years=-3): -3 is negative — amounts cannot be "
        "below 0",
        "--set 2 (civil_military.suport=3): unknown field 'suport' in civil_military — "
        "did you mean 'support_for_military_rule_pct'?",
        "--set 3 (institutions[id=army].political_role=stable): no entry of institutions has "
        "id=army — its entries' id: armed_forces, internal_security, intelligence, presidency, "
        "police, national_guard",
        "--set 4 (institutions[id=armed_forces].political_role=risin): 'risin' is not an "
        "allowed value — did you mean 'rising'? (one of: none, marginal, stable, rising, "
        "dominant, declining)",
        "--set 5 (institutions[+]={id: x, name: X}): missing required field 'kind' — add 'kind:'",
        "--set 6 (nothing): not of the form PATH=VALUE — write PATH=VALUE, e.g. "
        "civil_military.support_for_military_rule_pct=30",
        "--set 7 (a=[): YAML syntax error: expected the node content, but found "
        "'<stream end>' — fix the YAML syntax at this point",
        "--set 8 (civil_military.support_for_military_rule_pct=): no value after '=' — "
        "write a value, or ~ to remove the field",
        "--set 9 (institutions[9].kind=militia): institutions has 7 entries, so [9] is not "
        "one — use [0] to [6], a selector such as [id=...], or [+] to add",
    ]


def test_a_selector_that_matches_two_entries_asks_for_another_field(tunisia):
    assert _problems(tunisia, "threats[state_performance=gaining].level=high") == [
        "--set 1 (threats[state_performance=gaining].level=high): 3 entries of threats have "
        "state_performance=gaining (entries 0, 1, 2) — add another field to the selector, "
        "e.g. [unit=police,kind=torture], or use a position",
    ]


def test_paths_for_edits_name_entries_by_id_or_natural_key(tunisia):
    keys = {"human_rights.abuses.*": ("unit", "kind")}
    assert edit_path(tunisia.data, ("institutions", 0, "kind"), keys) == (
        "institutions[id=armed_forces].kind"
    )
    assert edit_path(tunisia.data, ("human_rights", "abuses", 0), keys) == (
        "human_rights.abuses[unit=internal_security,kind=torture]"
    )
    assert flow({"unit": "police", "kind": "torture", "credible": True}) == (
        "{unit: police, kind: torture, credible: true}"
    )
    assert [flow(v) for v in (30, 0.5, "stable", "true", "two words", None, [1, "a"])] == [
        "30",
        "0.5",
        "stable",
        '"true"',
        '"two words"',
        "~",
        "[1, a]",
    ]
