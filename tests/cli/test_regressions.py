"""Regression tests for defects found in review of the toolkit, reports and diff."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ssa_risk.evaluation.compiler import compile_ruleset
from ssa_risk.evaluation.durable import evaluate
from ssa_risk.evaluation.explain import Evaluator
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import load_profile
from ssa_risk.rules.loader import load_rules
from tests.helpers import TUNISIA_2020, diff_json, make_compiled, make_fact, make_pattern, make_rule


def _append(rules_dir: Path, name: str, text: str) -> None:
    path = rules_dir / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


RULE_TAIL = """    because: x
    recommend: [x]
    cite: [{ref: sam2020}]
"""


# --- engine semantics the Python evaluation must follow ----------------------------------


def test_one_fact_never_fills_two_conditions_of_a_rule():
    rule = make_rule("R20", [make_pattern("inst", "i"), make_pattern("inst", "j")])
    firings, _ = evaluate(make_compiled(rule), [make_fact("a", "inst"), make_fact("h", "inst")])
    assert sorted(f.bindings for f in firings) == [
        (("i", "a"), ("j", "h")),
        (("i", "h"), ("j", "a")),
    ]


def test_a_none_condition_ignores_the_facts_the_rule_bound():
    rule = make_rule(
        "R21",
        [make_pattern("inst", "i", role="army")],
        none=[make_pattern("inst", "n", role="army")],
    )
    firings, _ = evaluate(make_compiled(rule), [make_fact("a", "inst", role="army")])
    assert [f.rule_id for f in firings] == ["R21"]


def _agree(rules_dir: Path, profile: Path) -> set[str]:
    ruleset = load_rules(rules_dir)
    facts = profile_facts(load_profile(profile))
    firings, _ = evaluate(compile_ruleset(ruleset), facts)
    engine = {f.rule_id for f in firings}
    assert Evaluator(ruleset, facts).fired == engine
    return engine


def test_negating_rule_using_a_signal_from_another_negating_rule(rules_copy):
    _append(
        rules_copy,
        "threat_environment.yaml",
        """\
  - id: X-B
    title: Uses a late signal
    severity: low
    when:
      all:
        - signal: sig_neg
      none:
        - fact: framework
          where: {name: Nothing}
"""
        + RULE_TAIL
        + """\
  - id: X-A
    title: Concludes a late signal
    conclude: sig_neg
    when:
      all:
        - fact: assistance
      none:
        - fact: framework
          where: {name: Nothing}
    cite: [{ref: sam2020}]
""",
    )
    assert {"X-A", "X-B"} <= _agree(rules_copy, TUNISIA_2020)


def test_matches_ignores_case_of_ascii_letters_only(rules_copy, tunisia_copy):
    _append(
        rules_copy,
        "institutional_rivalry.yaml",
        """\
  - id: RIV-90
    title: Accented name
    severity: low
    when:
      all:
        - fact: institution
          where: {name: {matches: "SÛRETÉ*"}}
"""
        + RULE_TAIL,
    )
    path = tunisia_copy / "2010.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Internal security forces", "name: Sûreté forces", 1))
    assert "RIV-90" not in _agree(rules_copy, tunisia_copy / "2020.yaml")


# --- rule loading -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "{new_force_since: {lt: {ref: i.new_force_since}}}",
            "a join ({ref: ...}) can only test equality, not 'lt'"
            " — write field: {eq: {ref: name.field}}",
        ),
        (
            "{between: [army, police]}",
            "rivalry.between is a list: 'eq' cannot compare it"
            " — use contains: VALUE to ask whether the list holds a value",
        ),
    ],
    ids=["ordered-join", "list-eq"],
)
def test_forms_the_engine_cannot_run_are_refused_when_rules_load(rules_copy, where, message):
    kind = "institution" if "new_force" in where else "rivalry"
    _append(
        rules_copy,
        "institutional_rivalry.yaml",
        f"""\
  - id: RIV-91
    title: Refused form
    severity: low
    when:
      all:
        - fact: institution
          as: i
        - fact: {kind}
          where: {where}
