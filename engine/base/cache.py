"""A cache between runs, in the user's cache folder: work whose result depends only on files
that can be read again cheaply, kept so that the next process need not repeat it.

Four kinds of entry are kept: the checked rule set (ssa_risk.rules.loader), the same rule set
compiled for the engine (ssa_risk.evaluation.compiler), the compiled report templates (Jinja
bytecode, ssa_risk.reports.render) and the charts (ssa_risk.reports.charts). Each entry's
key is a hash of everything the work read (the bytes of the files) and of the code that did
it: the Python version, and the name, modification time and size of every source file of
ssa_risk and of the third-party packages that take part (`engine_fingerprint`). An entry
whose inputs or code changed is never found, so it is never stale; it is left behind and
overwritten when the same inputs come back.

Where: `$SSA_RISK_CACHE_DIR`, else `$XDG_CACHE_HOME/ssa-risk`, else `~/.cache/ssa-risk`.
`SSA_RISK_CACHE=off` (or 0, no, false) turns the cache off. Entries are written to a
temporary file and renamed into place, so a reader sees a whole entry or none; each carries
a hash of its contents, so a damaged entry is ignored (and written again). A folder that
cannot be made, read or written only costs the time the cache would have saved: the cache
never makes a run fail and never prints.

Entries are Python pickles and compiled code: the cache is used only when its folder and the
folder of each kind of entry are the user's own, not links, and writable by no one else
(ssa-risk makes them so), and each entry read is the user's own; otherwise it is as if off.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
from functools import cache
from pathlib import Path

from jinja2.bccache import Bucket, BytecodeCache

import ssa_risk

ENV_DIR = "SSA_RISK_CACHE_DIR"
ENV_SWITCH = "SSA_RISK_CACHE"
OFF = frozenset({"off", "0", "no", "false"})

# The first bytes of every entry: a format version, then the SHA-256 of what follows.
_MAGIC = b"ssa-risk-cache 1\n"
_HASH_BYTES = 32

# Entries kept per kind unless its writer says otherwise: when more are written (rules or code
# edited many times), the oldest go. A few dozen rule sets and templates folders in use at
# once fit in a few tens of MB.
KEEP = 64

# Third-party packages whose code shapes what is cached: the YAML parser, the template
# compiler, the schema validator (rule files are checked with it) and the rules engine.
_THIRD_PARTY = ("yaml", "jinja2", "jsonschema", "durable")


def cache_folder() -> Path | None:
    """The folder of the cache, or None when it is turned off."""
    if os.environ.get(ENV_SWITCH, "").strip().lower() in OFF:
        return None
    named = os.environ.get(ENV_DIR)
    if named:
        return Path(named)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "ssa-risk"
    try:
        return Path.home() / ".cache" / "ssa-risk"
    except (RuntimeError, KeyError, OSError):  # no home folder to be found
        return None


@cache
def engine_fingerprint() -> str:
    """What the code that fills the cache is: the Python version, ssa_risk's version, and the
    (path, modification time, size) of every .py and .json file of ssa_risk and of the
    __init__ of each third-party package that takes part. Any edit or reinstall changes it."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    digest.update(f"{ssa_risk.__version__}\0".encode())
    root = Path(ssa_risk.__file__).parent
    for name, info in _source_files(root):
        digest.update(f"{name}\0{info.st_mtime_ns}\0{info.st_size}\0".encode())
    for package in _THIRD_PARTY:
        digest.update(f"{package}\0{_package_stamp(package)}\0".encode())
    return digest.hexdigest()


def _package_stamp(package: str) -> str:
    """Where a package's __init__ is, and its modification time and size ("-": not found)."""
    try:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        if not origin:
            return "-"
        info = os.stat(origin)
    except (OSError, ImportError, ValueError):
        return "-"
    return f"{origin}\0{info.st_mtime_ns}\0{info.st_size}"


def _source_files(root: Path) -> list[tuple[str, os.stat_result]]:
    """Every .py and .json file under `root` (not the bundled data in defaults/), with its
    stat (through symlinks: an editable install links each file to the checkout)."""
    found: list[tuple[str, os.stat_result]] = []
    folders = [""]
    while folders:
        rel = folders.pop()
        try:
            with os.scandir(root / rel if rel else root) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:
            found.append((f"{rel}/?", os.stat_result((0,) * 10)))
            continue
        for entry in listed:
            name = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir():
                    if entry.name not in ("__pycache__", "defaults"):
                        folders.append(name)
                elif entry.name.endswith((".py", ".json")):
                    found.append((name, entry.stat()))
            except OSError:
                found.append((f"{name}?", os.stat_result((0,) * 10)))
    return found


