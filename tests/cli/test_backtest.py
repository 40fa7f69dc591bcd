"""`ssa-risk backtest`, and the backtest in `impact` and `rules test --coverage`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, edit_file

FIXTURE_CASES = REPO_ROOT / "tests" / "fixtures" / "cases"
FIXTURE_RULES = REPO_ROOT / "tests" / "fixtures" / "backtest-rules"

TEXT = """\
Backtest of 4 cases in cases
Rules: rules
A case is flagged when the lens that should foresee its event is rated high or above.

                Flagged          Not flagged
Event happened  hits: 1          misses: 1
Did not happen  false alarms: 1  correct rejections: 1

Hit rate: 50% (1 of the 2 cases where the event happened were flagged)
False-alarm rate: 50% (1 of the 2 cases where it did not happen were flagged)
Lens flags: 3 of the 4 lenses the outcomes name were rated high or above;
            1 lens they do not name were rated so too

Cases
CASE          AS OF    EVENT DATE  HAPPENED  LENS            RATING    FLAGGED  RESULT
alpha-coup    2013-06  2014-05-22  yes       civil_military  high      yes      hit
bravo-coup    2016-01  2017-11-15  yes       civil_military  moderate  no       miss
charlie-calm  2018-01  2020-12     no        civil_military  low       no       correct rejection
delta-calm    2018-01  2020-12     no        civil_military  high      yes      false alarm
(Where the event did not happen, EVENT DATE is the end of the period watched.)

