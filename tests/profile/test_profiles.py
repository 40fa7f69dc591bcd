"""Profile schema and validation: fixtures as data, hostile input, snapshots, commands."""

from __future__ import annotations

import json
import shutil
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from ssa_risk.assessment.batch import profiles_in
from ssa_risk.base.errors import InputError
from ssa_risk.profile import skeleton
from ssa_risk.profile.facts import profile_facts
from ssa_risk.profile.reader import SCHEMA_PATH, check_profile, load_profile
from ssa_risk.profile.schema import profile_schema_json
from ssa_risk.profile.skeleton import profile_skeleton
from ssa_risk.profile.snapshots import load_snapshot
from tests.helpers import DEFAULT_PROFILES, REPO_ROOT

PROFILES = profiles_in(DEFAULT_PROFILES)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "profiles"
TODAY = date(2026, 1, 1)


def _expected(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "invalid").glob("*.yaml")), ids=lambda p: p.stem
)
def test_invalid_fixture_gives_exactly_its_expected_messages(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    problems = [str(p) for p in check_profile(Path(path.name), path.name, TODAY)]
    assert problems == _expected(path)
    assert problems  # a fixture in invalid/ must have at least one expectation


@pytest.mark.parametrize("path", sorted((FIXTURES / "valid").glob("*.yaml")), ids=lambda p: p.stem)
def test_valid_fixture_has_no_problem(path):
    assert check_profile(path, None, TODAY) == []


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_bundled_profile_validates_and_names_the_schema_for_editors(path):
    assert check_profile(path) == []
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../engine/schemas/profile.schema.json"
    assert (path.parent / first.split("=", 1)[1]).resolve() == SCHEMA_PATH.resolve()


def test_tunisia_has_the_four_snapshots():
    assert [p.stem for p in sorted((DEFAULT_PROFILES / "tunisia").glob("*.yaml"))] == [
        "2010",
        "2013",
        "2016",
        "2020",
    ]


def test_published_schema_is_generated_from_its_definition():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == profile_schema_json(), "run: make schema"


def test_tunisia_aid_tables_add_up_to_the_published_totals():
    profile = load_profile(DEFAULT_PROFILES / "tunisia" / "2013.yaml")
    programmes = profile.data["assistance"]["programmes"]
    by_span: dict[tuple[int, int], int] = {}
    for p in programmes:
        span = (p["from_fy"], p["to_fy"])
        by_span[span] = by_span.get(span, 0) + p["total_usd"]
    assert by_span == {(2001, 2010): 141_852_685, (2011, 2013): 137_308_000}
    columns = [sum(p["by_year"][i] for p in programmes if "by_year" in p) for i in range(3)]
    assert columns == [38_010_214, 64_714_730, 34_583_056]  # Table 2's yearly totals


# --- snapshots that extend earlier ones -------------------------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BASE = """schema_version: 1
country: Testland
iso3: TST
as_of: 2010-01
sources:
  - {id: s1, title: One}
institutions:
  - {id: army, name: Army, kind: armed_forces, budget_trend: stable}
  - {id: police, name: Police, kind: interior_forces}
threats:
  - {kind: terrorism, level: low}
"""


def test_extending_snapshot_merges_by_id_replaces_lists_and_keeps_each_files_lines(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "2010.yaml", BASE)
    _write(
        tmp_path,
        "2015.yaml",
        "extends: 2010.yaml\nas_of: 2015-01\ninstitutions:\n"
        "  - {id: army, budget_trend: rising}\n"
        "  - {id: guard, name: Guard, kind: presidential_guard}\n"
        "threats:\n  - {kind: insurgency, level: high}\n",
    )
    doc = load_snapshot(tmp_path / "2015.yaml")
    assert doc.data["as_of"] == "2015-01"
    assert "extends" not in doc.data
    assert [i["id"] for i in doc.data["institutions"]] == ["army", "police", "guard"]
    assert doc.data["institutions"][0] == {
        "id": "army",
        "name": "Army",
        "kind": "armed_forces",
        "budget_trend": "rising",
    }
    assert doc.data["threats"] == [{"kind": "insurgency", "level": "high"}]
    where = {
        path: (loc.file, loc.line)
        for path, loc in doc.locations.items()
        if path
        in {
            ("institutions", 0, "budget_trend"),
            ("institutions", 0, "name"),
            ("institutions", 2, "kind"),
            ("sources", 0),
        }
    }
    assert where == {
        ("institutions", 0, "budget_trend"): ("2015.yaml", 4),
        ("institutions", 0, "name"): ("2010.yaml", 8),
        ("institutions", 2, "kind"): ("2015.yaml", 5),
        ("sources", 0): ("2010.yaml", 6),
    }


def test_problem_in_an_inherited_value_names_the_file_that_holds_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "2010.yaml", BASE.replace("budget_trend: stable", "budget_trend: up"))
    _write(tmp_path, "2015.yaml", "extends: 2010.yaml\nas_of: 2015-01\n")
    assert [str(p) for p in check_profile(tmp_path / "2015.yaml", None, TODAY)] == [
        "2010.yaml:8:48: institutions[0].budget_trend: 'up' is not an allowed value"
        " — use one of: rising, stable, declining"
    ]


@pytest.mark.parametrize(
    ("extends", "message"),
    [
        (
            "2015.yaml",
            "2015.yaml:1: extends: '2015.yaml' leads back to a snapshot already in"
            " the chain — remove the loop: a snapshot can only extend an earlier one",
        ),
        (
            "1999.yaml",
            "2015.yaml:1: extends: '1999.yaml' not found next to this file"
            " — name an existing snapshot in the same folder",
        ),
        (
            "../x.yaml",
            "2015.yaml:1: extends: must name a snapshot file in the same folder"
            " — write e.g. 'extends: 2016.yaml'",
        ),
    ],
    ids=["loop", "missing", "other-folder"],
)
def test_bad_extends(tmp_path, monkeypatch, extends, message):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "2015.yaml", f"extends: {extends}\n" + BASE)
    assert [str(p) for p in check_profile(Path("2015.yaml"), None, TODAY)] == [message]


def test_field_sources_override_the_objects_sources_in_facts(tmp_path):
    path = FIXTURES / "valid" / "field-sources.yaml"
    reform = next(f for f in profile_facts(load_profile(path, None, TODAY)) if f.kind == "reform")
    assert reform.sources_for("status") == ("s2",)
    assert reform.sources_for("trend") == ("s1",)
    assert "field_sources" not in reform.fields


# --- hostile input: one message, bounded time and memory ---------------------------------

HOSTILE = {
    "empty": ("", ["p.yaml:1:1: file is empty — write the YAML content it should hold"]),
    "list": (
        "- a\n- b\n",
        [
            "p.yaml:1:1: a profile must be a mapping of fields, but this file"
            " holds a list — start the file with 'schema_version: 1' and the"
            " profile's fields"
        ],
    ),
    "scalar": (
        "just text\n",
        [
            "p.yaml:1:1: a profile must be a mapping of fields, but this"
            " file holds a single value — start the file with"
            " 'schema_version: 1' and the profile's fields"
        ],
    ),
    "syntax": (
        "a: [1, 2\n",
        [
            "p.yaml:2:1: YAML syntax error: expected ',' or ']', but got"
            " '<stream end>' — fix the YAML syntax at this point"
        ],
    ),
    "tabs": (
        "a:\n\tb: 1\n",
        [
            "p.yaml:2:1: YAML syntax error: found character '\\t' that cannot"
            " start any token — indent with spaces, not tabs"
        ],
    ),
    "non-utf8": (
        b"country: Tun\xefsia\n",
        ["p.yaml:1: byte 0xef is not valid UTF-8 — save the file as UTF-8"],
    ),
    "python-tag": (
        "a: !!python/object/apply:os.system [ls]\n",
        [
            "p.yaml:1:4: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is"
            " not allowed — remove the tag; only plain text, numbers, true/false, lists"
            " and mappings are read"
        ],
    ),
    "deep": (
        "a: " + "[" * 100 + "]" * 100 + "\n",
        ["p.yaml:1:68: nesting deeper than 64 levels — flatten the structure"],
    ),
    "alias-bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        [
            "p.yaml:1:32: more than 200,000 values (counting alias expansion)"
            " — remove repeated anchors/aliases or split the file"
        ],
    ),
    "oversized": (
        "a: " + "x" * (3 * 1024 * 1024) + "\n",
        [
            "p.yaml: file is 3,145,732 bytes, over the 2,097,152-byte limit"
            " — split it or remove unrelated content"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE), ids=str)
def test_hostile_profile_gets_one_clear_message_in_bounded_time_and_memory(tmp_path, case):
    content, expected = HOSTILE[case]
    path = tmp_path / "p.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_profile(path, "p.yaml", TODAY)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [str(p) for p in info.value.problems] == expected
    # A bound on runaway work (an alias bomb expands without end), not a speed target: speed
    # is measured in benchmarks/. Generous, so a loaded machine does not fail it.
    assert elapsed < 30, f"took {elapsed:.1f}s"
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


# --- commands ----------------------------------------------------------------------------


def test_validate_command_reports_valid_and_invalid_profiles(run_cli):
    bad = FIXTURES / "invalid" / "unknown-key.yaml"
    result = run_cli("validate", str(DEFAULT_PROFILES / "tunisia" / "2020.yaml"), str(bad))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].endswith("profiles/tunisia/2020.yaml: valid")
    assert lines[1].endswith(
        "unknown-key.yaml:9:1: countyr: unknown key 'countyr' — did you mean 'country'?"
    )
    assert lines[2] == "1 problem in 1 of 2 profiles"


def test_validate_json_format(run_cli):
    bad = FIXTURES / "invalid" / "enum-value.yaml"
    result = run_cli("validate", "--format", "json", str(bad))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["format_version"] == 1
    [entry] = report["profiles"]
    assert entry["valid"] is False
    assert entry["problems"] == [
        {
            "file": entry["path"],
            "line": 10,
            "column": 3,
            "message": "political_context.polarisation: 'extreme' is not an allowed value",
            "fix": "use one of: none, low, moderate, high, severe",
        }
    ]


def test_validate_all_bundled_profiles_exits_0(run_cli):
    result = run_cli("validate", *map(str, PROFILES))
    assert result.exit_code == 0
    assert result.stdout.count(": valid\n") == len(PROFILES) == 20


def _two_countries(root: Path) -> Path:
    """A profiles folder: Tunisia's four snapshots, and one of Jordan."""
    shutil.copytree(DEFAULT_PROFILES / "tunisia", root / "profiles" / "tunisia")
    (root / "profiles" / "jordan").mkdir()
    jordan = (root / "profiles" / "tunisia" / "2010.yaml").read_text(encoding="utf-8")
    jordan = jordan.replace("country: Tunisia", "country: Jordan").replace("iso3: TUN", "iso3: JOR")
    (root / "profiles" / "jordan" / "2010.yaml").write_text(jordan, encoding="utf-8")
    return root / "profiles"


def test_validate_a_profiles_folder_checks_every_country_folder_in_it(run_cli, tmp_path):
    _two_countries(tmp_path)
    result = run_cli("validate", "profiles")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [
        "profiles/jordan/2010.yaml: valid",
        *(f"profiles/tunisia/{year}.yaml: valid" for year in (2010, 2013, 2016, 2020)),
    ]


def test_validate_a_folder_finds_snapshots_of_another_country_as_assess_does(run_cli, tmp_path):
    profiles = _two_countries(tmp_path)
    shutil.copy(profiles / "jordan" / "2010.yaml", profiles / "tunisia" / "2011.yaml")
    (profiles / "tunisia" / "2020.yaml").write_text("- a list\n", encoding="utf-8")
    mixed = (
        "profiles/tunisia/2011.yaml: is a snapshot of Jordan, but profiles/tunisia/2010.yaml is of "
        "Tunisia — keep one country's snapshots per folder"
    )
    result = run_cli("validate", "profiles/tunisia")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "profiles/tunisia/2010.yaml: valid",
        mixed,
        "profiles/tunisia/2013.yaml: valid",
        "profiles/tunisia/2016.yaml: valid",
        "profiles/tunisia/2020.yaml:1:1: a profile must be a mapping of fields, but this file "
        "holds a list — start the file with 'schema_version: 1' and the profile's fields",
        "2 problems in 2 of 5 profiles",
    ]
    (profiles / "tunisia" / "2020.yaml").unlink()
    assessed = run_cli("assess", "profiles/tunisia")
    assert assessed.exit_code == 2
    assert assessed.stderr == mixed + "\n"


