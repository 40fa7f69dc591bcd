"""Rule files are recognised as valid by the quick check compiled from their schema; the
schema validator runs (and words the problems) only when it is not sure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ssa_risk.base.source import load_yaml
from ssa_risk.rules import validation
from tests.helpers import DEFAULT_RULES
from tests.profile.test_quick_check import _enum_strings, agreement

POLICY_FILES = {"scoring.yaml", "references.yaml", "approvals.yaml"}
RULE_FILES = sorted(p for p in DEFAULT_RULES.glob("*.yaml") if p.name not in POLICY_FILES)


def _checks() -> tuple[Any, Any]:
    quick = validation._quick_check()
    assert quick is not None, "the rule-file schema uses a keyword the quick check cannot compile"
    return quick, validation._validator()


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_bundled_rule_file_takes_the_quick_path(path: Path) -> None:
    quick, full = _checks()
    data = load_yaml(path).data
    assert quick(data) is True
    assert full.is_valid(data)


def test_a_mutated_rule_file_is_called_valid_only_if_the_full_validator_agrees() -> None:
    quick, full = _checks()
    words = [*sorted(set(_enum_strings(validation._schema()))), "signal", "where", "fact"]
    outcomes = agreement(quick, full, [load_yaml(path).data for path in RULE_FILES], words, 300)
    # Both answers come up often, so the check above was put to the test.
    assert outcomes[(True, True)] > 25
    assert outcomes[(False, False)] > 100


def test_a_problem_is_still_worded_by_the_validator(rules_copy: Path) -> None:
    path = rules_copy / "assistance_design.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: high", "severity: hihg", 1),
        encoding="utf-8",
    )
    found = validation.rule_file_problems(load_yaml(path, "rules/assistance_design.yaml"))
    assert [str(problem) for _, problem in found] == [
        "rules/assistance_design.yaml:11:5: rule PLAN-01: severity: 'hihg' is not an allowed "
        "value — did you mean 'high'? (one of: low, moderate, high, critical)"
    ]