Lenses against the outcome's flag list (flagged: rated high or above)
alpha-coup: as expected
bravo-coup: expected but rated below high: civil_military (moderate)
charlie-calm: as expected
delta-calm: flagged but not expected: civil_military (high)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project in the working folder: the fixture rules, one profile, and the fixture cases
    in `cases/` (which the project file does not name: found next to it)."""
    shutil.copytree(FIXTURE_CASES, tmp_path / "cases")
    shutil.copytree(FIXTURE_RULES, tmp_path / "rules")
    (tmp_path / "profiles" / "alphaland").mkdir(parents=True)
    shutil.copy(
        FIXTURE_CASES / "alpha-coup" / "profile.yaml",
        tmp_path / "profiles" / "alphaland" / "2013-06.yaml",
    )
    (tmp_path / "ssa-risk.toml").write_text(
        'rules = "rules"\nprofiles = "profiles"\n', encoding="utf-8"
    )
    return tmp_path


def test_backtest_prints_the_confusion_table_and_the_cases(run_cli, project):
    result = run_cli("backtest", "cases")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == TEXT
    assert result.stderr == ""


def test_backtest_takes_the_rules_given(run_cli, project):
    shutil.move("rules", "other-rules")
    Path("ssa-risk.toml").write_text('profiles = "profiles"\n', encoding="utf-8")
    result = run_cli("backtest", "cases", "--rules", "other-rules")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == TEXT.replace("Rules: rules", "Rules: other-rules")


def test_backtest_is_byte_identical_run_after_run(run_cli, project):
    first = run_cli("backtest", "cases", "--format", "json").stdout
    assert run_cli("backtest", "cases", "--format", "json").stdout == first


def test_flag_at_moderate_counts_a_moderate_lens(run_cli, project):
    result = run_cli("backtest", "cases", "--flag-at", "moderate")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2] == (
        "A case is flagged when the lens that should foresee its event is rated moderate or above."
    )
    assert lines[5] == "Event happened  hits: 2          misses: 0"
    assert lines[8] == "Hit rate: 100% (2 of the 2 cases where the event happened were flagged)"
    assert (
        "bravo-coup    2016-01  2017-11-15  yes       civil_military  moderate  yes      hit"
        in (lines)
    )


def test_json_has_stable_keys(run_cli, project):
    result = run_cli("backtest", "cases", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["cases_dir", "rules", "flag_at", "confusion", "lens_flags", "cases"]
    assert data["lens_flags"] == {"expected": 4, "met": 3, "unexpected": 1}
    assert data["confusion"] == {
        "cases": 4,
        "hits": 1,
        "misses": 1,
        "false_alarms": 1,
        "correct_rejections": 1,
        "hit_rate": 0.5,
        "false_alarm_rate": 0.5,
    }
    assert [c["case"] for c in data["cases"]] == [
        "alpha-coup",
        "bravo-coup",
        "charlie-calm",
        "delta-calm",
    ]
    bravo = data["cases"][1]
    assert bravo == {
        "case": "bravo-coup",
        "title": "Bravoland before the events of 2017",
        "as_of": "2016-01",
        "date": "2017-11-15",
        "happened": True,
        "overall": "suitable",
        "score": 8.0,
        "lens": "civil_military",
        "rating": "moderate",
        "flagged": False,
        "outcome": "miss",
        "missed_flags": ["civil_military"],
        "unexpected_flags": [],
        "lenses": [
            {
                "lens": "civil_military",
                "rating": "moderate",
                "score": 25.0,
                "flagged": False,
                "expected": True,
            },
            {
                "lens": "political_context",
                "rating": "low",
                "score": 0.0,
                "flagged": False,
                "expected": False,
            },
            {
                "lens": "human_rights",
                "rating": "low",
                "score": 0.0,
                "flagged": False,
                "expected": False,
            },
        ],
    }


def test_output_file(run_cli, project):
    result = run_cli("backtest", "cases", "-o", "out/backtest.json", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(Path("out/backtest.json").read_text(encoding="utf-8"))["flag_at"] == "high"
    result = run_cli("backtest", "cases", "-o", "backtest.txt")
    assert result.exit_code == 0, result.stderr
    assert Path("backtest.txt").read_text(encoding="utf-8") == TEXT


def test_a_problem_writes_no_output_file_and_exits_2(run_cli, project):
    edit_file(Path("cases/delta-calm/outcome.yaml"), "happened: false", "happened: maybe")
    result = run_cli("backtest", "cases", "-o", "backtest.txt")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "cases/delta-calm/outcome.yaml:3:1: happened: expected true or false, got text "
        "('maybe') — write true or false\n"
    )
    assert not Path("backtest.txt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("-o", "b.json"),
            "b.json: -o names a .json file but --format is text — give --format json, or name "
            "a .txt file",
        ),
        (
            ("-o", "b.txt", "--format", "json"),
            "b.txt: -o names a .txt file but --format is json — give --format text, or name a "
            ".json file",
        ),
    ],
)
def test_output_name_that_contradicts_the_format_is_refused(run_cli, project, args, message):
    result = run_cli("backtest", "cases", *args)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert not list(Path().glob("b.*"))


def test_missing_or_empty_cases_folder(run_cli, project):
    result = run_cli("backtest", "nowhere")
    assert result.exit_code == 2
    assert result.stderr == (
        "nowhere: cases folder not found — name a folder holding one folder per case, each "
        "with profile.yaml and outcome.yaml\n"
    )
    Path("empty").mkdir()
    result = run_cli("backtest", "empty")
    assert result.exit_code == 2
    assert result.stderr == (
        "empty: no case in this folder — add one folder per case, each with profile.yaml and "
        "outcome.yaml\n"
    )


def test_case_folder_without_its_files(run_cli, project):
    Path("cases/alpha-coup/outcome.yaml").unlink()
    result = run_cli("backtest", "cases")
    assert result.exit_code == 2
    assert result.stderr == (
        "cases/alpha-coup: case folder has no outcome.yaml — a case folder holds profile.yaml "
        "(the country as of a date before the outcome) and outcome.yaml (what happened); add "
        "it, or move the folder out\n"
    )


def test_every_case_folder_is_reported_in_one_pass(run_cli, project):
    Path("cases/alpha-coup/profile.yaml").unlink()
    edit_file(Path("cases/delta-calm/outcome.yaml"), "happened: false", "happened: maybe")
    edit_file(Path("cases/delta-calm/outcome.yaml"), "lens: civil_military", "lens: civil_militry")
    result = run_cli("backtest", "cases", "-o", "backtest.txt")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "cases/alpha-coup: case folder has no profile.yaml — a case folder holds profile.yaml "
        "(the country as of a date before the outcome) and outcome.yaml (what happened); add "
        "it, or move the folder out\n"
        "cases/delta-calm/outcome.yaml:3:1: happened: expected true or false, got text "
        "('maybe') — write true or false\n"
        "cases/delta-calm/outcome.yaml:7:1: lens: 'civil_militry' is not a lens of the rules "
        "in rules — did you mean 'civil_military'?\n"
    )
    assert not Path("backtest.txt").exists()


def test_missing_argument_and_bad_flag_at(run_cli):
    result = run_cli("backtest")
    assert result.exit_code == 2
    assert result.stderr == (
        "ssa-risk backtest: Missing argument 'CASES_DIR' — see 'ssa-risk backtest --help'\n"
    )
    result = run_cli("backtest", "cases", "--flag-at", "severe")
    assert result.exit_code == 2
    assert "'severe' is not one of 'low', 'moderate', 'high', 'critical'" in result.stderr


# --- impact and coverage --------------------------------------------------------------------

IMPACT_BACKTEST = """\
## Backtest (cases, flagged at high)

