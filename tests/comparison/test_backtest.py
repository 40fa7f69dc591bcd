"""The backtest: cases assessed and compared with their outcomes; outcome files checked."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.base.errors import InputError
from ssa_risk.comparison.backtest import (
    CORRECT_REJECTION,
    FALSE_ALARM,
    HIT,
    MISS,
    Backtest,
    backtest_change,
    case_result,
    confusion,
    is_flagged,
    lens_flags,
    outcome_class,
    run_backtest,
)
from ssa_risk.comparison.outcome import (
    OUTCOME_SCHEMA_PATH,
    load_outcome,
    outcome_schema_definition,
    outcome_schema_json,
)
from ssa_risk.reports.backtest import backtest_json
from tests.helpers import DEFAULT_TEMPLATES, REPO_ROOT

FIXTURE_CASES = REPO_ROOT / "tests" / "fixtures" / "cases"
FIXTURE_RULES = REPO_ROOT / "tests" / "fixtures" / "backtest-rules"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture cases and rules copied into the working folder, as cases/ and rules/."""
    shutil.copytree(FIXTURE_CASES, tmp_path / "cases")
    shutil.copytree(FIXTURE_RULES, tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _assessor(rules: Path = Path("rules")) -> Assessor:
    return Assessor.load(rules, DEFAULT_TEMPLATES)


def _problems(cases: Path = Path("cases")) -> list[str]:
    with pytest.raises(InputError) as info:
        run_backtest(cases, _assessor())
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("rating", "flag_at", "flagged"),
    [
        ("high", "high", True),
        ("critical", "high", True),
        ("moderate", "high", False),
        ("low", "low", True),
        ("moderate", "critical", False),
        ("not assessed", "low", False),  # a lens without the evidence it needs
        ("something else", "low", False),
    ],
)
def test_a_lens_is_flagged_at_or_above_the_threshold_and_never_when_not_rated(
    rating, flag_at, flagged
):
    assert is_flagged(rating, flag_at) is flagged


def test_outcome_classes():
    assert [
        outcome_class(h, f) for h, f in [(True, True), (True, False), (False, True), (False, False)]
    ] == [
        HIT,
        MISS,
        FALSE_ALARM,
        CORRECT_REJECTION,
    ]


def test_backtest_of_the_fixture_cases(workdir):
    result = run_backtest(Path("cases"), _assessor())
    assert result.cases_dir == "cases"
    assert result.rules == "rules"
    assert [(r.case, r.rating, r.flagged, r.outcome) for r in result.results] == [
        ("alpha-coup", "high", True, HIT),
        ("bravo-coup", "moderate", False, MISS),
        ("charlie-calm", "low", False, CORRECT_REJECTION),
        ("delta-calm", "high", True, FALSE_ALARM),
    ]
    c = result.confusion
    assert (c.hits, c.misses, c.false_alarms, c.correct_rejections, c.cases) == (1, 1, 1, 1, 4)
    assert (c.hit_rate, c.false_alarm_rate) == (0.5, 0.5)
    assert (result.flags.expected, result.flags.met, result.flags.unexpected) == (4, 3, 1)
    by_case = {r.case: r for r in result.results}
    assert by_case["alpha-coup"].missed_flags == ()
    assert by_case["alpha-coup"].unexpected_flags == ()
    assert by_case["bravo-coup"].missed_flags == ("civil_military",)
    assert by_case["delta-calm"].unexpected_flags == ("civil_military",)
    assert [(x.lens, x.rating, x.flagged, x.expected) for x in by_case["delta-calm"].lenses] == [
        ("civil_military", "high", True, False),
        ("political_context", "low", False, False),
        ("human_rights", "high", True, True),
    ]


def test_a_lower_threshold_turns_the_miss_into_a_hit(workdir):
    result = run_backtest(Path("cases"), _assessor(), "moderate")
    assert [r.outcome for r in result.results] == [HIT, HIT, CORRECT_REJECTION, FALSE_ALARM]
    assert result.confusion.hit_rate == 1.0


def test_rates_are_none_without_cases_of_that_kind():
    assert (confusion(()).hit_rate, confusion(()).false_alarm_rate) == (None, None)


def test_a_lens_the_assessment_does_not_rate_counts_as_not_flagged(workdir):
    assessor = _assessor()
    assessment = assessor.assess(Path("cases/alpha-coup/profile.yaml"))
    outcome, _ = load_outcome(Path("cases/alpha-coup/outcome.yaml"), "o.yaml", assessor.ruleset)
    unrated = replace(
        assessment, lenses=tuple(x for x in assessment.lenses if x.id != outcome.lens)
    )
    result = case_result("alpha-coup", unrated, outcome, "high")
    assert (result.rating, result.flagged, result.outcome) == ("not assessed", False, MISS)


