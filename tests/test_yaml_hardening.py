"""YAML read by YAML 1.2 rules, control characters, one-line fields, duplicate ids, amounts,
and hostile saved assessments given to `diff`: each gives one line per problem and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InputError
from engine.yamlsrc import load_yaml, parse_yaml

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


def _problems(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "p.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_yaml(path, "p.yaml")
    return [str(p) for p in info.value.problems]


# --- control characters ------------------------------------------------------------------


def test_control_characters_are_reported_with_line_and_column_in_one_pass(tmp_path):
    assert _problems(tmp_path, b"a: 1\nb: x\x01y\nc: \x7f\n") == [
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
    from engine.profile import check_profile

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
    assert _problems(tmp_path, f"a: 1\nv: {written}\n") == [f"p.yaml:2:4: {message}"]


def test_largest_accepted_integer():
    assert _read("v: 999999999999999999\n")["v"] == 10**18 - 1
