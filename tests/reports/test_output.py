"""Writing reports: all or nothing, never over an input file, permissions and symlinks."""

from __future__ import annotations

import os
import shutil
import stat

from tests.helpers import TUNISIA_2020


def test_report_path_that_is_a_folder_leaves_no_partial_set(run_cli, tmp_path):
    (tmp_path / "reports" / "tunisia-2016.md").mkdir(parents=True)
    result = run_cli("assess")
    assert result.exit_code == 2
    assert (
        result.stderr == "reports/tunisia-2016.md: is a folder, not a file — name the report file\n"
    )
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["tunisia-2016.md"]


def test_two_profiles_with_one_report_name_are_refused(run_cli, tmp_path):
    other = tmp_path / "other" / "tunisia"
    shutil.copytree(TUNISIA_2020.parent, other)
    result = run_cli("assess", str(TUNISIA_2020), str(other / "2020.yaml"))
    assert result.exit_code == 2
    assert result.stderr == (
        "reports/tunisia-2020.md: two reports of this run would be written to this same file"
        " — use -o for one profile, or give the profiles distinct folders or names\n"
    )
    assert not (tmp_path / "reports").exists()


def test_report_never_overwrites_a_yaml_file(run_cli, tunisia_copy):
    before = (tunisia_copy / "2016.yaml").read_bytes()
    result = run_cli("assess", "tunisia/2020.yaml", "-o", "tunisia/2016.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "tunisia/2016.yaml: a report would overwrite a YAML file — name a .md file\n"
    )
    assert (tunisia_copy / "2016.yaml").read_bytes() == before


def test_report_follows_umask_and_writes_through_symlinks(run_cli, tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    (tmp_path / "link.md").symlink_to(real)
    old_umask = os.umask(0o022)
    try:
        assert run_cli("assess", str(TUNISIA_2020), "-o", "link.md").exit_code == 0
    finally:
        os.umask(old_umask)
    assert (tmp_path / "link.md").is_symlink()
    assert real.read_text(encoding="utf-8").startswith("# Security assistance suitability")
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
