"""Tipping points on a small rule set whose answers are worked out by hand (tests/fixtures/
tipping), and on Tunisia 2020, where every change reported must really change a rating when
applied with `whatif`.

The small rule set (points: moderate 25, high 45; lens bands: moderate 20, high 40, critical
65; a lens scores its worst finding plus half of each further one) and its profile:
- alpha: T-01 (high) support for military rule at least 40 — 47: fires; T-02 (high) military
  political role rising or dominant — stable: silent; T-03 (moderate) military rule years above
  10 — 8: silent; T-04 (moderate) army grievances high — moderate: silent. Alpha: 45, high.
- beta: B-01 a credible abuse, a gate — the police's torture, credible: fires (not suitable).
"""

from __future__ import annotations

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.comparison.tipping import Tipping, tipping_points
from ssa_risk.comparison.whatif import what_if
from ssa_risk.profile.reader import load_profile
from ssa_risk.reports.tipping import tipping_json, tipping_md
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT, TUNISIA_2020

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "tipping"


@pytest.fixture(scope="module")
def small() -> Assessor:
    return Assessor.load(FIXTURES / "rules", DEFAULT_TEMPLATES)


def _tipping(assessor: Assessor, name: str, lens: str | None = None, most: int = 1) -> Tipping:
    profile = load_profile(FIXTURES / name, name)
    return tipping_points(assessor, profile, lens, most)


def _summary(points) -> list[tuple[list[str], list[str], tuple[str, ...], tuple[str, ...]]]:
    return [
        ([c.edit for c in p.changes], [f.text for f in p.flips], p.rules_started, p.rules_stopped)
        for p in points
    ]


def test_numbers_enumerations_flags_and_removals_in_both_directions(small):
    t = _tipping(small, "profile.yaml")
    assert (t.overall, t.score) == ("not suitable", 23.0)
    assert _summary(t.worse) == [
        # stable → rising, the nearest tested value: T-02 fires, 45 + 45/2 = 67.5 → critical.
        (
            ["civil_military.military_political_role=rising"],
            ["Alpha: high → critical (score 45 → 68)"],
            ("T-02",),
            (),
        ),
    ]
    assert _summary(t.better) == [
        # 47 → 39, just under the threshold of 40: T-01 stops and alpha has no finding.
        (
            ["civil_military.support_for_military_rule_pct=39"],
            ["Alpha: high → low (score 45 → 0)"],
            (),
            ("T-01",),
        ),
        # The gate's condition undone, or the entry it matched taken out.
        (
            ["human_rights.abuses[unit=police,kind=torture].credible=false"],
            ["Overall: not suitable → safeguards (score 23 → 23)"],
            (),
            ("B-01",),
        ),
        (
            ["human_rights.abuses[unit=police,kind=torture]=~"],
            [
                "Beta: low → not assessed (score 0 → not assessed)",
                "Overall: not suitable → high risk (score 23 → 45)",
            ],
            (),
            ("B-01",),
        ),
    ]
    assert t.other == ()
    number = t.better[0].changes[0]
    assert number.reach == (
        "47 now, threshold 40 (T-01 tests at least 40): 7 above it; 39 (8 lower) crosses it"
    )
    assert (number.label, number.threshold, number.distance) == (
        "Civil-military relations: support for military rule (%)",
        "at least 40",
        0.08,
    )
    enum = t.worse[0].changes[0]
    assert enum.reach == (
        "stable now; T-02 tests rising or dominant: rising is 1 step away "
        "(none < marginal < stable < rising < dominant < declining)"
    )


def test_a_new_list_entry_the_rules_look_for_is_tried(small):
    t = _tipping(small, "profile-credible-false.yaml")
    assert t.overall == "safeguards"
    assert _summary(t.worse) == [
        (
            ["civil_military.military_political_role=rising"],
            ["Alpha: high → critical (score 45 → 68)"],
            ("T-02",),
            (),
        ),
        # A minimal abuse: the tested field as B-01 wants it, required fields filled in.
        (
            ["human_rights.abuses[+]={unit: police, kind: torture, credible: true}"],
            ["Overall: safeguards → not suitable (score 23 → 23)"],
            ("B-01",),
            (),
        ),
        (
            ["human_rights.abuses[unit=police,kind=torture].credible=true"],
            ["Overall: safeguards → not suitable (score 23 → 23)"],
            ("B-01",),
            (),
        ),
    ]
    assert [c.kind for p in t.worse for c in p.changes] == ["enumeration", "item added", "flag"]


