"""approvals.yaml and the rules that judge proposal lines, as the loader checks them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssa_risk.base.errors import InputError
from ssa_risk.rules.loader import load_rules
from tests.helpers import REPO_ROOT, edit_file

FIXTURE_RULES = REPO_ROOT / "tests" / "fixtures" / "proposals" / "rules"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, folder)
    return folder


def messages(folder: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_rules(folder, "rules")
    return [str(p) for p in exc.value.problems]


def test_the_bundled_approvals_load_and_name_the_line_lens():
    ruleset = load_rules(REPO_ROOT / "rules")
    assert ruleset.approvals is not None
    assert ruleset.line_lens is not None and ruleset.line_lens.id == "proposal_lines"
    # The line lens is not a country lens: never scored, never in a country report.
    assert "proposal_lines" not in [lens.id for lens in ruleset.lenses]
    assert [level.residual for level in ruleset.approvals.levels] == [
        "low",
        "moderate",
        "high",
        "critical",
    ]
    assert [t.id for t in ruleset.approvals.triggers] == [
        "coup",
        "emergency",
        "gross_violation",
        "plan_expired",
    ]


def test_levels_out_of_order_and_reviews_that_grow_with_risk_are_refused(rules):
    edit_file(
        rules / "approvals.yaml",
        "  - {residual: low, approval: Desk officer, review_months: 12}\n"
        "  - {residual: moderate, approval: Head of unit, review_months: 6, "
        "mandatory: [end_use_monitoring]}",
        "  - {residual: moderate, approval: Head of unit, review_months: 6, "
        "mandatory: [end_use_monitoring]}\n"
        "  - {residual: low, approval: Desk officer, review_months: 12}",
    )
    assert messages(rules) == [
        "rules/approvals.yaml:3:1: review_months must not grow as residual risk rises — review "
        "a riskier line at least as often as a less risky one",
        "rules/approvals.yaml:4:6: level 1 is for residual risk 'moderate', where 'low' belongs "
        "— list one level per residual risk in the order low, moderate, high, critical",
        "rules/approvals.yaml:5:6: level 2 is for residual risk 'low', where 'moderate' belongs "
        "— list one level per residual risk in the order low, moderate, high, critical",
    ]


def test_a_line_lens_without_a_rule_file_is_named(rules):
    (rules / "lines.yaml").unlink()
    assert messages(rules) == [
        "rules/approvals.yaml:1:1: lens 'lines' has no rule file — add a rule file whose lens "
        "is 'lines'"
    ]


def test_a_country_rule_that_reads_lines_belongs_to_the_line_lens(rules):
    edit_file(
        rules / "country.yaml",
        "        - {fact: reform, as: reform, where: {status: stalled}}",
        "        - {fact: reform, as: reform, where: {status: stalled}}\n"
        "        - {fact: line, as: line}",
    )
    assert messages(rules) == [
        "rules/country.yaml:37: rule C-04 reads proposal lines but its lens 'country' judges "
        "the country — move it to the rule file of lens 'lines'"
    ]


def test_a_line_rule_must_name_its_line_the_subject(rules):
    edit_file(
        rules / "lines.yaml",
        "    subject: line\n    when:\n      all:\n        - "
        "{fact: line, as: line, where: {lethal: true}}",
        "    when:\n      all:\n        - {fact: line, as: line, where: {lethal: true}}",
    )
    assert messages(rules) == [
        "rules/lines.yaml:3: rule L-01 judges proposal lines but does not name the line it "
        "judges as its subject — bind the line under 'all:' with 'fact: line' and 'as: line', "
        "and write 'subject: line'"
    ]


def test_an_unknown_trigger_is_refused_with_the_choices(rules):
    edit_file(rules / "approvals.yaml", "{id: coup,", "{id: coups,")
    (message,) = messages(rules)
    assert message.startswith("rules/approvals.yaml:")
    assert "'coups' is not an allowed value — did you mean 'coup'?" in message
