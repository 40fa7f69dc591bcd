"""Load a rule set: one YAML file per lens, `scoring.yaml` and `references.yaml`.

Every problem in every file is collected in one pass and reported with file:line.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from ssa_risk.base.cache import key_of, read_pickled, write_pickled
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder, list_folder
from ssa_risk.base.paths import display_path, display_paths
from ssa_risk.base.source import MAX_BYTES, Document, YamlPath, collector_paused, load_yaml
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.profile.facts import profile_fields
from ssa_risk.rules import narrative
from ssa_risk.rules.approvals import load_approvals
from ssa_risk.rules.model import (
    Example,
    FieldTest,
    Lens,
    ParsedLater,
    Pattern,
    Ref,
    Rule,
    RuleSet,
)
from ssa_risk.rules.parser import FileChecker
from ssa_risk.rules.scoring import Scoring, load_scoring
from ssa_risk.rules.validation import rule_file_problems

__all__ = [
    "Example",
    "FieldTest",
    "Lens",
    "Pattern",
    "Ref",
    "Rule",
    "RuleSet",
    "load_rules",
]


# A rule set's own files: a folder with neither is some other folder, not a broken rule set.
_OWN_FILES = ("scoring.yaml", "references.yaml")
# Policy files read beside them when present; not rule files.
_POLICY_FILES = (*_OWN_FILES, "approvals.yaml")


def load_rules(directory: Path, label: str | None = None) -> RuleSet:
    """Load and check every file of a rule set; raise InputError listing all problems.

    `label` names the folder in messages and reports instead of its path (for example
    `v1.0:rules` for rules read from a git revision into a temporary folder).
    """
    shown = label or display_path(directory)
    if not is_folder(directory, shown):
        raise InputError([Problem(shown, None, None, "rules folder not found", "check the path")])
    if not any(os.path.lexists(directory / name) for name in _OWN_FILES):
        # Some other folder (profiles, an empty one): one line, not one per missing file.
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    "not a rules folder (no scoring.yaml or references.yaml in it)",
                    "name the folder that holds the rule files",
                )
            ]
        )
    # A rule set read before, unchanged, with unchanged code, is taken from the cache
    # (ssa_risk.base.cache); one with problems is never stored, so they show on every run.
    key = _cache_key(directory, shown, label)
    if key is not None:
        cached = _cached(key)
        if cached is not None:
            return cached
    ruleset = _load(directory, shown, label)
    # Stored only if no file changed while it was read, so an entry always matches its key.
    if key is not None and _cache_key(directory, shown, label) == key:
        ruleset = replace(ruleset, cache_key=key)
        _store(key, ruleset)
    return ruleset


# Entries of the cache of checked rule sets (ssa_risk.base.cache).
_CACHE_KIND = "rules"


def _cache_key(directory: Path, shown: str, label: str | None) -> str | None:
    """The cache key of the rule set in `directory`: the names in the folder, the bytes of
    each .yaml file and the name each is shown by; None when the cache is off or a file is
    not a regular readable one (the load then reports it)."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError:
        return None
    parts: list[bytes | str] = [shown, label or "", "\0".join(names)]
    files = [directory / name for name in names if name.endswith(".yaml")]
    # Each file named as the load names it; the project looked for once (display_paths).
    shown_files = [f"{shown}/{f.name}" for f in files] if label else display_paths(files)
    for path, shown_file in zip(files, shown_files, strict=True):
        data = _file_bytes(path)
        if data is None:
            return None
        parts += [path.name, shown_file, data]
    return key_of(_CACHE_KIND, *parts)