def test_pairs_of_changes_that_each_move_a_score_but_tip_it_only_together(small):
    """T-03 or T-04 alone: 45 + 25/2 = 57.5, still high; both: 45 + 12.5 + 12.5 = 70."""
    single = _tipping(small, "profile.yaml", "alpha", 1)
    assert _summary(single.worse) == [
        (
            ["civil_military.military_political_role=rising"],
            ["Alpha: high → critical (score 45 → 68)"],
            ("T-02",),
            (),
        )
    ]
    pairs = _tipping(small, "profile.yaml", "alpha", 2)
    assert _summary(pairs.worse) == [
        _summary(single.worse)[0],
        (
            ["civil_military.army_grievances=high", "civil_military.military_rule_years=11"],
            ["Alpha: high → critical (score 45 → 70)"],
            ("T-03", "T-04"),
            (),
        ),
    ]
    # With --lens, the overall result and other lenses do not count.
    assert _summary(pairs.better) == [
        (
            ["civil_military.support_for_military_rule_pct=39"],
            ["Alpha: high → low (score 45 → 0)"],
            (),
            ("T-01",),
        )
    ]
    reach = pairs.worse[1].changes[1].reach
    assert (
        reach == "8 now, threshold 10 (T-03 tests above 10): 2 below it; 11 (3 higher) crosses it"
    )


def test_the_markdown_and_json_are_the_same_for_the_same_inputs(small):
    first = _tipping(small, "profile.yaml", None, 2)
    again = _tipping(small, "profile.yaml", None, 2)
    assert tipping_md(first) == tipping_md(again)
    assert tipping_json(first) == tipping_json(again)
    md = tipping_md(first)
    assert md.startswith(
        "# What would tip it: Testland\n\n"
        "Profile: profile.yaml (2020-01). Overall: not suitable (score 23).\n"
    )
    assert (
        "1. `civil_military.support_for_military_rule_pct=39`\n"
        "   - Civil-military relations: support for military rule (%): 47 → 39; 47 now, "
        "threshold 40 (T-01 tests at least 40): 7 above it; 39 (8 lower) crosses it "
        "(rules T-01)\n"
        "   - flips Alpha: high → low (score 45 → 0)\n"
        "   - stops firing: T-01\n"
    ) in md


@pytest.fixture(scope="module")
def tunisia_assessor() -> Assessor:
    return Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


def test_every_tipping_change_on_tunisia_flips_what_it_says_when_applied(tunisia_assessor):
    profile = load_profile(TUNISIA_2020, "profiles/tunisia/2020.yaml")
    t = tipping_points(tunisia_assessor, profile)
    assert t.worse and t.better
    # Support for military rule, 47: under 40 CMR-02 stops and the civil-military lens drops.
    assert [c.edit for p in t.better[:1] for c in p.changes] == [
        "civil_military.support_for_military_rule_pct=39"
    ]
    for point in t.points:
        diff = what_if(tunisia_assessor, profile, [c.edit for c in point.changes]).diff
        flipped = {c.lens: (c.before, c.after) for c in diff.lens_changes if c.before != c.after}
        if diff.overall[0] != diff.overall[1]:
            flipped["overall"] = diff.overall
        assert flipped == {f.lens: (f.before, f.after) for f in point.flips}, point.changes


def test_with_a_lens_only_that_lens_rating_counts(small):
    """Beta has no banded finding (the gate is kept apart): only taking the abuse out changes
    its rating, and only from low to not assessed, which is neither worse nor better."""
    t = _tipping(small, "profile.yaml", "beta")
    assert (t.worse, t.better) == ((), ())
    assert _summary(t.other) == [
        (
            ["human_rights.abuses[unit=police,kind=torture]=~"],
            ["Beta: low → not assessed (score 0 → not assessed)"],
            (),
            ("B-01",),
        )
    ]
    assert t.other[0].direction == "unordered"
    md = tipping_md(t)
    assert "## Towards a worse rating (0)\n\nNone found.\n" in md
    assert (
        "## Other changes of rating (1)\n\n"
        "1. `human_rights.abuses[unit=police,kind=torture]=~` (a lens becomes assessed, or "
        "stops being assessed)\n"
        "   - Police: torture: removed; an entry B-01 matches, taken out (rules B-01)\n"
    ) in md


def test_a_threshold_in_dollars_is_written_in_dollars(tunisia_assessor):
    """Oman 2020 records no British aid amount, and LEV-07 tests at least $50 million: the
    reach is in dollars, the edit keeps the number to apply."""
    profile = load_profile(REPO_ROOT / "profiles" / "oman" / "2020.yaml", "2020.yaml")
    points = tipping_points(tunisia_assessor, profile, None, 20).points
    found = [
        (c.edit, c.reach, [f.text for f in p.flips])
        for p in points
        for c in p.changes
        if c.path.endswith("annual_usd")
    ]
    assert found == [
        (
            "assistance.other_donors[name=United Kingdom].annual_usd=50000000",
            "not given now; LEV-07 tests at least $50.0 million: $50.0 million would meet it",
            ["Leverage and relationship: low → moderate (score 0 → 25)"],
        )
    ]
