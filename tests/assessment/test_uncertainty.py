"""`assess --uncertainty`: central values, reproducible sampling, and shares that match an
exact enumeration of every combination."""

from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.api import assess_uncertain, load_assessor, render
from ssa_risk.assessment.model import Assessment, Uncertainty
from ssa_risk.assessment.serialize import assessment_dict, assessment_from_json, assessment_json
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, REPO_ROOT, edit_file

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "profiles" / "uncertain" / "tunisia"
ASSESSOR = load_assessor(DEFAULT_RULES, DEFAULT_TEMPLATES)
SUPPORT = "support_for_military_rule_pct: {low: 35, high: 55}"
BUDGET = "budget_trend: {values: {rising: 0.7, stable: 0.3}}"
ROLE = "political_role: {values: {rising: 0.6, stable: 0.4}}"
ARMY_ROLE = "military_political_role: rising"


def test_the_fixture_inherits_the_bundled_snapshots_unchanged():
    for name in ("2010.yaml", "2013.yaml", "2016.yaml"):
        bundled = (REPO_ROOT / "profiles" / "tunisia" / name).read_text("utf-8")
        copy = (FIXTURE / name).read_text("utf-8")
        assert copy == bundled.replace("$schema=../../engine", "$schema=../../../../../engine")


def _copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name / "tunisia"
    shutil.copytree(FIXTURE, folder)
    return folder / "2020.yaml"


def _u(assessment: Assessment) -> Uncertainty:
    assert assessment.uncertainty is not None
    return assessment.uncertainty


def _comparable(assessment: Assessment) -> dict[str, Any]:
    data = assessment_dict(assessment)
    data.pop("uncertainty", None)
    data["provenance"].pop("profile_sha256")
    return data


def test_without_sampling_the_central_values_are_assessed(tmp_path, monkeypatch):
    uncertain = _copy(tmp_path, "uncertain")
    central = _copy(tmp_path, "central")
    edit_file(central, SUPPORT, "support_for_military_rule_pct: 45")
    edit_file(central, BUDGET, "budget_trend: rising")
    edit_file(central, ROLE, "political_role: rising")
    monkeypatch.chdir(tmp_path / "uncertain")
    with_ranges = ASSESSOR.assess(Path("tunisia/2020.yaml"), "tunisia/2020.yaml")
    monkeypatch.chdir(tmp_path / "central")
    written_in = ASSESSOR.assess(Path("tunisia/2020.yaml"), "tunisia/2020.yaml")
    assert uncertain.exists()
    assert written_in.uncertainty is None
    assert [v.central for v in _u(with_ranges).values] == [45, "rising", "rising"]
    assert _u(with_ranges).samples == 0
    assert _comparable(with_ranges) == _comparable(written_in)


def _report(
    samples: int | str, seed: int = 0, path: Path = FIXTURE / "2020.yaml"
) -> tuple[str, str]:
    result = assess_uncertain(path, samples, seed, ASSESSOR)
    return render(result, "md", DEFAULT_TEMPLATES), render(result, "json", DEFAULT_TEMPLATES)


def test_a_thousand_samples_are_the_same_for_the_same_seed_and_differ_for_another():
    first = _report(1000)
    assert _report(1000) == first  # byte for byte: the report and the JSON
    other = _report(1000, seed=1)
    assert other != first
    shares = json.loads(first[1])["uncertainty"]["lenses"][0]["shares"]
    assert shares != json.loads(other[1])["uncertainty"]["lenses"][0]["shares"]


# Three values with weighted alternatives: 2 x 2 x 2 combinations, few enough to enumerate.
ALTERNATIVES = {
    "budget_trend": (("rising", 0.7), ("stable", 0.3)),
    "political_role": (("rising", 0.6), ("stable", 0.4)),
    "military_political_role": (("rising", 0.5), ("declining", 0.5)),
}


