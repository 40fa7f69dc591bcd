"""Recommendations: plain text or do/by/stance; who acts and what kind of action it is."""

from __future__ import annotations

from pathlib import Path

from ssa_risk.base.source import load_yaml
from ssa_risk.rules.loader import load_rules
from ssa_risk.rules.model import RECOMMEND_BY, RECOMMEND_STANCES, Recommendation
from tests.helpers import DEFAULT_RULES

RULE = """\
  - id: LEV-90
    title: Both forms
    severity: low
    when:
      all:
        - fact: assistance
    because: x
    recommend:
{items}
    cite: [{{ref: rand-epp}}]
"""


def _load(rules_copy: Path, items: str):
    leverage = rules_copy / "leverage.yaml"
    leverage.write_text(
        leverage.read_text(encoding="utf-8") + RULE.format(items=items), encoding="utf-8"
    )
    return load_rules(rules_copy).rule("LEV-90")


def test_a_recommendation_is_plain_text_or_a_mapping_of_do_by_and_stance(rules_copy):
    rule = _load(
        rules_copy,
        "      - Tie the next   tranche to a benchmark.\n"
        "      - do: Withhold assistance from the unit\n"
        "          until the allegations are investigated.\n"
        "        by: agency\n"
        "        stance: withhold\n"
        "      - {do: The government should restore the courts' review., by: partner,"
        " stance: condition}",
    )
    assert rule.recommend == (
        Recommendation("Tie the next tranche to a benchmark.", "agency", "condition"),
        Recommendation(
            "Withhold assistance from the unit until the allegations are investigated.",
            "agency",
            "withhold",
        ),
        Recommendation("The government should restore the courts' review.", "partner", "condition"),
    )


def test_plain_text_has_the_wording_of_its_mapping_with_the_default_tags(rules_copy):
    plain = _load(rules_copy, "      - Tie the next tranche to a benchmark.")
    (rules_copy / "leverage.yaml").write_text(
        (DEFAULT_RULES / "leverage.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    tagged = _load(
        rules_copy,
        "      - {do: Tie the next tranche to a benchmark., by: agency, stance: condition}",
    )
    (rules_copy / "leverage.yaml").write_text(
        (DEFAULT_RULES / "leverage.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    retagged = _load(
        rules_copy,
        "      - {do: Tie the next tranche to a benchmark., by: agency, stance: withhold}",
    )
    assert plain.wording_sha256 == tagged.wording_sha256
    # A changed tag is a change of wording, never of logic.
    assert retagged.wording_sha256 != tagged.wording_sha256
    assert retagged.logic_sha256 == tagged.logic_sha256


def test_every_bundled_recommendation_says_who_acts_and_its_stance():
    plain = []
    for path in sorted(DEFAULT_RULES.glob("*.yaml")):
        data = load_yaml(path).data
        for rule in data.get("rules", []) if isinstance(data, dict) else []:
            plain += [(rule["id"], r) for r in rule.get("recommend", []) if isinstance(r, str)]
    assert plain == []
    rules = load_rules(DEFAULT_RULES).rules
    tags = {(r.by, r.stance) for rule in rules for r in rule.recommend}
    assert {by for by, _ in tags} <= set(RECOMMEND_BY)
    assert {stance for _, stance in tags} <= set(RECOMMEND_STANCES)
    # Every rule that reports a risk has a recommendation, and a gate's bar is a withholding.
    assert all(rule.recommend for rule in rules if rule.severity and rule.effect == "risk")
    assert all(rule.recommend[0].stance == "withhold" for rule in rules if rule.effect == "gate")
