"""The two sides of a diff, each given as one argument, made into Assessments and compared.

A side is:
- a saved assessment (`.json`, from `ssa-risk assess --format json`), read back as it was
  saved (the rules options do not apply to it);
- a profile path: the profile as it is in the working folder, assessed now under that side's
  rules;
- `REV:path`: the file as it was at a git revision (a profile, with the snapshots it extends
  read from the same revision, or a saved `.json`), read with git, no checkout needed.
A plain path is always the working copy, whatever revision the rules come from: to compare a
profile as it was at REV, name it `REV:path`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.serialize import MAX_JSON_BYTES, assessment_from_json
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import read_utf8
from ssa_risk.base.interrupts import cleanup_on_signals
from ssa_risk.base.paths import display_path
from ssa_risk.comparison.diff import Diff, diff_assessments
from ssa_risk.comparison.git import (
    RulesSource,
    changed_since,
    export_profile,
    read_at_revision,
    revision_spec,
)
from ssa_risk.profile.reader import Profile, load_profile

_JSON_FIX = "name a .json file"
_AssessorFor = Callable[["Rules"], "_Loaded"]


@dataclass(frozen=True)
class Rules:
    """Where one side's rules come from: a folder, or a git `REV` / `REV:path`."""

    spec: str
    option: str  # the command-line option that gave it, for messages


@dataclass(frozen=True)
class _Loaded:
    assessor: Assessor
    shown: str  # how the rules are named in the diff
    revision: str | None  # the git revision they were read at, if any


def diff_sides(
    before: str,
    after: str,
    rules_before: Rules,
    rules_after: Rules,
    templates: Path,
    repo: Path,
    verify: bool = False,
) -> Diff:
    """Read or assess each side (see the module docstring) and compare them.

    `repo` is the folder git runs in for `REV:path` sides and rules at a revision.
    """
    assessors: dict[str, _Loaded] = {}
    with ExitStack() as stack:

        def assessor(rules: Rules) -> _Loaded:
            # Both sides under the same rules share one loaded, compiled rule set.
            if rules.spec not in assessors:
                source = stack.enter_context(RulesSource(rules.spec, repo, rules.option))
                loaded = Assessor.load(source.directory, templates, source.label, verify)
                shown = source.label or display_path(source.directory)
                revision = source.label.partition(":")[0] if source.label else None
                assessors[rules.spec] = _Loaded(loaded, shown, revision)
            return assessors[rules.spec]

        old, old_label, old_hint = _side(before, rules_before, repo, assessor)
        new, new_label, new_hint = _side(after, rules_after, repo, assessor)
    diff = diff_assessments(old, new, (old_label, new_label))
    hints = tuple(dict.fromkeys(h for h in (old_hint, new_hint) if h))
    return replace(diff, hints=hints) if hints else diff


def _side(
    spec: str, rules: Rules, repo: Path, assessor: _AssessorFor
) -> tuple[Assessment, str, str | None]:
    """The side's Assessment, its label, and a note for the diff if one is due."""
    if not spec.strip():
        raise InputError(
            [
                Problem(
                    "(empty argument)",
                    None,
                    None,
                    "names no file",
                    "name a profile, a saved .json assessment, or REV:path",
                )
            ]
        )
    at_revision = revision_spec(spec)
    if spec.lower().endswith(".json"):
        if at_revision is not None:
            raw, label = read_at_revision(spec, repo, MAX_JSON_BYTES)
            return assessment_from_json(_utf8(raw, label), label), label, None
        shown = display_path(Path(spec))
        text = read_utf8(Path(spec), shown, MAX_JSON_BYTES, _JSON_FIX)
        return assessment_from_json(text, shown), shown, None
    # The rules first: a rule set that cannot be loaded is reported before the profile.
    loaded = assessor(rules)
    hint = None
    if at_revision is not None:
        profile, shown = profile_at_revision(spec, repo)
    else:
        shown = display_path(Path(spec))
        profile = load_profile(Path(spec), shown)
        if loaded.revision is not None:
            hint = _working_copy_hint(Path(spec), profile, shown, loaded.revision, repo)
    return loaded.assessor.assess_profile(profile), f"{shown} under {loaded.shown}", hint


def _working_copy_hint(
    path: Path, profile: Profile, shown: str, revision: str, repo: Path
) -> str | None:
    """A plain path is the working copy even when its rules come from a revision: say so when
    the profile, or a snapshot it extends, is not as it was at that revision, and how to
    compare it as it was."""
    # The snapshots of a chain are all in the profile's folder (extends: names no folder).
    chain = [path.parent / Path(label).name for label, _ in profile.doc.texts]
    at_revision = changed_since(revision, path, chain, repo)
    if at_revision is None:
        return None
    return (
        f"{shown} is the working copy, which differs from {revision} "
        f"(write {at_revision} to compare it as it was at {revision})"
    )


def profile_at_revision(spec: str, repo: Path) -> tuple[Profile, str]:
    """The profile `REV:path` and the snapshots it extends, all as they were at REV."""
    with ExitStack() as stack:
        # The copy is removed once read, and on SIGTERM, SIGINT or SIGHUP while it exists.
        stack.enter_context(cleanup_on_signals())
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="ssa-risk-profile-"))
        copy, labels = export_profile(spec, repo, Path(tmp))
        shown = labels(copy)
        return load_profile(copy, shown, labels=labels), shown


def _utf8(raw: bytes, label: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            [Problem(label, None, None, f"is not UTF-8 text ({exc.reason})", _JSON_FIX)]
        ) from None
