"""Same inputs, byte-identical reports."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import REPO_ROOT, TUNISIA_2020


def test_report_is_identical_across_processes_working_folders_and_hash_seeds(tmp_path):
    # Anywhere inside the project, paths are shown relative to the project root.
    folders = [REPO_ROOT, REPO_ROOT / "profiles" / "tunisia", REPO_ROOT / "engine" / "base"]
    outputs = []
    for i, (cwd, seed) in enumerate(zip(folders, "123", strict=True)):
        out = tmp_path / f"r{i}.md"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "cli.py"),
                "assess",
                str(TUNISIA_2020),
                "-o",
                str(out),
            ],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"(profiles/tunisia/2020.yaml:22)" in outputs[0]
