"""Assessing several profiles and country folders in one run."""

from __future__ import annotations

import shutil

from tests.helpers import TUNISIA_2020


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
