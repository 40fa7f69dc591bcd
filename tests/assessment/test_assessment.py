"""Assessments of valid profiles that differ from the bundled one never crash."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.profile.reader import load_profile
from ssa_risk.profile.snapshots import load_snapshot
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, TUNISIA_2020, bundled_assessor


def _edit(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / TUNISIA_2020.name


def test_signal_concluded_twice_from_different_facts(tunisia_copy):
    second_army = (
        "  - id: republican_guard\n"
        "    name: A second military force\n"
        "    kind: armed_forces\n"
        "    budget_trend: rising\n"
        "    political_role: rising\n"
        "    sources: [sam2020]\n"
        "  - id: internal_security\n"
    )
    path = _edit(tunisia_copy, "2020.yaml", "  - id: internal_security\n", second_army)
    assessment = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess(path)
    traces = [s for s in assessment.signals if s.name == "military_elevated"]
    assert len(traces) == 2


def test_object_without_own_sources_cites_nothing_rather_than_the_bibliography(tunisia_copy):
    path = _edit(
        tunisia_copy,
        "2010.yaml",
        "    commanders_trained_by_patron: true     # a significant share of senior officers"
        " trained in the U.S. (IMET)\n"
        "    sources: [sam2020]\n",
        "    commanders_trained_by_patron: true\n",
    )
    assessment = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess(path)
    evidence = [
        e for f in assessment.findings for e in f.evidence if e.path.startswith("institutions[0]")
    ]
    assert evidence and all(e.sources == () for e in evidence)


def test_the_profile_hash_is_of_content_not_of_how_the_files_are_shown():
    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    here = assessor.assess_profile(load_profile(TUNISIA_2020))
    shown = assessor.assess_profile(
        load_profile(
            TUNISIA_2020, "HEAD:tunisia/2020.yaml", labels=lambda p: f"HEAD:tunisia/{p.name}"
        )
    )
    assert shown.profile_path == "HEAD:tunisia/2020.yaml"
    assert shown.provenance.profile_sha256 == here.provenance.profile_sha256


def test_a_rule_firing_once_per_programme_cites_each_programme_once(tmp_path):
    # Training programmes to the army, some recent: CMR-07 fires once per recent one, and
    # POL-01 once per recent programme of any kind. Each firing's evidence is its own
    # programme's (worked out once per pattern and fact, not once per rule), and the finding
    # speaks of the most significant: the latest, then the largest.
    data = copy.deepcopy(load_snapshot(TUNISIA_2020).data)
    data.pop("extends", None)
    programmes = data["assistance"]["programmes"]
    first = len(programmes)
    for k in range(12):
        programmes.append(
            {
                "id": f"training{k}",
                "name": f"Training {k}",
                "kind": "education_and_training",
                "recipient": "armed_forces",
                "from_fy": 2018,
                "to_fy": 2019 if k != 5 else 2018,
                "total_usd": 1_000_000 + 1_000 * (k if k != 7 else 100),
            }
        )
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assessment = bundled_assessor().assess(path)

    (cmr07,) = [f for f in assessment.findings if f.rule_id == "CMR-07"]
    cited = [e.path for e in cmr07.evidence if e.path.startswith("assistance.programmes[")]
    added = [f"assistance.programmes[{first + k}]" for k in range(12)]
    for entry in added:
        assert sorted(p for p in cited if p.startswith(entry + ".")) == [
            f"{entry}.kind",
            f"{entry}.recipient",
            f"{entry}.years_ago",
        ]
    assert "Training 7" in cmr07.narrative  # FY2019 and the largest amount
    (pol01,) = [f for f in assessment.findings if f.rule_id == "POL-01"]
    years = [e.path for e in pol01.evidence if e.path.endswith(".years_ago")]
    assert years == [f"{entry}.years_ago" for entry in added]  # the only recent ones, once each
    assert pol01.others == 12 + 2 - 1  # and the two institutions receiving assistance


def test_what_is_kept_for_a_rule_set_is_its_own(tmp_path):
    # The rules hash and the methodology are kept for each rule set by identity: a rule set
    # with other files or another scoring table (a new object, as any other rule set is) gets
    # its own, however the two alternate.
    import dataclasses

    from ssa_risk.assessment.builder import methodology
    from ssa_risk.assessment.provenance import rules_hash, sha256_text
    from ssa_risk.rules.loader import load_rules

    bundled = load_rules(DEFAULT_RULES)
    name, text = bundled.files[0]
    scoring = dataclasses.replace(bundled.scoring, stale_after_years=3)
    edited = dataclasses.replace(
        bundled, files=((name, text + "\n# edited"), *bundled.files[1:]), scoring=scoring
    )
    hashes = {id(r): sha256_text(list(r.files)) for r in (bundled, edited)}
    assert len(set(hashes.values())) == 2
    for ruleset in (bundled, edited, bundled, edited):
        assert rules_hash(ruleset) == hashes[id(ruleset)]
        assert methodology(ruleset).stale_after_years == ruleset.scoring.stale_after_years
    assert methodology(bundled).stale_after_years == 5
    profile = load_profile(TUNISIA_2020)
    assessed = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess_profile(profile)
    assert assessed.provenance.rules_sha256 == hashes[id(bundled)]