def test_validate_a_folder_without_snapshots_is_one_problem(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("validate", "empty")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "empty: no .yaml snapshots in this folder, nor in a country folder inside it — name a "
        "country folder of profiles, e.g. profiles/tunisia",
        "1 problem in 1 of 1 profile",
    ]


def test_assess_a_profiles_folder_gives_one_timeline_per_country(run_cli, tmp_path):
    _two_countries(tmp_path)
    result = run_cli("assess", "profiles")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Jordan 2010-12 to 2010-12 (1 snapshot): suitable with safeguards, score 43 → "
        "reports/jordan-timeline.md",
        "Tunisia 2010-12 to 2020-07 (4 snapshots): high risk — conditions required, score 61 → "
        "reports/tunisia-timeline.md",
    ]


RULE_FILE = "is a rule file, not a profile — check it with 'ssa-risk rules lint'"


def test_a_rule_file_named_as_a_profile_is_one_line(run_in_checkout):
    names = ("rules/civil_military.yaml", "rules/scoring.yaml", "rules/references.yaml")
    result = run_in_checkout("validate", *names)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        *(f"{name}: {RULE_FILE}" for name in names),
        "3 problems in 3 of 3 profiles",
    ]
    for args in (
        ("diff", "profiles/tunisia/2020.yaml", "rules/scoring.yaml"),
        ("explain", "rules/civil_military.yaml"),
    ):
        refused = run_in_checkout(*args)
        assert refused.exit_code == 2
        assert refused.stdout == ""
        assert refused.stderr == f"{args[-1]}: {RULE_FILE}\n"


