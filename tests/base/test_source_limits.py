"""YAML read by YAML 1.2 rules, control characters, one-line fields, duplicate ids, amounts,
and hostile saved assessments given to `diff`: each gives one line per problem and exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssa_risk.base.source import parse_yaml
from tests.helpers import yaml_problems

PROFILE = """\
schema_version: 1
country: Testland
iso3: TST
as_of: 2020-06
sources:
  - id: s1
    title: A source
"""


def _read(text: str) -> dict[str, object]:
    doc = parse_yaml(text, "p.yaml")
    assert doc.problems == ()
    data: dict[str, object] = doc.data
    return data


# --- control characters ------------------------------------------------------------------


def test_control_characters_are_reported_with_line_and_column_in_one_pass(tmp_path):
    assert yaml_problems(tmp_path, b"a: 1\nb: x\x01y\nc: \x7f\n") == [
        "p.yaml:2:5: control character U+0001 is not allowed in YAML — delete it (most editors"
        " do not show it); only printable text, tabs and line breaks are allowed",
        "p.yaml:3:4: control character U+007F is not allowed in YAML — delete it (most editors"
        " do not show it); only printable text, tabs and line breaks are allowed",
    ]


def test_control_character_in_a_profile_is_one_line_on_the_command_line(run_cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(PROFILE.replace("Testland", "Test\x01land").encode())
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        "p.yaml:2:14: control character U+0001 is not allowed in YAML — delete it (most"
        " editors do not show it); only printable text, tabs and line breaks are allowed"
    )
    assert "position" not in result.stdout + result.stderr


# --- YAML 1.2 scalars ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("1e308", 1e308),
        ("1.5e3", 1500.0),
        ("-2.", -2.0),
        (".5", 0.5),
        ("1:30", "1:30"),
        ("0x2F", "0x2F"),
        ("0o17", "0o17"),
        ("017", 17),
        ("1_000", "1_000"),
        ("+12", 12),
        ("NO", "NO"),
        ("no", "no"),
        ("yes", "yes"),
        ("Yes", "Yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("2020-07-01", "2020-07-01"),
        ("'12'", "12"),
        ("!!str 12", "12"),
    ],
)
def test_plain_values_are_read_by_yaml_1_2_rules(written, read):
    value = _read(f"v: {written}\n")["v"]
    assert value == read
    assert type(value) is type(read)


def test_keys_are_read_by_yaml_1_2_rules_too():
    assert _read("NO: 1\nyes: 2\n0x2F: 3\n") == {"NO": 1, "yes": 2, "0x2F": 3}


def test_country_code_no_is_text_in_a_profile(tmp_path):
    from ssa_risk.profile.reader import check_profile

    path = tmp_path / "no.yaml"
    path.write_text(PROFILE.replace("country: Testland", "country: NO"), encoding="utf-8")
    assert check_profile(path, "no.yaml") == []


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1e400", "'1e400' is too large to be a number — write a finite number"),
        ("-1e400", "'-1e400' is too large to be a number — write a finite number"),
        (".inf", "infinity is not allowed — write a finite number"),
        ("-.Inf", "infinity is not allowed — write a finite number"),
        (".NaN", "NaN is not a number the engine can compare — write a number"),
        (
            "1" + "0" * 400,
            "'10000000000000000000…' has more than 18 digits — write a smaller number",
        ),
        (
            "-" + "9" * 19,
            "'-9999999999999999999' has more than 18 digits — write a smaller number",
        ),
    ],
)
def test_numbers_that_are_not_finite_or_too_long_are_refused_with_line_and_column(
    tmp_path, written, message
):
    assert yaml_problems(tmp_path, f"a: 1\nv: {written}\n") == [f"p.yaml:2:4: {message}"]


def test_largest_accepted_integer():
    assert _read("v: 999999999999999999\n")["v"] == 10**18 - 1


# --- one-line fields -------------------------------------------------------------------------


def _validate(tmp_path: Path, text: str) -> list[str]:
    from ssa_risk.profile.reader import check_profile

    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(p) for p in check_profile(path, "p.yaml")]


ONE_LINE = "must be one line — write it on one line (a summary or note field can span lines)"


def test_line_break_in_a_single_line_field_is_refused(tmp_path):
    text = PROFILE.replace("country: Testland", 'country: "Testland\\n# Injected heading"')
    assert _validate(tmp_path, text) == [f"p.yaml:2:1: country: {ONE_LINE}"]


def test_every_single_line_field_is_checked_and_prose_may_span_lines(tmp_path):
    text = (
        PROFILE.replace("iso3: TST", 'iso3: "TST\\n"')
        .replace("  - id: s1\n", '  - id: "s1\\r"\n    publisher: "A\\u2028B"\n')
        .replace("    title: A source\n", "    title: |\n      A source\n")
        + 'authors: ["One\\nTwo"]\n'
        + "summary: |\n  Two\n  lines.\n"
        + "institutions:\n"
        + "  - {id: army, name: Army, kind: armed_forces, role: 'Defence.\n\n    Peacekeeping.'}\n"
        + 'civil_military:\n  coups:\n    - {year: 1987, kind: palace, note: "One\\nTwo"}\n'
        + "assistance:\n  programmes:\n"
        + '    - {name: P, code: "C\\nD", kind: sale, from_fy: 2019, to_fy: 2019}\n'
    )
    assert _validate(tmp_path, text) == [
        f"p.yaml:3:1: iso3: {ONE_LINE}",
        f"p.yaml:6:5: sources[0].id: {ONE_LINE}",
        f"p.yaml:7:5: sources[0].publisher: {ONE_LINE}",
        f"p.yaml:8:5: sources[0].title: {ONE_LINE}",
        f"p.yaml:10:11: authors[0]: {ONE_LINE}",
        f"p.yaml:23:17: assistance.programmes[0].code: {ONE_LINE}",
    ]


def test_a_quoted_value_with_a_line_break_stays_on_one_line_in_the_message(tmp_path):
    text = PROFILE + 'reform:\n  status: "stalled\\nnow"\n'
    assert _validate(tmp_path, text) == [
        "p.yaml:9:3: reform.status: 'stalled\\nnow' is not an allowed value — did you mean"
        " 'stalled'? (one of: absent, deadlocked, stalled, progressing, consolidated)"
    ]


def test_assess_refuses_a_heading_smuggled_into_the_country_and_writes_nothing(run_cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        PROFILE.replace("country: Testland", 'country: "Testland\\n# Injected heading"'),
        encoding="utf-8",
    )
    result = run_cli("assess", str(path), "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"p.yaml:2:1: country: {ONE_LINE}"]
    assert not (tmp_path / "out.md").exists()


# --- amounts, years and percentages ----------------------------------------------------------


def test_absurd_amounts_are_refused_by_the_validator(tmp_path):
    text = PROFILE + (
        "assistance:\n"
        "  fms_usd: 10000000000000000\n"
        "  fmf_usd: 1000000000000000\n"
        "  frameworks: [{name: F, signed: 2019, duration_years: 1000}]\n"
        "  programmes:\n"
        "    - {name: P, kind: sale, from_fy: 2019, to_fy: 2019, by_year: [2000000000000000]}\n"
        "political_context: {emergency_powers_since: 2101}\n"
        "civil_military: {support_for_military_rule_pct: 100.5}\n"
    )
    most = "— use a value at most"
    assert _validate(tmp_path, text) == [
        f"p.yaml:9:3: assistance.fms_usd: 10,000,000,000,000,000 is out of range {most}"
        " 1,000,000,000,000,000",
        f"p.yaml:11:40: assistance.frameworks[0].duration_years: 1000 is out of range {most} 100",
        "p.yaml:13:67: assistance.programmes[0].by_year[0]: 2,000,000,000,000,000 is out of"
        f" range {most} 1,000,000,000,000,000",
        f"p.yaml:14:21: political_context.emergency_powers_since: 2101 is out of range {most} 2100",
        "p.yaml:15:18: civil_military.support_for_military_rule_pct: 100.5 is out of range"
        f" {most} 100",
    ]


def test_amount_of_four_hundred_digits_is_refused_on_the_command_line(run_cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE + "assistance:\n  fms_usd: 1" + "0" * 400 + "\n", encoding="utf-8")
    for command in ("validate", "assess"):
        result = run_cli(command, str(path), *(["-o", "out.md"] if command == "assess" else []))
        assert result.exit_code == 2, result.output
        assert (
            "p.yaml:9:12: '10000000000000000000…' has more than 18 digits — write a smaller"
            " number" in result.output
        )
    assert not (tmp_path / "out.md").exists()


# --- duplicate ids -----------------------------------------------------------------------------

DUPLICATE = "— merge the two entries into one, or give each its own id"
PROGRAMMES = """\
assistance:
  programmes:
    - {id: x, name: A, kind: sale, from_fy: 2019, to_fy: 2019}
    - {id: y, name: B, kind: sale, from_fy: 2019, to_fy: 2019}
    - {id: z, name: C, kind: sale, from_fy: 2019, to_fy: 2019}
    - {id: x, name: D, kind: sale, from_fy: 2019, to_fy: 2019}
