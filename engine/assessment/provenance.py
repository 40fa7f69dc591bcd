"""Content hashes that tie a report to the exact profile, rules and templates behind it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder, read_utf8, walk_files
from ssa_risk.base.kept import per_object
from ssa_risk.base.paths import display_path, display_paths
from ssa_risk.rules.model import RuleSet

TEMPLATE_MAX_BYTES = 2 * 1024 * 1024


def sha256_text(parts: list[tuple[str, str]]) -> str:
    """Content hash of named texts, independent of where they sit on disk."""
    digest = hashlib.sha256()
    for name, text in sorted(parts):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


@per_object
def rules_hash(ruleset: RuleSet) -> str:
    """Content hash of every file of a rule set (`sha256_text` of its files), worked out once
    for each rule set: the same for every assessment made with it, and costly."""
    return sha256_text(list(ruleset.files))


def templates_hash(directory: Path) -> str:
    """Content hash of every template file, for the report's provenance."""
    shown = display_path(directory)
    if not is_folder(directory, shown):
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    "templates folder not found",
                    "check the path given to --templates",
                )
            ]
        )
    files = walk_files(directory, ".j2", shown)
    texts = []
    # Each file named as everywhere else, the project looked for once (display_paths).
    for path, name in zip(files, display_paths(files), strict=True):
        text = read_utf8(path, name, TEMPLATE_MAX_BYTES, "name a template file")
        texts.append((path.relative_to(directory).as_posix(), text))
    return sha256_text(texts)
