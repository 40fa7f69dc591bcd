"""An impact run shares work between the two assessments of a profile (one evaluation when
both rule sets fire alike; the evidence and narratives of the rules both share): each must be
exactly the assessment its rule set makes alone, whatever changed between the two sets."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.parallel import SERIAL
from ssa_risk.comparison.diff import diff_assessments
from ssa_risk.comparison.impact import ImpactOne, impact
from ssa_risk.profile.reader import load_profile
from ssa_risk.reports.render import render_impact
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, DEFAULT_TEMPLATES

LABELS = ("before", "after")
SNAPSHOTS = sorted(DEFAULT_PROFILES.glob("*/*.yaml"))


def in_rule(text: str, rule_id: str, old: str, new: str) -> str:
    """`text` with the first `old` after rule `rule_id` starts replaced by `new`."""
    start = text.index(f"  - id: {rule_id}\n")
    assert old in text[start:], old
    return text[:start] + text[start:].replace(old, new, 1)


# name → (file, edit of its text, fire alike?, rules not shared)
EDITS: dict[str, tuple[str, Callable[[str], str], bool, set[str]]] = {
    # Only what a finding says: the same firings, the same evidence; a new narrative.
    "wording": (
        "civil_military.yaml",
        lambda t: in_rule(t, "CMR-20", "The last coup or coup attempt", "The most recent coup"),
        True,
        {"CMR-20"},
    ),
    "severity": (
        "civil_military.yaml",
        lambda t: in_rule(t, "CMR-20", "severity: high", "severity: moderate"),
        True,
        set(),
    ),
    # Points and staleness (so ages) differ, for every finding of every rule.
    "scoring": (
        "scoring.yaml",
        lambda t: t.replace("  high: 45\n", "  high: 50\n", 1).replace(
            "stale_after_years: 5 ", "stale_after_years: 3 ", 1
        ),
        True,
        set(),
    ),
    # The signal CMR-20 concludes: rules reading coup_prone fire less, on the same facts.
    "conclusion": (
        "civil_military.yaml",
        lambda t: in_rule(t, "CMR-20", "conclude: coup_prone", "conclude: coup_trap_recent"),
        False,
        set(),
    ),
    # A signal's conditions: the rules reading military_elevated fire on other facts.
    "condition": (
        "civil_military.yaml",
        lambda t: in_rule(
            t,
            "CMR-01",
            "political_role: {in: [rising, dominant]}\n            budget_trend: rising\n",
            "political_role: {in: [rising, dominant, stable]}\n",
        ),
        False,
        {"CMR-01"},
    ),
    # A binding renamed: the same firings and narrative; the evidence names the binding.
    "binding": (
        "assistance_design.yaml",
        lambda t: in_rule(t, "PLAN-02", "as: aid\n", "as: assistance\n"),
        False,
        {"PLAN-02"},
    ),
    # A value a `none` condition tests: the evidence shows the value required absent.
    "absent value": (
        "assistance_design.yaml",
        lambda t: in_rule(
            t, "PLAN-02", "sequenced_benchmarks: true", "sequenced_benchmarks: false"
        ),
        False,
        {"PLAN-02"},
    ),
    # Every rule moves down two lines: nothing else changes.
    "lines": ("civil_military.yaml", lambda t: "# one\n# two\n" + t, True, set()),
}


@pytest.fixture(scope="module")
def bundled() -> Assessor:
    return Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


def edited(tmp_path: Path, name: str) -> Assessor:
    file, edit, _, _ = EDITS[name]
    rules = tmp_path / name
    shutil.copytree(DEFAULT_RULES, rules)
    path = rules / file
    text = path.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    return Assessor.load(rules, DEFAULT_TEMPLATES)


@pytest.mark.parametrize("order", ["bundled first", "edited first"])
@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_shared_assessment_is_the_one_its_rule_set_makes_alone(tmp_path, bundled, name, order):
    other = edited(tmp_path, name)
    before, after = (bundled, other) if order == "bundled first" else (other, bundled)
    one = ImpactOne(before, after, LABELS)
    alike, shared = one._shared
    _, _, fire_alike, not_shared = EDITS[name]
    assert alike == fire_alike
    every = {r.id for r in bundled.ruleset.rules}
    assert shared == frozenset(every - not_shared)
    changed = 0
    for path in SNAPSHOTS:
        old, new = one.assess_both(load_profile(path))
        alone = (before.assess(path), after.assess(path))
        assert old == alone[0], path
        assert new == alone[1], path
        diff = diff_assessments(old, new, LABELS)
        assert diff == diff_assessments(*alone, LABELS), path
        changed += diff.any_change or old.findings != new.findings
    # Each edit shows (lines only in the rule files' hash, which reports show).
    assert changed > 0 or name == "lines"


# A rule that binds any signal and speaks of its fields: its firings under the two rule sets
# bind signals whose ids differ (new at each evaluation), and whose fields may.
ANY_SIGNAL = """
  - id: CMR-ANY
    title: A signal is concluded
    severity: low
    subject: s
    when:
      all:
        - fact: signal
          as: s
    because: >-
      The rules concluded {{ s.name }} ({{ s.by }}).
    recommend:
      - do: Read the rules that concluded it.
        by: agency
        stance: condition
    cite:
      - {ref: sam2020, at: "Progress on security, perhaps less on democracy"}