"""
        + RULE_TAIL,
    )
    with pytest.raises(Exception) as info:
        load_rules(rules_copy)
    assert str(info.value).endswith(message)


# --- reports ----------------------------------------------------------------------------


def test_programme_names_with_dollar_signs_render_in_html(run_cli, tunisia_copy):
    path = tunisia_copy / "2013.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: Foreign Military Financing,", "name: FMF $17m and $29m,", 1)
    )
    result = run_cli("assess", "tunisia/2013.yaml", "--format", "html", "-o", "r.html")
    assert result.exit_code == 0, result.stderr
    assert "FMF $17m and $29m" in (tunisia_copy.parent / "r.html").read_text(encoding="utf-8")


def test_folder_of_two_countries_is_refused(run_cli, tunisia_copy):
    path = tunisia_copy / "2010.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("country: Tunisia\niso3: TUN", "country: Elsewhere\niso3: ELS"))
    for name in ("2013.yaml", "2016.yaml", "2020.yaml"):
        (tunisia_copy / name).unlink()
    shutil.copy(TUNISIA_2020.parent / "2010.yaml", tunisia_copy / "2011.yaml")
    result = run_cli("assess", "tunisia")
    assert result.exit_code == 2
    assert result.stderr == (
        "tunisia/2011.yaml: is a snapshot of Tunisia, but tunisia/2010.yaml is of Elsewhere"
        " — keep one country's snapshots per folder\n"
    )


def test_every_bad_snapshot_of_a_folder_is_reported(run_cli, tunisia_copy):
    for name in ("2013.yaml", "2016.yaml"):
        path = tunisia_copy / name
        path.write_text(path.read_text(encoding="utf-8").replace("iso3: TUN", "iso3: tun"))
    result = run_cli("assess", "tunisia")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"tunisia/{year}.yaml:10:1: iso3: 'tun' is not in the expected form"
        " — ISO 3166-1 alpha-3 country code, e.g. TUN"
        for year in ("2013", "2016")
    ]


# --- diff -------------------------------------------------------------------------------


def test_editing_a_rule_that_concludes_a_signal_is_named_as_the_cause(run_cli, repo):
    path = repo / "rules/civil_military.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "political_role: {in: [rising, dominant]}", "political_role: {in: [dominant]}", 1
        ),
        encoding="utf-8",
    )
    changes = {c["rule_id"]: c for c in diff_json(run_cli)["changes"]}
    assert changes["CMR-02"]["causes"] == [
        {
            "kind": "rule edited",
            "details": [
                "CMR-01 (concludes signal military_elevated): when.all[0].where.political_role.in:"
                ' ["rising", "dominant"] → ["dominant"]'
            ],
        }
    ]


def test_overall_flip_from_a_scoring_change_counts_as_a_change(run_cli, repo):
    path = repo / "rules/scoring.yaml"
    text = path.read_text(encoding="utf-8")
    old = "when: {lenses_at_least: high, count_at_least: 3}"
    assert old in text
    path.write_text(text.replace(old, "when: {lenses_at_least: high, count_at_least: 20}"))
    args = ["impact", "--before", "v1", "--after", "rules", "tunisia/2013.yaml"]
    result = run_cli(*args, "--fail-on", "any")
    assert result.exit_code == 3
    assert (
        "- overall: high risk — conditions required → suitable with safeguards"
        " (the scoring table (scoring.yaml) changed)"
    ) in result.stdout.splitlines()
    assert "No profile's findings or ratings change." not in result.stdout


def test_incomplete_assessment_json_is_an_input_error(run_cli, repo):
    assert run_cli("assess", "tunisia/2020.yaml", "--format", "json", "-o", "a.json").exit_code == 0
    data = json.loads((repo / "a.json").read_text(encoding="utf-8"))
    del data["facts"]
    (repo / "b.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("diff", "a.json", "b.json")
    assert result.exit_code == 2
    assert result.stderr == (
        "b.json: is not a complete assessment ((top level): 'facts' is a required property)"
        " — write it again with 'ssa-risk assess --format json'\n"
    )