def key_of(kind: str, *parts: bytes | str) -> str:
    """The key of an entry: a hash of its kind, the engine's fingerprint and `parts`, each
    given with its length so that no two different lists of parts give the same key."""
    digest = hashlib.sha256(f"{kind}\0{engine_fingerprint()}\0".encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


# Folders found to be the user's own in this process (they are checked once).
_TRUSTED: set[Path] = set()


def _kind_folder(kind: str, make: bool) -> Path | None:
    """The folder of one kind of entry, made if `make`; None when the cache is off or when
    the cache folder or this folder is not the user's own: a link, another user's, or
    writable by others, whose entries (pickles, compiled code) another user could have
    written. The cache is then as if off."""
    root = cache_folder()
    if root is None:
        return None
    folder = root / kind
    if folder in _TRUSTED:
        return folder
    try:
        for step in (root, folder):  # the cache folder is checked before anything is made in it
            if make:
                step.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not _own_folder(os.lstat(step)):
                return None
    except (OSError, ValueError):
        return None
    _TRUSTED.add(folder)
    return folder


def _own_folder(info: os.stat_result) -> bool:
    return stat.S_ISDIR(info.st_mode) and _own(info)


def _own(info: os.stat_result) -> bool:
    """Made by this user, and writable by no one else."""
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return mine and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _entry_path(kind: str, key: str, make: bool = False) -> Path | None:
    folder = _kind_folder(kind, make)
    return None if folder is None else folder / f"{key}.bin"


def read_entry(kind: str, key: str) -> bytes | None:
    """The contents of an entry, or None when there is none, it cannot be read, it is not
    the user's own or it is damaged (its hash does not match)."""
    path = _entry_path(kind, key)
    if path is None:
        return None
    try:
        with open(path, "rb") as file:
            if not _own(os.fstat(file.fileno())):
                return None
            data = file.read()
    except (OSError, ValueError):
        return None
    head = len(_MAGIC) + _HASH_BYTES
    if len(data) < head or not data.startswith(_MAGIC):
        return None
    body = data[head:]
    if hashlib.sha256(body).digest() != data[len(_MAGIC) : head]:
        return None
    return body


def write_entry(kind: str, key: str, body: bytes, keep: int | None = None) -> bool:
    """Store an entry atomically, keeping the newest `keep` of its kind (default KEEP); False
    (and nothing else) when it cannot be written."""
    path = _entry_path(kind, key, make=True)
    if path is None:
        return False
    # A temporary name of this process's own (tempfile would cost a few ms to import).
    temp = path.parent / f".tmp-{os.getpid()}-{os.urandom(6).hex()}"
    created = False
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        created = True
        with os.fdopen(fd, "wb") as file:
            file.write(_MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(temp, path)
    except (OSError, ValueError):
        if created:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        return False
    _prune(path.parent, KEEP if keep is None else keep)
    return True


def read_pickled(kind: str, key: str) -> object | None:
    """The object an entry holds; None without a usable entry (a damaged one, or one written
    by other code that no longer unpickles, is none: the work is done and written again)."""
    body = read_entry(kind, key)
    if body is None:
        return None
    try:
        value: object = pickle.loads(body)
    except Exception:
        return None
    return value


def write_pickled(kind: str, key: str, value: object, keep: int | None = None) -> bool:
    """Store an object as an entry (write_entry); False when it cannot be pickled or written."""
    try:
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an object that cannot be pickled is simply not cached
        return False
    return write_entry(kind, key, body, keep)


def _prune(folder: Path, keep: int) -> None:
    """Remove the least recently written entries beyond `keep` (other processes may be
    removing them too: whatever is already gone is skipped)."""
    try:
        with os.scandir(folder) as entries:
            found = [(e.stat().st_mtime_ns, e.path) for e in entries if e.name.endswith(".bin")]
    except OSError:
        return
    if len(found) <= keep:
        return
    for _, path in sorted(found)[: len(found) - keep]:
        with contextlib.suppress(OSError):
            os.unlink(path)


class TemplateCache(BytecodeCache):
    """Jinja's compiled templates kept in the cache (entries of kind "templates"), for one kind
    of environment (`flavour`: the code Jinja generates depends on the environment's class and
    options, which the engine's fingerprint covers). Jinja checks each entry against the
    template's source and compiles again when it changed."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return key_of("templates", self.flavour, name, filename or "")

    def load_bytecode(self, bucket: Bucket) -> None:
        body = read_entry("templates", bucket.key)
        if body is None:
            return
        try:
            bucket.bytecode_from_string(body)
        except Exception:  # a damaged entry: compiled again, and written again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            body = bucket.bytecode_to_string()
        except Exception:  # nothing compiled to keep
            return
        write_entry("templates", bucket.key, body)


def template_cache(flavour: str) -> TemplateCache | None:
    """A bytecode cache for Jinja environments of this `flavour`; None when the cache is off."""
    return None if cache_folder() is None else TemplateCache(flavour)