@pytest.fixture(scope="module")
def enumerable(tmp_path_factory) -> Path:
    """The fixture with its range written as one value and a third set of alternatives."""
    path = _copy(tmp_path_factory.mktemp("enumerable"), "x")
    edit_file(path, SUPPORT, "support_for_military_rule_pct: 45")
    edit_file(path, ARMY_ROLE, "military_political_role: {values: {rising: 0.5, declining: 0.5}}")
    return path


def _brute_force(
    enumerable: Path, tmp_path: Path
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Each combination written into a plain profile and assessed; results by weight."""
    overall: dict[str, float] = {}
    lenses: list[dict[str, float]] = []
    for combination in itertools.product(*ALTERNATIVES.values()):
        path = _copy(tmp_path, "-".join(v for v, _ in combination))
        text = enumerable.read_text("utf-8")
        for (field, options), (value, _) in zip(ALTERNATIVES.items(), combination, strict=True):
            weights = ", ".join(f"{v}: {w}" for v, w in options)
            text = text.replace(f"{field}: {{values: {{{weights}}}}}", f"{field}: {value}", 1)
        assert "values:" not in text
        path.write_text(text, "utf-8")
        result = ASSESSOR.assess(path)
        weight = math.prod(w for _, w in combination)
        overall[result.overall] = overall.get(result.overall, 0.0) + weight
        for i, lens in enumerate(result.lenses):
            if len(lenses) <= i:
                lenses.append({})
            lenses[i][lens.residual] = lenses[i].get(lens.residual, 0.0) + weight
    return overall, lenses


def test_exact_and_sampled_shares_match_a_brute_force_enumeration(enumerable, tmp_path):
    overall, lenses = _brute_force(enumerable, tmp_path)
    exact = _u(assess_uncertain(enumerable, "exact", assessor=ASSESSOR))
    assert exact.samples == 8 and exact.method == "exact"
    assert dict(exact.overall) == pytest.approx(overall, abs=1e-6)
    assert len(exact.lenses) == len(lenses)
    for lens, want in zip(exact.lenses, lenses, strict=True):
        assert dict(lens.shares) == pytest.approx(want, abs=1e-6), lens.lens
    assert dict(exact.lenses[0].shares) == pytest.approx({"low": 0.58, "high": 0.42})
    # Sampled: each share within four standard errors of the exact one (at most 0.064 for
    # N = 1000); a failure by chance would happen about once in 16,000 runs.
    n = 1000
    sampled = _u(assess_uncertain(enumerable, n, 7, ASSESSOR))
    assert sampled.samples == n and sampled.method == "sampled"
    pairs = [(dict(sampled.overall), overall)] + [
        (dict(s.shares), w) for s, w in zip(sampled.lenses, lenses, strict=True)
    ]
    for got, want in pairs:
        for band in set(got) | set(want):
            p = want.get(band, 0.0)
            assert abs(got.get(band, 0.0) - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-9, band
    # The civil-military lens is high only when the army's budget and role both rise
    # (0.7 x 0.6 = 0.42 of the weight): it turns on those two, and not on the third.
    assert exact.subject == "Civil-military relations and coup risk"
    assert exact.subject_result == "low"
    assert [(v.path, v.modal_share_by_group) for v in exact.turns_on] == [
        ("institutions[0].political_role", (("rising", 0.3), ("stable", 1.0))),
        ("institutions[0].budget_trend", (("rising", 0.4), ("stable", 1.0))),
    ]


def test_the_distribution_is_saved_and_read_back(enumerable):
    result = assess_uncertain(enumerable, "exact", assessor=ASSESSOR)
    text = assessment_json(result)
    assert assessment_from_json(text, "a.json") == result
    assert json.loads(text)["uncertainty"]["method"] == "exact"


def test_an_assessment_without_uncertain_values_saves_no_uncertainty_field():
    result = ASSESSOR.assess(REPO_ROOT / "profiles" / "tunisia" / "2020.yaml")
    assert "uncertainty" not in json.loads(assessment_json(result))