| | Before | After |
| --- | ---: | ---: |
| Hits | 1 | 2 |
| Misses | 1 | 0 |
| False alarms | 1 | 1 |
| Correct rejections | 1 | 1 |
| Hit rate | 50% | 100% |
| False-alarm rate | 50% | 50% |

- bravo-coup: rating moderate → high; miss → hit; expected but not flagged: civil_military → none
"""


@pytest.fixture
def new_rules(project: Path) -> Path:
    """The project's rules with BT-CM2 (a rising military) raised from moderate to high."""
    shutil.copytree("rules", "rules-new")
    edit_file(Path("rules-new/civil_military.yaml"), "severity: moderate", "severity: high")
    return Path("rules-new")


def test_impact_shows_the_backtest_before_and_after(run_cli, new_rules):
    result = run_cli("impact", "--before", "rules", "--after", "rules-new")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("No profile's findings or ratings change.\n\n" + IMPACT_BACKTEST)


def test_impact_json_has_the_backtest(run_cli, new_rules):
    result = run_cli("impact", "--before", "rules", "--after", "rules-new", "--format", "json")
    assert result.exit_code == 0, result.stderr
    backtest = json.loads(result.stdout)["backtest"]
    assert list(backtest) == ["cases_dir", "flag_at", "before", "after", "changed"]
    assert backtest["before"]["hits"] == 1
    assert backtest["after"] == {
        "hits": 2,
        "misses": 0,
        "false_alarms": 1,
        "correct_rejections": 1,
        "hit_rate": 1.0,
        "false_alarm_rate": 0.5,
    }
    assert backtest["changed"] == [
        {
            "case": "bravo-coup",
            "rating": ["moderate", "high"],
            "outcome": ["miss", "hit"],
            "missed_flags": [["civil_military"], []],
            "unexpected_flags": [[], []],
        }
    ]


def test_impact_without_a_change_in_the_backtest(run_cli, project):
    result = run_cli("impact", "--before", "rules", "--after", "rules")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("| False-alarm rate | 50% | 50% |\n\nNo case's result changes.\n")


def test_impact_without_cases_has_no_backtest(run_cli, project):
    shutil.rmtree("cases")
    result = run_cli("impact", "--before", "rules", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["backtest"] is None
    assert "Backtest" not in run_cli("impact", "--before", "rules").stdout


def test_project_file_names_the_cases_folder(run_cli, project, new_rules):
    shutil.move("cases", "history")
    Path("ssa-risk.toml").write_text(
        'rules = "rules"\nprofiles = "profiles"\ncases = "history"\n', encoding="utf-8"
    )
    result = run_cli("impact", "--before", "rules", "--after", "rules-new")
    assert result.exit_code == 0, result.stderr
    assert "## Backtest (history, flagged at high)" in result.stdout


def test_impact_reports_problems_of_the_cases(run_cli, new_rules):
    edit_file(Path("cases/alpha-coup/outcome.yaml"), "lens: civil_military", "lens: coups")
    result = run_cli("impact", "--before", "rules", "--after", "rules-new")
    assert result.exit_code == 2
    # Checked against each rule set: a lens may be in the old rules and not in the new.
    assert result.stderr == "".join(
        f"cases/alpha-coup/outcome.yaml:7:1: lens: 'coups' is not a lens of the rules in {r} "
        "— use one of: civil_military, political_context, human_rights\n"
        for r in ("rules", "rules-new")
    )


def test_coverage_ends_with_the_backtest_summary(run_cli, project):
    result = run_cli("rules", "test", "--coverage")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Backtest (cases, flagged at high): 4 cases, 1 hit, 1 miss, 1 false alarm, "
        "1 correct rejection; hit rate 50%, false-alarm rate 50%"
    )


def test_coverage_without_cases_has_no_backtest_line(run_cli, project):
    shutil.rmtree("cases")
    result = run_cli("rules", "test", "--coverage")
    assert result.exit_code == 0, result.stderr
    assert "Backtest" not in result.stdout