def test_a_lens_not_assessed_has_no_score_in_the_json(workdir):
    assessor = _assessor()
    assessment = assessor.assess(Path("cases/alpha-coup/profile.yaml"))
    outcome, _ = load_outcome(Path("cases/alpha-coup/outcome.yaml"), "o.yaml", assessor.ruleset)
    lenses = tuple(
        replace(x, residual="not assessed", score=None) if x.id == "human_rights" else x
        for x in assessment.lenses
    )
    result = case_result("alpha-coup", replace(assessment, lenses=lenses), outcome, "high")
    backtest = Backtest("cases", "rules", "high", (result,), confusion((result,)), lens_flags(()))
    case = json.loads(backtest_json(backtest))["cases"][0]
    assert (case["overall"], case["score"]) == ("high risk", 30.0)
    assert [(x["lens"], x["rating"], x["score"]) for x in case["lenses"]] == [
        ("civil_military", "high", 45.0),
        ("political_context", "high", 45.0),
        ("human_rights", "not assessed", None),
    ]


def test_backtest_change_lists_the_cases_whose_result_moved(workdir):
    shutil.copytree("rules", "rules-new")
    path = Path("rules-new/civil_military.yaml")
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: moderate", "severity: high"),
        encoding="utf-8",
    )
    before = run_backtest(Path("cases"), _assessor())
    after = run_backtest(Path("cases"), _assessor(Path("rules-new")))
    change = backtest_change(before, after)
    assert (change.before.hits, change.after.hits) == (1, 2)
    assert [(c.case, c.rating, c.outcome) for c in change.changed] == [
        ("bravo-coup", ("moderate", "high"), (MISS, HIT))
    ]
    assert change.changed[0].missed_flags == (("civil_military",), ())


# --- problems -------------------------------------------------------------------------------

_FIX_FOLDER = (
    "a case folder holds profile.yaml (the country as of a date before the outcome) and "
    "outcome.yaml (what happened); add it, or move the folder out"
)


def test_cases_folder_not_found_or_a_file(workdir):
    assert _problems(Path("nowhere")) == [
        "nowhere: cases folder not found — name a folder holding one folder per case, each "
        "with profile.yaml and outcome.yaml"
    ]
    Path("file").write_text("x", encoding="utf-8")
    assert _problems(Path("file")) == [
        "file: cases folder is a file, not a folder — name a folder holding one folder per "
        "case, each with profile.yaml and outcome.yaml"
    ]


def test_a_folder_without_cases(workdir):
    Path("empty/.hidden").mkdir(parents=True)
    Path("empty/README.md").write_text("notes", encoding="utf-8")
    assert _problems(Path("empty")) == [
        "empty: no case in this folder — add one folder per case, each with profile.yaml and "
        "outcome.yaml"
    ]


def test_every_case_folder_lacking_a_file_is_named(workdir):
    Path("cases/charlie-calm/profile.yaml").unlink()
    Path("cases/echo").mkdir()
    Path("cases/notes.md").write_text("files beside the cases are left alone", encoding="utf-8")
    assert _problems() == [
        f"cases/charlie-calm: case folder has no profile.yaml — {_FIX_FOLDER}",
        f"cases/echo: case folder has no profile.yaml and no outcome.yaml — {_FIX_FOLDER}",
    ]


_OUTCOME = "cases/bravo-coup/outcome.yaml"
# Every problem of BAD_OUTCOME, each at its line, in one pass.
BAD_OUTCOME_PROBLEMS = [
    f"{_OUTCOME}:1:1: (top level): missing required field 'sources' — add 'sources:'",
    f"{_OUTCOME}:2:1: happened: expected true or false, got text ('yes') — write true or false",
    f"{_OUTCOME}:5:1: date: '2017-13' is not in the expected form — The event's date (for a "
    "control, the end of the period watched), YYYY-MM or YYYY-MM-DD",
    f"{_OUTCOME}:6:1: lens: 'civil_militry' is not a lens of the rules in rules — did you "
    "mean 'civil_military'?",
    f"{_OUTCOME}:7:24: flag[1]: 'politcal_context' is not a lens of the rules in rules — "
    "did you mean 'political_context'?",
    f"{_OUTCOME}:7:42: flag[2]: 'civil_military' is listed twice (also entry 0) — list each "
    "entry once",
    f"{_OUTCOME}:8:1: summary: unknown key 'summary' — allowed keys: case, date, event, "
    "flag, happened, lens, notes, sources",
]


