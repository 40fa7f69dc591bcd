"""`ssa-risk assess --uncertainty N|exact [--seed S]` on the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "profiles" / "uncertain" / "tunisia"


@pytest.fixture
def country(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "tunisia")
    return Path("tunisia/2020.yaml")


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(run_cli, country):
    for name, seed in (("a", "0"), ("b", "0"), ("c", "1")):
        result = run_cli(
            "assess",
            str(country),
            "--uncertainty",
            "50",
            "--seed",
            seed,
            "--format",
            "json",
            "-o",
            f"{name}.json",
        )
        assert result.exit_code == 0, result.stderr
    assert Path("a.json").read_bytes() == Path("b.json").read_bytes()
    assert Path("a.json").read_bytes() != Path("c.json").read_bytes()
    saved = json.loads(Path("a.json").read_text("utf-8"))["uncertainty"]
    assert (saved["samples"], saved["method"], saved["seed"]) == (50, "sampled", 0)
    # Without --seed, the default seed is 0.
    assert (
        run_cli(
            "assess", str(country), "--uncertainty", "50", "--format", "json", "-o", "d.json"
        ).exit_code
        == 0
    )
    assert Path("d.json").read_bytes() == Path("a.json").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["tunisia", "--uncertainty", "10"],
            "tunisia: --uncertainty samples one snapshot, and this is a folder of them — name "
            "one snapshot of it, e.g. the latest, tunisia/2020.yaml",
        ),
        (
            ["tunisia/2020.yaml", "--uncertainty", "ten"],
            "--uncertainty: 'ten' is not a number of samples from 1 to 100,000, nor 'exact' — "
            "e.g. --uncertainty 1000",
        ),
        (
            ["tunisia/2020.yaml", "--uncertainty", "0"],
            "--uncertainty: '0' is not a number of samples from 1 to 100,000, nor 'exact' — "
            "e.g. --uncertainty 1000",
        ),
        (
            ["tunisia/2020.yaml", "--seed", "3"],
            "--seed 3 seeds the draws of --uncertainty, which is not given — add "
            "--uncertainty N, or leave out --seed",
        ),
        (
            ["tunisia/2020.yaml", "--uncertainty", "exact"],
            "tunisia/2020.yaml: --uncertainty exact: the range of "
            "civil_military.support_for_military_rule_pct has no exact list of outcomes (it is "
            "not an integer range without most_likely) — give a number of samples, e.g. "
            "--uncertainty 1000",
        ),
        (
            ["tunisia/2016.yaml", "--uncertainty", "10"],
            "tunisia/2016.yaml: no value in it is uncertain — write a value as a range ({low: "
            "35, high: 55}) or as alternatives ({values: {rising: 0.6, stable: 0.4}}), or leave "
            "out --uncertainty",
        ),
    ],
)
def test_what_cannot_be_sampled_is_refused_with_a_fix(run_cli, country, args, message):
    result = run_cli("assess", *args, "-o", "x.md")
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert not Path("x.md").exists()
