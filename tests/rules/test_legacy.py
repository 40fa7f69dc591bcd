"""A scoring.yaml written before graded scores is recognised, and named in one problem."""

from __future__ import annotations

from pathlib import Path

from ssa_risk.base.source import load_yaml
from ssa_risk.rules.legacy import legacy_scoring_problem
from tests.helpers import DEFAULT_RULES

OLD_SCORING = """\
# How findings become ratings.
lenses:
  - civil_military
  - human_rights

lens_rating:
  empty: low
  mitigation_steps: 1
  residual_floor: low

overall:
  - rating: suitable
    when: {}
"""

MESSAGE = (
    "scoring.yaml is in the format before graded scores (lenses as a list of ids, lens_rating)"
    " — rewrite it in the current form: see the README section 'How findings become a "
    "judgement' and the bundled rules/scoring.yaml"
)


def _problem(tmp_path: Path, text: str) -> str | None:
    path = tmp_path / "scoring.yaml"
    path.write_text(text, encoding="utf-8")
    problem = legacy_scoring_problem(load_yaml(path, "rules/scoring.yaml", lenient=True))
    return None if problem is None else str(problem)


def test_lenses_as_a_list_of_ids_is_the_old_format(tmp_path):
    assert _problem(tmp_path, OLD_SCORING) == f"rules/scoring.yaml:2:1: {MESSAGE}"


def test_lens_rating_alone_is_the_old_format(tmp_path):
    text = OLD_SCORING.replace("  - civil_military\n  - human_rights\n", "  civil_military: {}\n")
    assert _problem(tmp_path, text) == f"rules/scoring.yaml:5:1: {MESSAGE}"


def test_the_bundled_scoring_table_is_not_the_old_format():
    doc = load_yaml(DEFAULT_RULES / "scoring.yaml", "rules/scoring.yaml", lenient=True)
    assert legacy_scoring_problem(doc) is None


def test_other_shapes_are_left_to_the_schema(tmp_path):
    assert _problem(tmp_path, "- a list\n") is None
    assert _problem(tmp_path, "lenses: []\n") is None
    assert _problem(tmp_path, "lenses: [civil_military, {id: human_rights}]\n") is None