"""


def test_duplicate_programme_ids_in_one_file_are_refused(tmp_path):
    text = PROFILE + "  - {id: s1, title: Again}\n" + PROGRAMMES
    text += "institutions:\n" + "  - {id: army, name: Army, kind: armed_forces}\n" * 2
    assert _validate(tmp_path, text) == [
        f"p.yaml:8:6: sources[1].id: duplicate id 's1' (also entry 0) {DUPLICATE}",
        f"p.yaml:14:8: assistance.programmes[3].id: duplicate id 'x' (also entry 0) {DUPLICATE}",
        f"p.yaml:17:6: institutions[1].id: duplicate id 'army' (also entry 0) {DUPLICATE}",
    ]


def _chain(folder: Path, base: str, extending: str) -> list[str]:
    from ssa_risk.profile.reader import check_profile

    (folder / "2019.yaml").write_text(base, encoding="utf-8")
    (folder / "2020.yaml").write_text(extending, encoding="utf-8")
    return [str(p) for p in check_profile(folder / "2020.yaml", "2020.yaml")]


def test_duplicate_ids_are_refused_in_every_file_of_a_chain(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extending = "extends: 2019.yaml\n" + PROGRAMMES
    assert _chain(tmp_path, PROFILE.replace("2020-06", "2019-06"), extending) == [
        f"2020.yaml:7:8: assistance.programmes[3].id: duplicate id 'x' (also entry 0) {DUPLICATE}"
    ]
    # The same list in the file that is extended, and an extending file that changes nothing.
    base = PROFILE.replace("2020-06", "2019-06") + PROGRAMMES
    assert _chain(tmp_path, base, "extends: 2019.yaml\nas_of: 2020-06\n") == [
        f"2019.yaml:13:8: assistance.programmes[3].id: duplicate id 'x' (also entry 0) {DUPLICATE}"
    ]
    # Both files hold programmes merged by id: each file's duplicates, once each.
    extending = "extends: 2019.yaml\n" + PROGRAMMES.replace("id: z", "id: w").replace(
        "id: y", "id: w"
    )
    assert _chain(tmp_path, base, extending) == [
        f"2019.yaml:13:8: assistance.programmes[3].id: duplicate id 'x' (also entry 0) {DUPLICATE}",
        f"2020.yaml:6:8: assistance.programmes[2].id: duplicate id 'w' (also entry 1) {DUPLICATE}",
        f"2020.yaml:7:8: assistance.programmes[3].id: duplicate id 'x' (also entry 0) {DUPLICATE}",
    ]


# --- hostile saved assessments given to diff --------------------------------------------------

SAVED = "— pass an assessment written by 'ssa-risk assess --format json'"


@pytest.fixture(scope="module")
def saved_assessment(tmp_path_factory) -> str:
    import json

    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.assessment.serialize import assessment_dict
    from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, TUNISIA_2020

    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    data = assessment_dict(assessor.assess(TUNISIA_2020, "tunisia-2020.yaml"))
    return json.dumps(data, indent=2)


@pytest.mark.parametrize(
    ("hostile", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "1:65: nesting deeper than 64 levels"),
        ('{"a": NaN}', "1:7: NaN is not a JSON number"),
        ('{"a": [1, -Infinity]}', "1:11: -Infinity is not a JSON number"),
        ('{"a": 1' + "0" * 5000 + "}", "1:7: number 10000000000000000000… has more than 18 digits"),
        ('{"a": 1e999}', "1:7: number 1e999 is too large"),
        ('{"a": "NaN [[[", "b": [1', "1:25: not valid JSON (Expecting ',' delimiter)"),
    ],
    ids=["deep", "nan", "infinity", "huge-int", "huge-float", "truncated"],
)
def test_hostile_json_given_to_diff_exits_2_with_file_line_and_fix(run_cli, hostile, message):
    Path("a.json").write_text(hostile, encoding="utf-8")
    result = run_cli("diff", "a.json", "a.json")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"a.json:{message} {SAVED}"]


def test_nan_deep_inside_a_real_assessment_is_refused(run_cli, saved_assessment):
    Path("good.json").write_text(saved_assessment, encoding="utf-8")
    text = saved_assessment.replace('"total_usd": ', '"total_usd": NaN, "x": ', 1)
    Path("bad.json").write_text(text, encoding="utf-8")
    line = text[: text.index("NaN")].count("\n") + 1
    result = run_cli("diff", "good.json", "bad.json")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(f"bad.json:{line}:")
    assert run_cli("diff", "good.json", "good.json").exit_code == 0


def test_wrong_type_deep_inside_an_assessment_is_refused(run_cli, saved_assessment):
    import json

    data = json.loads(saved_assessment)
    data["lenses"][0]["findings"] = "none"
    Path("bad.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("diff", "bad.json", "bad.json")
    assert result.exit_code == 2
    assert re.fullmatch(
        r"bad\.json:1:\d+: lenses\[0\]\.findings: expected a list, got text \('none'\)"
        r" — write a list\n",
        result.stderr,
    )
