"""The library as a script or a notebook uses it, starting with the README's example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssa_risk import api
from tests.helpers import DEFAULT_PROFILES, DEFAULT_RULES, REPO_ROOT, TUNISIA_2020

# The example in the README ("Use from Python"), word for word.
README_EXAMPLE = """\
from pathlib import Path

from ssa_risk import api

assessor = api.load_assessor()  # the project's rules and templates, else the bundled ones
print(f"{len(assessor.ruleset.rules)} rules from {assessor.ruleset.directory}")
assessment = api.assess_profile(Path("profiles/tunisia/2020.yaml"), assessor)
print(f"{assessment.country} {assessment.as_of}: {assessment.overall}")
for finding in assessment.findings[:3]:
    print(f"  {finding.rule_id} {finding.severity}: {finding.title}")
Path("tunisia-2020.md").write_text(api.render(assessment, "md"), encoding="utf-8")
"""


def test_the_readme_example_runs_in_a_folder_with_profiles(tmp_path, monkeypatch, capsys):
    shutil.copytree(DEFAULT_PROFILES, tmp_path / "profiles")
    monkeypatch.chdir(tmp_path)
    exec(compile(README_EXAMPLE, "README.md", "exec"), {})
    count = len(api.load_rules(DEFAULT_RULES).rules)
    assert capsys.readouterr().out == (
        f"{count} rules from <bundled>/rules\n"
        "Tunisia 2020-07: high risk — conditions required\n"
        "  CMR-02 high: Public support for military rule alongside an elevated military\n"
        "  CMR-04 high: Assistance flows to a military whose political weight is rising\n"
        "  CMR-09 moderate: Structural: substantial public support for military rule\n"
    )
    report = (tmp_path / "tunisia-2020.md").read_text(encoding="utf-8")
    assert report.startswith("# Security assistance suitability")
    assert "| Profile | `profiles/tunisia/2020.yaml` (sha256 " in report
    assert "| Rule set | `<bundled>/rules` (sha256 " in report


def test_assess_a_folder_gives_a_timeline_and_files_give_assessments(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    folder, single = api.assess([DEFAULT_PROFILES / "tunisia", TUNISIA_2020])
    assert isinstance(folder.result, api.Timeline)
    assert [a.as_of for a in folder.result.snapshots] == [
        "2010-12",
        "2013-12",
        "2016-12",
        "2020-07",
    ]
    assert isinstance(single.result, api.Assessment)
    assert single.result.provenance.rules_folder == "rules"
    assert api.render(single.result, "json").startswith('{\n  "schema_version": 3,')


def test_make_reports_names_and_sums_up_without_writing(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    reports = api.make_reports([DEFAULT_PROFILES / "tunisia", TUNISIA_2020], "md", out_dir=tmp_path)
    assert [(r.target.name, r.summary) for r in reports] == [
        (
            "tunisia-timeline.md",
            "Tunisia 2010-12 to 2020-07 (4 snapshots): high risk — conditions required, score 61",
        ),
        (
            "tunisia-2020.md",
            "Tunisia 2020-07: high risk — conditions required, score 61 (40 findings)",
        ),
    ]
    assert list(tmp_path.iterdir()) == []
    api.write_reports(reports, "md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tunisia-2020.md", "tunisia-timeline.md"]


def test_problems_in_every_profile_come_together(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text("country: X\n", encoding="utf-8")
    with pytest.raises(api.InputError) as info:
        api.assess([Path("a.yaml"), Path("b.yaml")], api.load_assessor(DEFAULT_RULES))
    assert {p.file for p in info.value.problems} == {"a.yaml", "b.yaml"}


def test_an_impact_has_no_html_form():
    empty = api.Impact("v1:rules", "rules", ())
    with pytest.raises(ValueError, match="an impact is written as md or json, not html"):
        api.render(empty, "html")