"""


def test_a_shared_rule_that_binds_signals_gets_each_rule_sets_own(tmp_path):
    sets = []
    for name, conclude in (("before", "coup_prone"), ("after", "coup_trap_recent")):
        rules = tmp_path / name
        shutil.copytree(DEFAULT_RULES, rules)
        path = rules / "civil_military.yaml"
        text = path.read_text(encoding="utf-8") + ANY_SIGNAL
        text = in_rule(text, "CMR-20", "conclude: coup_prone", f"conclude: {conclude}")
        path.write_text(text, encoding="utf-8")
        sets.append(Assessor.load(rules, DEFAULT_TEMPLATES))
    one = ImpactOne(sets[0], sets[1], LABELS)
    assert "CMR-ANY" in one._shared[1]
    philippines = DEFAULT_PROFILES / "philippines" / "2010.yaml"  # CMR-20 fires
    old, new = one.assess_both(load_profile(philippines))
    assert (old, new) == (sets[0].assess(philippines), sets[1].assess(philippines))
    narratives = {f.narrative for f in new.findings if f.rule_id == "CMR-ANY"}
    assert "The rules concluded coup_trap_recent (CMR-20)." in narratives


def test_an_impact_report_is_the_same_with_and_without_sharing(tmp_path, bundled, monkeypatch):
    other = edited(tmp_path, "condition")
    with_sharing = impact(SNAPSHOTS, bundled, other, LABELS, SERIAL)
    monkeypatch.setattr(ImpactOne, "_shared", (False, frozenset()))
    alone = impact(SNAPSHOTS, bundled, other, LABELS, SERIAL)
    assert with_sharing.any_change
    for form in ("json", "md"):
        assert render_impact(with_sharing, DEFAULT_TEMPLATES, form) == render_impact(
            alone, DEFAULT_TEMPLATES, form
        )


def test_the_work_on_a_profile_leaves_no_reference_cycles(tmp_path, bundled):
    # ImpactOne pauses the cyclic collector while it works on a profile: that is free only
    # while the work makes no reference cycles (they would wait for the next collection).
    import gc

    one = ImpactOne(bundled, edited(tmp_path, "condition"), LABELS)
    items = [(path, path.name) for path in SNAPSHOTS]
    one(items[0])  # anything made once per process (caches) is made here
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for item in items:
            row, problems = one(item)
            assert row is not None and problems == ()
            assert gc.collect() == 0, item
    finally:
        if enabled:
            gc.enable()