BAD_OUTCOME = """\
case: Bravoland before the events of 2017
happened: yes
event: >-
  The army removed the president.
date: 2017-13
lens: civil_militry
flag: [civil_military, politcal_context, civil_military]
summary: extra
"""


def test_every_problem_of_every_case_in_one_pass(workdir):
    Path("cases/bravo-coup/outcome.yaml").write_text(BAD_OUTCOME, encoding="utf-8")
    profile = Path("cases/alpha-coup/profile.yaml")
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("dominant", "dominating"), encoding="utf-8"
    )
    problems = _problems()
    assert problems[1:] == BAD_OUTCOME_PROBLEMS
    assert problems[0] == (
        "cases/alpha-coup/profile.yaml:9:52: institutions[0].political_role: 'dominating' is "
        "not an allowed value — did you mean 'dominant'? (one of: none, marginal, stable, "
        "rising, dominant, declining)"
    )


def test_a_folder_lacking_a_file_does_not_hide_the_problems_of_the_other_cases(workdir):
    Path("cases/alpha-coup/profile.yaml").unlink()
    Path("cases/bravo-coup/outcome.yaml").write_text(BAD_OUTCOME, encoding="utf-8")
    edit = Path("cases/delta-calm/outcome.yaml")
    edit.write_text(
        edit.read_text(encoding="utf-8").replace("date: 2020-12", "date: 2017-06"),
        encoding="utf-8",
    )
    assert _problems() == [
        f"cases/alpha-coup: case folder has no profile.yaml — {_FIX_FOLDER}",
        *BAD_OUTCOME_PROBLEMS,
        "cases/delta-calm/outcome.yaml:6:1: date: 2017-06 is not after the profile's as_of "
        "(2018-01) — a case's profile describes the country before the outcome: correct the "
        "date, or the as_of of cases/delta-calm/profile.yaml",
    ]


def test_an_unknown_lens_without_a_close_one_lists_the_lenses(workdir):
    path = Path("cases/alpha-coup/outcome.yaml")
    path.write_text(
        path.read_text(encoding="utf-8").replace("lens: civil_military", "lens: economy"),
        encoding="utf-8",
    )
    assert _problems() == [
        "cases/alpha-coup/outcome.yaml:7:1: lens: 'economy' is not a lens of the rules in "
        "rules — use one of: civil_military, political_context, human_rights"
    ]


def test_an_outcome_that_is_not_a_mapping(workdir):
    Path("cases/alpha-coup/outcome.yaml").write_text("- a list\n", encoding="utf-8")
    assert _problems() == [
        "cases/alpha-coup/outcome.yaml:1:1: an outcome file must be a mapping of fields, but "
        "this file holds a list — write the fields case, happened, event, date, lens, flag and "
        "sources"
    ]


def test_an_outcome_before_the_profile_is_refused(workdir):
    path = Path("cases/alpha-coup/outcome.yaml")
    path.write_text(
        path.read_text(encoding="utf-8").replace("date: 2014-05-22", "date: 2013-06"),
        encoding="utf-8",
    )
    assert _problems() == [
        "cases/alpha-coup/outcome.yaml:6:1: date: 2013-06 is not after the profile's as_of "
        "(2013-06) — a case's profile describes the country before the outcome: correct the "
        "date, or the as_of of cases/alpha-coup/profile.yaml"
    ]


def test_a_profile_of_the_month_of_the_event_is_before_it(workdir):
    path = Path("cases/alpha-coup/profile.yaml")
    path.write_text(
        path.read_text(encoding="utf-8").replace('"2013-06"', '"2014-05"'), encoding="utf-8"
    )
    assert run_backtest(Path("cases"), _assessor()).results[0].as_of == "2014-05"


# --- the published schema -------------------------------------------------------------------


def test_published_outcome_schema_is_generated_from_its_definition():
    assert OUTCOME_SCHEMA_PATH.read_text(encoding="utf-8") == outcome_schema_json(), (
        "run: make schema"
    )


def test_outcome_schema_is_valid_and_every_property_is_described():
    schema = json.loads(OUTCOME_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)

    def undescribed(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [
                name for name, sub in node.get("properties", {}).items() if "description" not in sub
            ]
            return found + [n for sub in node.values() for n in undescribed(sub)]
        if isinstance(node, list):
            return [n for sub in node for n in undescribed(sub)]
        return []

    assert undescribed(outcome_schema_definition()) == []


def test_fixture_outcomes_name_the_schema_for_editors():
    for path in sorted(FIXTURE_CASES.glob("*/outcome.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert (
            first
            == "# yaml-language-server: $schema=../../../../engine/schemas/outcome.schema.json"
        )
        assert (path.parent / first.split("=", 1)[1]).resolve() == OUTCOME_SCHEMA_PATH.resolve()
