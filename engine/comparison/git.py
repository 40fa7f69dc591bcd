"""Rule sets from a git revision (`REV` or `REV:path`), read with git, no checkout needed."""

from __future__ import annotations

import os
import posixpath
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder
from ssa_risk.base.interrupts import cleanup_on_signals
from ssa_risk.base.paths import PROJECT_FILE
from ssa_risk.base.project import Project
from ssa_risk.base.source import MAX_BYTES
from ssa_risk.base.suggest import did_you_mean

DEFAULT_RULES_PATH = "rules"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            check=False,
            timeout=60,
            # Nothing is fetched at run time: in a partial clone, git would otherwise download
            # a missing object from the remote when asked for it.
            env={**os.environ, "GIT_NO_LAZY_FETCH": "1"},
        )
    except FileNotFoundError:
        raise InputError(
            [Problem("git", None, None, "git is not installed", "install git, or pass a folder")]
        ) from None


def _fail(spec: str, message: str, fix: str) -> InputError:
    return InputError([Problem(spec, None, None, message, fix)])


def revision_spec(spec: str) -> tuple[str, str] | None:
    """(REV, path) when `spec` is written `REV:path` and names no file here; else None.

    A one-letter REV is a Windows drive (C:\\...), not a revision.
    """
    rev, colon, path = spec.partition(":")
    if not colon or len(rev) < 2 or _exists(Path(spec)):
        return None
    return rev, path


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long, a NUL byte: no such file here
        return False


def _is_revision(rev: str, repo: Path) -> bool:
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode == 0


def _check_revision(
    spec: str, rev: str, repo: Path, what: str = "a rules folder", option: str | None = None
) -> None:
    if _git(repo, "rev-parse", "--show-toplevel").returncode != 0:
        raise _fail(
            spec,
            f"is not {what}, and this is not inside a git repository",
            f"name {what} that exists, or run inside the project's repository",
        )
    if not _is_revision(rev, repo):
        if option is not None and ":" not in spec:
            # A bare word is as likely a mistyped folder as a mistyped revision.
            raise _fail(
                option,
                f"'{spec}' is neither a folder nor a git revision",
                did_you_mean(
                    spec,
                    _folders_next_to(Path(spec)),
                    f"name {what} that exists, or a commit, branch or tag (see 'git log')",
                ),
            )
        raise _fail(
            spec,
            f"unknown git revision '{rev}'",
            "use a commit, branch or tag that exists (see 'git log')",
        )


def _folders_next_to(path: Path) -> list[str]:
    """The folders beside `path` (in the working folder for a bare name), written as `path`
    is, for a did-you-mean."""
    parent = path.parent
    try:
        names = sorted(e.name for e in parent.iterdir() if e.is_dir() and e.name[0] != ".")
    except OSError:
        return []
    return [name if parent == Path() else (parent / name).as_posix() for name in names]


def _export_yaml(
    spec: str,
    rev: str,
    path: str,
    repo: Path,
    target: Path,
    fix: str = "name the rules folder as it was in that revision, e.g. REV:rules",
) -> list[str]:
    """Write the .yaml files of folder `path` ("" for the top of the repository) at `rev`
    into `target`; their names."""
    prefix = f"{rev}:{path}/" if path else f"{rev}:"
    # --full-tree: from a sub-folder, ls-tree would otherwise list only names under it;
    # -z: names exactly as stored (not quoted, whatever their characters); -l: blob sizes.
    # `REV:` (an empty path) is the top-level tree.
    listing = _git(repo, "ls-tree", "--full-tree", "-z", "-l", f"{rev}:{path}")
    if listing.returncode != 0:
        raise _fail(spec, f"'{path}' is not a folder in revision {rev}", fix)
    blobs = []
    problems = []
    for entry in listing.stdout.split(b"\0"):
        meta, _, raw_name = entry.partition(b"\t")
        fields = meta.split()
        name = os.fsdecode(raw_name)
        if len(fields) != 4 or fields[1] != b"blob" or not name.endswith(".yaml"):
            continue
        size = int(fields[3])
        if size > MAX_BYTES:
            problems.append(
                Problem(
                    f"{prefix}{name}",
                    None,
                    None,
                    f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit",
                    "split it or remove unrelated content",
                )
            )
            continue
        blobs.append((name, fields[2].decode("ascii")))
    if problems:
        raise InputError(problems)
    for name, sha in blobs:
        shown = _git(repo, "cat-file", "blob", sha)
        if shown.returncode != 0:
            raise _fail(f"{prefix}{name}", "cannot be read from git", "check the repository")
        (target / name).write_bytes(shown.stdout)
    return [name for name, _ in blobs]


