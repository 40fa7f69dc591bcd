"""Rule sets from a git revision (`REV` or `REV:path`), read with git, no checkout needed."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .errors import InputError, Problem

DEFAULT_RULES_PATH = "rules"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise InputError(
            [Problem("git", None, None, "git is not installed", "install git, or pass a folder")]
        ) from None


def _fail(spec: str, message: str, fix: str) -> InputError:
    return InputError([Problem(spec, None, None, message, fix)])


def export_rules(spec: str, repo: Path, target: Path) -> str:
    """Write the rule files of `spec` into `target`; return the label to show for them."""
    rev, _, path = spec.partition(":")
    path = path.strip("/") or DEFAULT_RULES_PATH
    if _git(repo, "rev-parse", "--show-toplevel").returncode != 0:
        raise _fail(
            spec,
            "is not a folder, and this is not inside a git repository",
            "pass a rules folder, or run inside the project's repository",
        )
    if _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise _fail(
            spec,
            f"unknown git revision '{rev}'",
            "use a commit, branch or tag that exists (see 'git log')",
        )
    listing = _git(repo, "ls-tree", "--name-only", f"{rev}:{path}")
    if listing.returncode != 0:
        raise _fail(
            spec,
            f"'{path}' is not a folder in revision {rev}",
            "name the rules folder as it was in that revision, e.g. REV:rules",
        )
    names = [n for n in listing.stdout.decode().splitlines() if n.endswith(".yaml")]
    if not names:
        raise _fail(spec, f"no rule files in '{path}' at revision {rev}", "name the rules folder")
    for name in names:
        shown = _git(repo, "show", f"{rev}:{path}/{name}")
        (target / name).write_bytes(shown.stdout)
    return f"{rev}:{path}"


class RulesSource:
    """A rules folder, or a git revision exported to a temporary folder for as long as needed."""

    def __init__(self, spec: str, repo: Path) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        candidate = Path(spec)
        if candidate.is_dir():
            self.directory, self.label = candidate, None
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="ssa-risk-rules-")
        self.directory = Path(self._tmp.name)
        self.label = export_rules(spec, repo, self.directory)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> RulesSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