def _file_bytes(path: Path) -> bytes | None:
    """The bytes of a regular file of at most MAX_BYTES, else None (never blocks on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read(MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _cached(key: str) -> RuleSet | None:
    """The rule set of a cache entry, with its compiled narratives; None without a usable one."""
    with collector_paused():  # many small objects at once, with no cycles
        entry = read_pickled(_CACHE_KIND, key)
    if not isinstance(entry, tuple) or len(entry) != 2:
        return None
    ruleset, codes = entry
    if not isinstance(ruleset, RuleSet) or not isinstance(codes, dict):
        return None
    narrative.add_compiled(codes)
    return ruleset


def _store(key: str, ruleset: RuleSet) -> None:
    """Store the rule set with its narratives' compiled code. Its parsed documents (with the
    place of every value, for messages about the files) are most of its size and an
    assessment never reads them: the entry keeps their texts, parsed again when asked for."""
    codes = narrative.compiled(rule.because for rule in ruleset.rules)
    # Worked out once here, so that they come with the entry (each assessment reads them).
    for rule in ruleset.rules:
        _ = rule.logic_sha256, rule.wording_sha256
    _ = ruleset.digests
    texts = tuple((shown, doc.text) for shown, doc in ruleset.documents.items())
    # Only documents parse_yaml gives back as they are (one file each) are left out.
    if all(len(doc.texts) == 1 for doc in ruleset.documents.values()):
        digests = ruleset.digests
        ruleset = replace(ruleset, documents=ParsedLater(texts))
        ruleset.__dict__["digests"] = digests  # the cached property, kept on the copy
    write_pickled(_CACHE_KIND, key, (ruleset, codes))


def _load(directory: Path, shown: str, label: str | None) -> RuleSet:
    """Read and check every file of the rule set (load_rules, without the cache)."""
    problems: list[Problem] = []
    files: list[tuple[str, str]] = []

    def read(path: Path) -> Document | None:
        try:
            doc = load_yaml(path, f"{shown}/{path.name}" if label else display_path(path))
        except InputError as exc:
            problems.extend(exc.problems)
            return None
        files.append((path.name, doc.text))
        return doc

    documents: dict[str, Document] = {}
    scoring_doc = read(directory / "scoring.yaml")
    refs_doc = read(directory / "references.yaml")
    for extra in (scoring_doc, refs_doc):
        if extra is not None:
            documents[extra.path] = extra
    scoring = None
    if scoring_doc is not None:
        try:
            scoring = load_scoring(scoring_doc)
        except InputError as exc:
            problems.extend(exc.problems)
    approvals = approvals_doc = None
    if os.path.lexists(directory / "approvals.yaml"):
        approvals_doc = read(directory / "approvals.yaml")
        if approvals_doc is not None:
            documents[approvals_doc.path] = approvals_doc
            try:
                approvals = load_approvals(approvals_doc)
            except InputError as exc:
                problems.extend(exc.problems)
    # Without references.yaml (already reported) citations cannot be checked one by one.
    references = _references(refs_doc, problems) if refs_doc else None
    lenses: list[Lens] = []
    rules: list[Rule] = []
    concluded_anywhere: set[str] = set()
    signal_uses: list[tuple[str, str, Pattern]] = []
    # A rule file that cannot be read (or whose lens or rule list cannot be made out) may hold
    # the missing lens or the rule that concludes a signal: checks across files then skip.
    lens_unknown = rules_unknown = False
    fields = profile_fields()
    for path in list_folder(directory, ".yaml", shown):
        if path.name in _POLICY_FILES:
            continue
        doc = read(path)
        if doc is None:
            lens_unknown = rules_unknown = True
            continue
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            rules_unknown = True
        documents[doc.path] = doc
        found = rule_file_problems(doc)
        problems.extend(problem for _, problem in found)
        flagged = {path for path, _ in found}
        checker = FileChecker(doc, fields, references, problems, concluded_anywhere, flagged)
        lens = checker.lens()
        if lens is not None:
            lenses.append(lens)
        else:
            lens_unknown = True
        # A file whose lens is broken still has its rules checked: every problem in one pass.
        rules.extend(checker.rules(lens.id if lens else ""))
        signal_uses += [(doc.path, rule_id, p) for rule_id, p in checker.signal_uses]
    problems += _misnamed_files(directory, shown)
    # A broken approvals.yaml (already reported) still says which lens is not a country one.
    raw_lens = (
        approvals_doc.data.get("lens")
        if approvals_doc and isinstance(approvals_doc.data, dict)
        else None
    )
    line_lens = approvals.lens if approvals else raw_lens if isinstance(raw_lens, str) else None
    if approvals is not None and approvals_doc is not None:
        problems += _line_lens_problems(
            approvals.lens, lenses, scoring, lens_unknown, approvals_doc
        )
    _check_set(
        lenses, rules, scoring, problems, shown, lens_unknown, documents, scoring_doc, line_lens
    )
    if not rules_unknown:
        problems += _unconcluded(signal_uses, concluded_anywhere)
    if problems or scoring is None:
        raise InputError(problems)
    order = {lens_id: i for i, lens_id in enumerate(scoring.lenses)}
    lenses.sort(key=lambda lens: order.get(lens.id, len(order)))
    return RuleSet(
        shown,
        documents,
        tuple(lens for lens in lenses if lens.id != line_lens),
        tuple(rules),
        scoring,
        tuple(sorted(files)),
        approvals,
        next((lens for lens in lenses if lens.id == line_lens), None),
    )


def _references(doc: Document, problems: list[Problem]) -> dict[str, str]:
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("references"), dict):
        problems.append(
            doc.problem(
                (),
                "expected a 'references:' mapping of key → full citation",
                "write 'references:' followed by 'key: citation' lines",
            )
        )
        return {}
    out: dict[str, str] = {}
    for key, text in data["references"].items():
        if not isinstance(text, str) or not text.strip():
            problems.append(
                doc.problem(("references", key), f"reference '{key}' has no text", "add it")
            )
        else:
            out[key] = " ".join(text.split())
    return out


def _check_set(
    lenses: list[Lens],
    rules: list[Rule],
    scoring: Scoring | None,
    problems: list[Problem],
    shown: str,
    lens_unknown: bool,
    documents: dict[str, Document],
    scoring_doc: Document | None,
    line_lens: str | None = None,
) -> None:
    """Checks across files. `lens_unknown`: some file's lens could not be made out, so any
    lens of scoring.yaml may be the one it defines. `line_lens`: the lens approvals.yaml
    names for the rules that judge proposal lines (not a country lens)."""
    _check_line_rules(rules, line_lens, problems)
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id]
            problems.append(
                Problem(
                    rule.file,
                    rule.line,
                    None,
                    f"duplicate rule id '{rule.id}' (also at {first.file}:{first.line})",
                    "give each rule its own id",
                    rule=rule.id,
                )
            )
        seen[rule.id] = rule
    lens_files: dict[str, Lens] = {}
    for lens in lenses:
        if lens.id in lens_files:
            problems.append(
                Problem(
                    lens.file,
                    None,
                    None,
                    f"lens '{lens.id}' is also defined in {lens_files[lens.id].file}",
                    "keep one file per lens",
                )
            )
        lens_files[lens.id] = lens
    if scoring is not None:
        # A lens id misspelt on one side shows as a pair: a file's lens scoring.yaml does not
        # list, and a listed lens no file defines; each names the other.
        unlisted = [
            lens.id for lens in lenses if lens.id not in scoring.lenses and lens.id != line_lens
        ]
        missing = [] if lens_unknown else [i for i in scoring.lenses if i not in lens_files]
        for lens in lenses:
            if lens.id in unlisted:
                problems.append(
                    _located(
                        documents.get(lens.file),
                        ("lens", "id"),
                        lens.file,
                        f"lens '{lens.id}' is not listed in scoring.yaml",
                        did_you_mean(lens.id, missing, "add it to 'lenses:' in scoring.yaml"),
                    )
                )
        for i, lens_id in enumerate(scoring.lenses):
            if lens_id in missing:
                problems.append(
                    _located(
                        scoring_doc,
                        ("lenses", i, "id"),
                        f"{shown}/scoring.yaml",
                        f"lens '{lens_id}' has no rule file",
                        did_you_mean(
                            lens_id, unlisted, f"add {lens_id}.yaml or remove it from 'lenses:'"
                        ),
                    )
                )


def _line_lens_problems(
    line_lens: str,
    lenses: list[Lens],
    scoring: Scoring | None,
    lens_unknown: bool,
    doc: Document,
) -> list[Problem]:
    """The lens approvals.yaml names for proposal-line rules must have a rule file and must
    not also be a country lens of scoring.yaml."""
    if scoring is not None and line_lens in scoring.lenses:
        return [
            doc.problem(
                ("lens",),
                f"lens '{line_lens}' judges proposal lines here but is a country lens in "
                "scoring.yaml",
                "give proposal-line rules a lens of their own, not listed in scoring.yaml",
            )
        ]
    if not lens_unknown and line_lens not in {lens.id for lens in lenses}:
        return [
            doc.problem(
                ("lens",),
                f"lens '{line_lens}' has no rule file",
                did_you_mean(
                    line_lens,
                    [
                        lens.id
                        for lens in lenses
                        if scoring is None or lens.id not in scoring.lenses
                    ],
                    f"add a rule file whose lens is '{line_lens}'",
                ),
            )
        ]
    return []


def _check_line_rules(rules: list[Rule], line_lens: str | None, problems: list[Problem]) -> None:
    """A rule that reads proposal lines judges a line, never the country: it belongs to the
    line lens, and a rule of that lens must read the line it judges and name it its subject."""
    for rule in rules:
        reads_line = any(p.fact == "line" for p in rule.patterns)
        binds_line = [p.name for p in rule.all if p.fact == "line"]
        if rule.lens == line_lens and line_lens is not None:
            if not binds_line or rule.subject not in binds_line:
                problems.append(
                    Problem(
                        rule.file,
                        rule.line,
                        None,
                        f"rule {rule.id} judges proposal lines but does not name the line it "
                        "judges as its subject",
                        "bind the line under 'all:' with 'fact: line' and 'as: line', and "
                        "write 'subject: line'",
                        rule=rule.id,
                    )
                )
            elif rule.effect not in ("risk", "gate"):
                problems.append(
                    Problem(
                        rule.file,
                        rule.line,
                        None,
                        f"rule {rule.id} judges a proposal line as a {rule.effect}",
                        "a line rule finds a risk or a gate; mitigations of a line are "
                        "written in the proposal",
                        rule=rule.id,
                    )
                )
        elif reads_line:
            where = (
                f"move it to the rule file of lens '{line_lens}'"
                if line_lens
                else "add approvals.yaml naming the lens of proposal-line rules, and move it "
                "to that lens's file"
            )
            problems.append(
                Problem(
                    rule.file,
                    rule.line,
                    None,
                    f"rule {rule.id} reads proposal lines but its lens '{rule.lens}' judges "
                    "the country",
                    where,
                    rule=rule.id,
                )
            )


def _unconcluded(uses: list[tuple[str, str, Pattern]], concluded: set[str]) -> list[Problem]:
    """Signal conditions that no rule concludes, in rules built or not. Only when every rule
    file could be read: an unreadable one may hold the rule that concludes the signal."""
    problems = []
    for file, rule_id, pattern in uses:
        test = pattern.signal_test
        if test is not None and test.value not in concluded:
            problems.append(
                Problem(
                    file,
                    test.line,
                    None,
                    f"rule {rule_id} uses signal '{test.value}' but no rule concludes it",
                    did_you_mean(test.value, sorted(concluded), "add a rule that concludes it"),
                    rule=rule_id,
                )
            )
    return problems


def _located(doc: Document | None, path: YamlPath, file: str, message: str, fix: str) -> Problem:
    """A problem at `path` in `doc` (its line), or at the file when the document is missing."""
    return doc.problem(path, message, fix) if doc else Problem(file, None, None, message, fix)


def _misnamed_files(directory: Path, shown: str) -> list[Problem]:
    """Rule files ending in .yml, which are not read: one problem each, not silence."""
    return [
        Problem(
            display_path(path),
            None,
            None,
            "rule files end in .yaml: this file is not read",
            f"rename it to {path.stem}.yaml",
        )
        for path in list_folder(directory, ".yml", shown)
    ]