def _top_path(spec: str, path: str, repo: Path) -> str:
    """`path` of `REV:path` from the top of the repository ("" for the top itself).

    As with git, a path starting with ./ or ../ is relative to the working folder; any other
    is relative to the top.
    """
    if path not in (".", "..") and not path.startswith(("./", "../")):
        return path.strip("/")
    where = _git(repo, "rev-parse", "--show-prefix")
    prefix = os.fsdecode(where.stdout.strip()) if where.returncode == 0 else ""
    joined = posixpath.normpath(posixpath.join(prefix, path))
    if joined == ".." or joined.startswith("../"):
        raise _fail(
            spec,
            f"'{path}' leads outside the repository",
            "name a path inside it, from its top (e.g. REV:profiles/x/2020.yaml) or from here"
            " with ./",
        )
    return "" if joined == "." else joined


def project_revision(
    spec: str,
    found: Project,
    repo: Path,
    option: str,
    counterpart: str,
    rules: Path | None = None,
) -> str:
    """A bare revision (`main`, `v1.0`) names the project's own rules folder at that revision.

    `REV:path`, a folder that exists, a word that is no revision (a mistyped folder, reported
    as the user wrote it), and anything outside a repository are left as given. A bare
    revision when the project's rules (the bundled ones, without a project file naming them)
    are outside the repository is refused: no folder of the repository is theirs to read at
    that revision. `option` gave `spec`; `counterpart` is the other side's, for the fix.
    `rules` is the folder in use on the other side when it names one (`--after rules`), else
    the project's: the bare revision means that folder as it was.
    """
    if ":" in spec or not spec.strip() or _exists(Path(spec)):
        return spec
    top = _git(repo, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or not _is_revision(spec, repo):
        return spec
    try:
        folder = rules or found.rules
        inside = folder.resolve().relative_to(Path(os.fsdecode(top.stdout.strip())).resolve())
    except (ValueError, OSError, RuntimeError):
        if "rules" in found.named:
            which = f"those {PROJECT_FILE} names"
            instead = f"name a rules folder inside the repository in {PROJECT_FILE}"
        else:
            which = "the bundled ones"
            instead = (
                f"add an {PROJECT_FILE} naming your rules folder"
                if found.file is None
                else f"name your rules folder in {PROJECT_FILE} (e.g. {DEFAULT_RULES_PATH} ="
                f' "{DEFAULT_RULES_PATH}")'
            )
        raise _fail(
            option,
            f"'{spec}' names a revision, but the rules in use are {which}, outside this repository",
            f"write {option} {spec}:{DEFAULT_RULES_PATH} {counterpart} {DEFAULT_RULES_PATH},"
            f" or {instead}",
        ) from None
    return f"{spec}:{inside.as_posix()}"


def export_rules(spec: str, repo: Path, target: Path, option: str | None = None) -> str:
    """Write the rule files of `spec` into `target`; return the label to show for them.

    `option` names the command-line option `spec` was given with, for messages."""
    rev, _, path = spec.partition(":")
    _check_revision(spec, rev, repo, option=option)
    path = _top_path(spec, path, repo) if path.strip("/") else DEFAULT_RULES_PATH
    if not _export_yaml(spec, rev, path, repo, target):
        raise _fail(spec, f"no rule files in '{path}' at revision {rev}", "name the rules folder")
    return f"{rev}:{path}"


def _file_at(spec: str, repo: Path, what: str) -> tuple[str, str]:
    """(REV, path) of `spec` (`REV:path`), checked to name a file at that revision."""
    rev, _, path = spec.partition(":")
    _check_revision(spec, rev, repo, f"a {what}")
    path = _top_path(spec, path, repo)
    kind = _git(repo, "cat-file", "-t", f"{rev}:{path}") if path else None
    if kind is None or kind.returncode != 0 or kind.stdout.strip() != b"blob":
        raise _fail(
            spec,
            f"'{path}' is not a file in revision {rev}",
            f"name the {what} as it was in that revision (see 'git ls-tree -r --name-only {rev}')",
        )
    return rev, path


def export_profile(spec: str, repo: Path, target: Path) -> tuple[Path, Callable[[Path], str]]:
    """Write the profile `spec` (`REV:path`) and the snapshots next to it at that revision
    (those it may extend) into `target`. Returns the profile's copy, and how to name each
    copied snapshot: as it was at the revision (`REV:folder/2016.yaml`)."""
    rev, path = _file_at(spec, repo, "profile")
    folder, _, name = path.rpartition("/")
    if not name.endswith(".yaml"):
        raise _fail(
            spec, "is not a profile (.yaml) file", "name a profile, e.g. REV:profiles/x/2020.yaml"
        )
    _export_yaml(
        spec,
        rev,
        folder,
        repo,
        target,
        f"name the profile as it was in that revision (see 'git ls-tree -r --name-only {rev}')",
    )
    prefix = f"{rev}:{folder}/" if folder else f"{rev}:"
    return target / name, lambda copy: prefix + copy.name


def read_at_revision(spec: str, repo: Path, limit: int) -> tuple[bytes, str]:
    """The bytes of the file `spec` (`REV:path`) at that revision, and its label."""
    rev, path = _file_at(spec, repo, "file")
    size = _git(repo, "cat-file", "-s", f"{rev}:{path}")
    label = f"{rev}:{path}"
    if size.returncode == 0 and int(size.stdout) > limit:
        raise _fail(
            label,
            f"file is {int(size.stdout):,} bytes, over the {limit:,}-byte limit",
            "name a smaller file",
        )
    shown = _git(repo, "cat-file", "blob", f"{rev}:{path}")
    if shown.returncode != 0:
        raise _fail(label, "cannot be read from git", "check the repository")
    return shown.stdout, label


def changed_since(rev: str, profile: Path, chain: Sequence[Path], repo: Path) -> str | None:
    """`REV:path` of `profile` when it, or a snapshot of the `chain` it extends, is in the
    working tree not as it was at `rev`; None when they are the same, or git cannot tell (not
    in the repository). Other files of its folder do not count: the profile does not read
    them."""
    top = _git(repo, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return None
    root = Path(os.fsdecode(top.stdout.strip())).resolve()
    try:
        relative = [p.resolve().relative_to(root).as_posix() for p in (profile, *chain)]
    except (OSError, ValueError, RuntimeError):
        return None
    same = _git(repo, "diff", "--quiet", rev, "--", *(f":(top,literal){p}" for p in relative))
    return f"{rev}:{relative[0]}" if same.returncode == 1 else None


class RulesSource:
    """A rules folder, or a git revision exported to a temporary folder for as long as needed.

    The temporary folder is removed when the source is closed, on errors, and when the process
    is stopped with SIGTERM, SIGINT or SIGHUP while the source is open.
    """

    def __init__(self, spec: str, repo: Path, option: str = "--rules") -> None:
        self._stack = ExitStack()
        self.directory: Path
        self.label: str | None
        if not spec.strip():
            raise _fail(
                option,
                "is empty",
                "give a rules folder (e.g. rules) or a git revision (e.g. v1.0)",
            )
        candidate = Path(spec)
        if is_folder(candidate, spec):
            self.directory, self.label = candidate, None
            return
        self._stack.enter_context(cleanup_on_signals())
        try:
            tmp = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="ssa-risk-rules-"))
            self.directory = Path(tmp)
            self.label = export_rules(spec, repo, self.directory, option)
        except BaseException:
            if not self._stack.__exit__(*sys.exc_info()):
                raise

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> RulesSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.__exit__(*exc)  # type: ignore[arg-type]
