"""One "did you mean" fix and the level a problem carries."""

from __future__ import annotations

from ssa_risk.base.errors import Problem
from ssa_risk.base.suggest import did_you_mean


def test_did_you_mean_names_the_closest_choice_or_falls_back():
    assert did_you_mean("institutoin", ["institution", "rivalry"], "use x") == (
        "did you mean 'institution'?"
    )
    assert did_you_mean("zzz", ["institution", "rivalry"], "use x") == "use x"


def test_did_you_mean_compares_values_of_any_kind_as_text():
    assert did_you_mean(2021, [2020, "other"], "use x") == "did you mean '2020'?"
    assert did_you_mean("Non", [None], "use x") == "did you mean 'None'?"


def test_a_warning_prints_as_one_and_an_error_does_not():
    error = Problem("r.yaml", 3, 5, "rule X-1: something", "fix it")
    warning = Problem("r.yaml", 3, None, "rule X-1: something", "fix it", "warning", "X-1", "f")
    assert (error.level, error.rule, error.field) == ("error", None, None)
    assert str(error) == "r.yaml:3:5: rule X-1: something — fix it"
    assert str(warning) == "r.yaml:3: warning: rule X-1: something — fix it"