def test_new_profile_writes_a_skeleton_that_validates_as_written(run_cli, tmp_path):
    result = run_cli(
        "new-profile",
        "Côte d'Ivoire",
        "--as-of",
        "2024-06",
        "--iso3",
        "civ",
        "-o",
        "civ/2024-06.yaml",
        "--author",
        "A. Analyst",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "wrote civ/2024-06.yaml; check it with: ssa-risk validate civ/2024-06.yaml\n"
    )
    path = tmp_path / "civ" / "2024-06.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'country: "Côte d\'Ivoire"' in text
    assert "#     kind:  # one of armed_forces, interior_forces" in text
    # The sections for coup-prone states, sub-units and several frameworks are there too.
    for line in (
        "#   neighbour_coups:",
        "#     parent:  # Id of the institution this unit belongs to, for a sub-unit (the Leahy"
        " laws name units, not whole ministries)",
        "#   frameworks:",
        "#       status:  # one of active, lapsed, planned",
        "# foreign_forces:",
        "#     confidence:  # one of low, moderate, high",
    ):
        assert line in text.splitlines()
    assert "field_confidence:  #" not in text  # explained once at the top
    assert check_profile(path) == []
    # Outside a checkout of ssa-risk the schema is in the installed package: no path to it.
    assert text.splitlines()[:4] == [
        "# For editors to check this file as you type, start it with a yaml-language-server",
        "# $schema comment naming profile.schema.json (in the schemas folder of the ssa_risk",
        "# package; see README, Profiles).",
        "#",
    ]
    again = run_cli(
        "new-profile", "X", "--as-of", "2024-06", "--iso3", "XXX", "-o", "civ/2024-06.yaml"
    )
    assert again.exit_code == 2
    assert again.stderr == (
        "civ/2024-06.yaml: already exists — choose another --as-of or -o, "
        "or remove the file first\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--as-of", "June", "--iso3", "TST"],
            "--as-of: 'June' is not a month or a date — write it as YYYY-MM or YYYY-MM-DD, "
            "e.g. 2024-06\n",
        ),
        (
            ["--as-of", "2024-02-30", "--iso3", "TST"],
            "--as-of: '2024-02-30' is not a month or a date — write it as YYYY-MM or "
            "YYYY-MM-DD, e.g. 2024-06\n",
        ),
        (
            ["--as-of", "2024-06", "--iso3", "TS"],
            "--iso3: 'TS' is not a three-letter code — e.g. TUN for Tunisia\n",
        ),
    ],
    ids=["as-of", "as-of-no-such-day", "iso3"],
)
def test_new_profile_bad_options(run_cli, args, message):
    result = run_cli("new-profile", "Testland", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_new_profile_takes_a_day_as_the_schema_does(run_cli, tmp_path):
    result = run_cli("new-profile", "Jordan", "--as-of", "2024-06-15", "--iso3", "JOR")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "wrote profiles/jordan/2024-06-15.yaml; "
        "check it with: ssa-risk validate profiles/jordan/2024-06-15.yaml\n"
    )
    assert 'as_of: "2024-06-15"\n' in (tmp_path / "profiles/jordan/2024-06-15.yaml").read_text()
    assert run_cli("validate", "profiles/jordan/2024-06-15.yaml").exit_code == 0


def test_skeleton_in_the_checkout_names_its_schema_relative_to_the_new_file():
    target = REPO_ROOT / "profiles" / "testland" / "2024-06.yaml"  # computed, not written
    text = profile_skeleton("Testland", "TST", "2024-06", (), target)
    first = text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../engine/schemas/profile.schema.json"
    assert (target.parent / first.split("=", 1)[1]).resolve() == SCHEMA_PATH.resolve()


def test_skeleton_leaves_out_a_schema_installed_inside_the_project(tmp_path, monkeypatch):
    (tmp_path / "ssa-risk.toml").write_text("", encoding="utf-8")
    schemas = tmp_path / ".venv" / "lib" / "site-packages" / "ssa_risk" / "schemas"
    schemas.mkdir(parents=True)
    shutil.copy(SCHEMA_PATH, schemas)
    monkeypatch.setattr(skeleton, "SCHEMA_PATH", schemas / "profile.schema.json")
    text = profile_skeleton("Testland", "TST", "2024-06", (), tmp_path / "profiles/t/2024-06.yaml")
    assert "yaml-language-server: $schema" not in text
    assert text.startswith("# For editors to check this file as you type, start it with")
