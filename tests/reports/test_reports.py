"""Report formats: JSON against its published schema, the timeline, and format options."""

from __future__ import annotations

import json
import re
import shutil

import jsonschema

from ssa_risk.assessment.serialize import ASSESSMENT_SCHEMA_PATH
from tests.helpers import DEFAULT_TEMPLATES, TUNISIA_2020


def test_json_report_validates_against_the_published_schema(run_cli, tmp_path):
    assert run_cli("assess", str(TUNISIA_2020), "--format", "json", "-o", "a.json").exit_code == 0
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    schema = json.loads(ASSESSMENT_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
    assert data["schema_version"] == 3
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
        "Tunisia 2010-12 to 2020-07 (4 snapshots): high risk — conditions required, score 61 → "
        "t.md\n"
    )
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "| Lens | 2010-12 | 2013-12 | 2016-12 | 2020-07 |" in text
    assert (
        "| Civil-military relations and coup risk | 37 moderate | 67 critical | 17 low | 54 high |"
        in text
    )
    assert (
        "| Assistance design and planning | 34 moderate | 71 critical | 27 moderate | 0 low |"
        in text
    )
    assert "### 2016-12 → 2020-07" in text
    assert "- Public support for military rule alongside an elevated military, high" in text
    # Mitigations are not findings: they are listed apart.
    assert (
        "Mitigations and protective factors now in place:\n\n"
        "- The military returned to civilian oversight\n"
    ) in text
    assert "# Latest snapshot: 2020-07" in text


def test_folder_without_snapshots_is_a_user_error(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("assess", "empty")
    assert result.exit_code == 2
    assert result.stderr == (
        "empty: no .yaml snapshots in this folder, nor in a country folder inside it"
        " — name a country folder of profiles, e.g. profiles/tunisia\n"
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


def test_reasoning_chain_shows_the_signals_a_finding_relied_on(run_cli, tmp_path):
    assert run_cli("assess", str(TUNISIA_2020), "-o", "r.md").exit_code == 0
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    # In the body, the facts behind the signal; in the annex, the signal and the rule.
    assert re.search(
        r"^- Tunisian Armed Forces \(Ministry of National Defence\): budget trend: rising"
        r" \(2020\.yaml:34; source \[1\]\)$",
        report,
        re.M,
    )
    assert "reasoning: signal `military_elevated` → CMR-02." in report


def test_unreadable_template_is_an_input_error(run_cli, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    (templates / "report.md.j2").write_bytes(b"caf\xe9 {{ a.country }}")
    result = run_cli("assess", str(TUNISIA_2020), "-o", "r.md", "--templates", "templates")
    assert result.exit_code == 2
    assert result.stderr == (
        "templates/report.md.j2:1: byte 0xe9 is not valid UTF-8 — save the file as UTF-8\n"
    )


def test_report_names_the_sections_a_profile_leaves_out(run_cli, tmp_path):
    (tmp_path / "thin.yaml").write_text(
        "schema_version: 1\ncountry: Thinland\niso3: THN\nas_of: 2020-01\n"
        "sources: [{id: s, title: S}]\nthreats: [{kind: terrorism, level: low}]\n",
        encoding="utf-8",
    )
    assert run_cli("assess", "thin.yaml", "-o", "r.md").exit_code == 0
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert (
        "**Not covered by this profile:** civil military, institutions, rivalries, reform,"
        " political context, human rights, assistance."
    ) in report
    tunisia = run_cli("assess", str(TUNISIA_2020), "-o", "t.md")
    assert tunisia.exit_code == 0
    assert "Not covered by this profile" not in (tmp_path / "t.md").read_text(encoding="utf-8")


def test_programme_names_with_dollar_signs_render_in_html(run_cli, tunisia_copy):
    path = tunisia_copy / "2013.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: Foreign Military Financing,", "name: FMF $17m and $29m,", 1)
    )
    result = run_cli("assess", "tunisia/2013.yaml", "--format", "html", "-o", "r.html")
    assert result.exit_code == 0, result.stderr
    assert "FMF $17m and $29m" in (tunisia_copy.parent / "r.html").read_text(encoding="utf-8")


def test_every_report_opens_with_the_key_judgements(run_cli, tmp_path):
    assert run_cli("assess", str(TUNISIA_2020), "-o", "a.md").exit_code == 0
    md = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert md.startswith(
        "# Security assistance suitability: Tunisia (2020-07)\n\n"
        "## Key judgements\n\n"
        "**Overall: high risk — conditions required, with a score of 61 of 100.** Confidence: "
        "moderate. 7 of 8 weighted lenses were assessed, and 5 of 32 risk findings rest on facts "
        "stated more than 5 years before 2020-07.\n\n"
        "What drives it:\n\n"
        "1. Human rights and repression: critical, score 100 (weight 2). Heaviest finding: "
        "Abuses under emergency powers (Internal security forces (Ministry of Interior, incl. "
        "police, National Guard and intelligence): torture).\n"
    )
    assert "\n*By SSA Risk maintainers, as of 2020-07.*\n" in md
    assert md.index("## Key judgements") < md.index("## Rating") < md.index("## Summary")
    # The evidence warnings are said once, among the data gaps.
    assert md.count("The recorded assistance ends in FY2013") == 1

    assert run_cli("assess", str(TUNISIA_2020), "--format", "html", "-o", "a.html").exit_code == 0
    html = (tmp_path / "a.html").read_text(encoding="utf-8")
    body = html[html.index("<body>") :]
    assert body.index('<h2 id="key-judgements">Key judgements</h2>') < body.index('id="rating"')
    assert "<li>Human rights and repression is 100: critical from 65.</li>" in html

    assert run_cli("assess", str(TUNISIA_2020.parent), "-o", "t.md").exit_code == 0
    timeline = (tmp_path / "t.md").read_text(encoding="utf-8")
    latest = timeline[timeline.index("# Latest snapshot: 2020-07") :]
    assert latest.startswith("# Latest snapshot: 2020-07\n\n## Key judgements\n\n**Overall: high")


def test_a_programme_without_an_amount_is_not_recorded_never_zero():
    from ssa_risk import api
    from tests.helpers import DEFAULT_PROFILES

    jordan = api.assess_profile(DEFAULT_PROFILES / "jordan" / "2020.yaml")
    assert not any(p.amount_known for p in jordan.portfolio.programmes)
    text = api.render(jordan, "md")
    assert "No programme has a recorded amount (6 programmes)." in text
    assert "| $0 |" not in text
    assert "| not recorded |" in text
    # Tunisia records its amounts: the totals read as before.
    tunisia = api.render(api.assess_profile(DEFAULT_PROFILES / "tunisia" / "2020.yaml"), "md")
    assert "Recorded programmes total $279.2 million: grants" in tunisia
