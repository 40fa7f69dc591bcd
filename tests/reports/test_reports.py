"""Report formats: JSON against its published schema, the timeline, and format options."""

from __future__ import annotations

import json

import jsonschema

from ssa_risk.assessment.serialize import ASSESSMENT_SCHEMA_PATH
from tests.helpers import TUNISIA_2020


def test_json_report_validates_against_the_published_schema(run_cli, tmp_path):
    assert run_cli("assess", str(TUNISIA_2020), "--format", "json", "-o", "a.json").exit_code == 0
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    schema = json.loads(ASSESSMENT_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
    assert data["schema_version"] == 1
    assert data["overall"] == "high risk — conditions required"
    assert data["portfolio"]["total_usd"] == 141_852_685 + 137_308_000
    assert data["portfolio"]["by_fiscal_year"] == [
        [2011, 38_010_214],
        [2012, 64_714_730],
        [2013, 34_583_056],
    ]


def test_findings_are_ordered_by_lens_then_severity_then_rule_id(run_cli, tmp_path):
    assert run_cli("assess", str(TUNISIA_2020), "--format", "json", "-o", "a.json").exit_code == 0
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    order = ["low", "moderate", "high", "critical"]
    for lens in data["lenses"]:
        keys = [(-order.index(f["severity"]), f["rule_id"]) for f in lens["findings"]]
        assert keys == sorted(keys), lens["id"]


def test_timeline_report_shows_ratings_per_year_and_changes(run_cli, tmp_path):
    result = run_cli("assess", str(TUNISIA_2020.parent), "-o", "t.md")
    assert result.exit_code == 0
    assert result.stdout == (
        "Tunisia 2010-12 to 2020-07 (4 snapshots): high risk — conditions required → t.md\n"
    )
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "| Lens | 2010-12 | 2013-12 | 2016-12 | 2020-07 |" in text
    assert "| Civil-military relations and coup risk | low | high | high | high |" in text
    assert "| Assistance design and planning | moderate | high | low | low |" in text
    assert "### 2016-12 → 2020-07" in text
    assert "- CMR-02 Public support for military rule alongside an elevated military, high" in text
    assert "# Latest snapshot: 2020-07" in text


def test_folder_without_snapshots_is_a_user_error(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("assess", "empty")
    assert result.exit_code == 2
    assert result.stderr == (
        "empty: no .yaml snapshots in this folder"
        " — name a folder of profiles, e.g. profiles/tunisia\n"
    )


def test_every_format_is_byte_identical_on_a_second_run(run_cli, tmp_path):
    for fmt in ("md", "html", "json"):
        assert (
            run_cli("assess", str(TUNISIA_2020), "--format", fmt, "-o", f"a.{fmt}").exit_code == 0
        )
        assert (
            run_cli("assess", str(TUNISIA_2020), "--format", fmt, "-o", f"b.{fmt}").exit_code == 0
        )
        assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes(), fmt
