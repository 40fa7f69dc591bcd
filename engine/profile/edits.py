"""Changes to a profile's values given on the command line (`--set PATH=VALUE`), applied to
its merged data (a snapshot with everything it extends) and checked by the profile's own
validator, without writing anything.

PATH is written as the validator prints paths, `civil_military.support_for_military_rule_pct`
or `institutions[0].political_role`, and a list entry may be chosen by its fields instead of
its position: `institutions[id=army]`, `human_rights.abuses[unit=police,kind=torture]`.
VALUE is YAML: a scalar (`30`, `stable`, `true`) or a flow value (`[a, b]`, `{id: x}`).

- `PATH=VALUE` sets a field (or replaces a whole list entry or section);
- `LIST[+]=MAPPING` appends an entry to a list (`institutions[+]={id: x, name: X, kind: ...}`);
- `PATH=~` (or `PATH=null`) removes the field, or the list entry PATH selects.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.source import Document, Location, YamlPath, format_path, parse_yaml
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.profile.reader import Profile, profile_schema, validate_document
from ssa_risk.profile.snapshots import all_duplicate_ids

APPEND = "+"
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]*\])*)")
_SELECTOR = re.compile(r"\[([^\]]*)\]")
_FIX_FORM = "write PATH=VALUE, e.g. civil_military.support_for_military_rule_pct=30"


@dataclass(frozen=True)
class Edit:
    """One `--set`: its place on the command line, as written, and what it means."""

    index: int  # 1-based, in the order given
    text: str  # PATH=VALUE as written
    path: str  # PATH as written
    value: Any  # the YAML value; None removes

    @property
    def label(self) -> str:
        """How problems name it: `--set 2 (institutions[id=army].political_role=stable)`."""
        return f"--set {self.index} ({self.text})"

    @property
    def removes(self) -> bool:
        return self.value is None


def edit_profile(profile: Profile, texts: Sequence[str], today: date | None = None) -> Profile:
    """The profile with every PATH=VALUE applied and validated; InputError lists every problem
    of every edit (unreadable, a path that names nothing, a value the validator refuses)."""
    edits, problems = _parse(texts)
    try:
        edited = apply_edits(profile, edits, today)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    return edited


def parse_edits(texts: Sequence[str]) -> list[Edit]:
    """Each PATH=VALUE parsed; InputError lists every one that cannot be read."""
    edits, problems = _parse(texts)
    if problems:
        raise InputError(problems)
    return edits


def _parse(texts: Sequence[str]) -> tuple[list[Edit], list[Problem]]:
    edits: list[Edit] = []
    problems: list[Problem] = []
    for i, text in enumerate(texts, 1):
        label = f"--set {i} ({text})"
        path, eq, raw = text.partition("=")
        # `=` inside a selector (`[id=army]`) is not the one that separates the value.
        while eq and path.count("[") > path.count("]"):
            more, eq, raw = raw.partition("=")
            path = f"{path}={more}"
        path = path.strip()
        if not eq or not path:
            problems.append(_problem(label, "not of the form PATH=VALUE", _FIX_FORM))
            continue
        if not raw.strip():
            problems.append(
                _problem(label, "no value after '='", "write a value, or ~ to remove the field")
            )
            continue
        try:
            doc = parse_yaml(raw, label)
        except InputError as exc:
            problems += [_unlocated(p, label) for p in exc.problems]
            continue
        if doc.problems:
            problems += [_unlocated(p, label) for p in doc.problems]
            continue
        edits.append(Edit(i, text, path, doc.data))
    return edits, problems


def apply_edits(profile: Profile, edits: Sequence[Edit], today: date | None = None) -> Profile:
    """The profile with every edit applied, validated as a profile file is; InputError lists
    every problem, each named by the `--set` it comes from."""
    data = copy.deepcopy(profile.data)
    locations = dict(profile.doc.locations)
    problems: list[Problem] = []
    for edit in edits:
        try:
            at = _apply(data, edit)
        except _EditProblem as exc:
            problems.append(_problem(edit.label, exc.message, exc.fix))
            continue
        # Everything at and under the changed path now comes from the command line.
        for path in [p for p in locations if p[: len(at)] == at]:
            del locations[path]
        if edit.removes and isinstance(at[-1], int):
            _shift(locations, at)  # later entries of the list move up by one
        else:
            locations[at] = Location(edit.label, 0, 0)
    doc = Document(profile.doc.path, data, locations, profile.doc.texts)
    found = validate_document(doc, today or date.today())
    if len(doc.texts) > 1:  # validate_document checks ids within one file only
        found += [p for p in all_duplicate_ids(doc) if is_edit_label(p.file)]
    problems += [_from_edit(p, edits) for p in found]
    if problems:
        raise InputError(problems)
    return Profile(doc)


def _shift(locations: dict[YamlPath, Location], removed: YamlPath) -> None:
    """Renumber the locations of the entries after a removed list entry."""
    parent, gone, depth = removed[:-1], int(removed[-1]), len(removed) - 1
    later = [
        p for p in locations if len(p) > depth and p[:depth] == parent and _after(p[depth], gone)
    ]
    moved = {(*p[:depth], int(p[depth]) - 1, *p[depth + 1 :]): locations.pop(p) for p in later}
    locations.update(moved)


def _after(part: str | int, gone: int) -> bool:
    return isinstance(part, int) and part > gone


# --- resolving a path -----------------------------------------------------------------------


class _EditProblem(Exception):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


_Step = tuple[str, str | int]  # ("key", name) / ("index", i) / ("select", text) / ("append", "+")


def _steps(path: str) -> list[_Step]:
    steps: list[_Step] = []
    for part in _split_dots(path):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise _EditProblem(
                f"'{part}' is not a field name",
                "write a path as the validator prints it, e.g. institutions[id=army].kind",
            )
        steps.append(("key", match.group(1)))
        for selector in _SELECTOR.findall(match.group(2)):
            selector = selector.strip()
            if selector == APPEND:
                steps.append(("append", APPEND))
            elif re.fullmatch(r"\d+", selector):
                steps.append(("index", int(selector)))
            elif "=" in selector:
                steps.append(("select", selector))
            else:
                raise _EditProblem(
                    f"'[{selector}]' does not choose a list entry",
                    "write a position ([0]), fields ([id=army] or [unit=police,kind=torture]), "
                    "or [+] to add an entry",
                )
    return steps


def _split_dots(path: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in path:
        depth += char == "["
        depth -= char == "]"
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _resolve(data: Any, edit: Edit) -> tuple[YamlPath, Mapping[str, Any]]:
    """The YAML path an edit names in `data` (list entries by position; an appended entry at
    the end of its list), and the schema of the value there."""
    steps = _steps(edit.path)
    node: Mapping[str, Any] = profile_schema()
    value: Any = data
    at: YamlPath = ()
    for n, (kind, arg) in enumerate(steps):
        last = n == len(steps) - 1
        if kind == "key":
            name = str(arg)
            fields = node.get("properties", {})
            if name not in fields:
                where = f" in {format_path(at)}" if at else ""
                listed = ", ".join(sorted(fields))
                raise _EditProblem(
                    f"unknown field '{name}'{where}",
                    _suggest(name, sorted(fields), f"fields here: {listed}"),
                )
            node = fields[name]
            at = (*at, name)
            value = value.get(name) if isinstance(value, dict) else None
            continue
        if node.get("type") != "array" or not isinstance(node.get("items"), Mapping):
            raise _EditProblem(
                f"{format_path(at)} is not a list", f"leave out [{arg}] after {at[-1]}"
            )
        items = value if isinstance(value, list) else []
        item_node: Mapping[str, Any] = node["items"]
        if kind == "append":
            if not last:
                raise _EditProblem(
                    "[+] adds a whole entry, so it ends the path",
                    f"write {format_path(at)}[+]={{...}} with every field of the new entry",
                )
            if edit.removes:
                raise _EditProblem("[+] adds an entry, but the value is ~", "give the entry")
            return (*at, len(items)), item_node
        if kind == "index":
            position = int(arg)
            if position >= len(items):
                raise _EditProblem(
                    f"{format_path(at)} has {len(items)} entries, so [{position}] is not one",
                    f"use [0] to [{len(items) - 1}], a selector such as [id=...], or [+] to add"
                    if items
                    else f"add an entry with {format_path(at)}[+]={{...}}",
                )
        else:
            position = _select(items, str(arg), item_node, at)
        node, at, value = item_node, (*at, position), items[position]
    return at, node


def _select(items: list[Any], selector: str, node: Mapping[str, Any], at: YamlPath) -> int:
    wanted: dict[str, str] = {}
    for part in selector.split(","):
        name, _, text = part.partition("=")
        name, text = name.strip(), text.strip()
        fields = sorted(node.get("properties", {}))
        if name not in fields:
            raise _EditProblem(
                f"entries of {format_path(at)} have no field '{name}'",
                _suggest(name, fields, f"fields: {', '.join(fields)}"),
            )
        wanted[name] = text
    matches = [
        i
        for i, item in enumerate(items)
        if isinstance(item, dict)
        and all(k in item and _text(item[k]) == v for k, v in wanted.items())
    ]
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(f"{k}={v}" for k, v in wanted.items())
    if not matches:
        first = next(iter(wanted))
        known = [_text(i[first]) for i in items if isinstance(i, dict) and first in i]
        listed = ", ".join(dict.fromkeys(known)) or "none"
        raise _EditProblem(
            f"no entry of {format_path(at)} has {shown}",
            did_you_mean(wanted[first], known, f"its entries' {first}: {listed}"),
        )
    raise _EditProblem(
        f"{len(matches)} entries of {format_path(at)} have {shown} "
        f"(entries {', '.join(map(str, matches))})",
        "add another field to the selector, e.g. [unit=police,kind=torture], or use a position",
    )


def _suggest(word: str, names: Sequence[str], otherwise: str) -> str:
    """did_you_mean, or the field whose start is spelled most like the word: a short, misspelt
    `suport` for `support_for_military_rule_pct`."""
    hint = did_you_mean(word, names, "")
    if hint:
        return hint
    scored = [(SequenceMatcher(None, word, n[: len(word)]).ratio(), n) for n in names]
    best = max(scored, default=(0.0, ""))
    return f"did you mean '{best[1]}'?" if best[0] >= 0.75 else otherwise


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _apply(data: dict[str, Any], edit: Edit) -> YamlPath:
    at, _ = _resolve(data, edit)
    parent: Any = data
    for k, part in enumerate(at[:-1]):
        if isinstance(parent, dict) and part not in parent:
            if edit.removes:
                return at  # removing what is not there changes nothing
            parent[part] = [] if isinstance(at[k + 1], int) else {}
        parent = parent[part]
    last = at[-1]
    if edit.removes:
        if isinstance(parent, list):
            del parent[int(last)]
        elif isinstance(parent, dict):
            parent.pop(str(last), None)
    elif isinstance(parent, list) and int(last) == len(parent):
        parent.append(edit.value)
    else:
        parent[last] = edit.value
    return at


def is_edit_label(file: str) -> bool:
    """Whether a value's or a problem's file is a `--set` (see Edit.label)."""
    return file.startswith("--set ")


def edit_number(file: str) -> str:
    """`--set 2` from an edit's label `--set 2 (PATH=VALUE)`."""
    return file.partition(" (")[0]


# --- problems -----------------------------------------------------------------------------


def _problem(label: str, message: str, fix: str) -> Problem:
    return Problem(label, None, None, message, fix)


def _unlocated(problem: Problem, label: str) -> Problem:
    """A problem in a value's YAML, as the value's `--set` (the column is within the value)."""
    return replace(problem, file=label, line=None, column=None)


def _from_edit(problem: Problem, edits: Sequence[Edit]) -> Problem:
    """A validator's problem at a value an edit wrote: named by that `--set`, without the
    path it prints first (the label shows it)."""
    if not is_edit_label(problem.file):
        return problem
    message = problem.message
    for edit in edits:
        if edit.label == problem.file:
            prefix = re.sub(r"\[[^\]]*=[^\]]*\]|\[\+\]", "", edit.path)
            head, sep, rest = message.partition(": ")
            if sep and re.sub(r"\[\d+\]", "", head) == prefix:
                message = rest
    return replace(problem, line=None, column=None, message=message)


# --- writing edits ------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_RESERVED = {"true", "false", "null", "~", "yes", "no", "on", "off"}


def flow(value: Any) -> str:
    """A value as `--set` takes it (YAML flow): `30`, `stable`, `true`, `[a, b]`, `{k: v}`."""
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def edit_path(data: Any, at: YamlPath, keys: Mapping[str, Sequence[str]] | None = None) -> str:
    """A YAML path as `--set` takes it, each list entry chosen by its id or natural key when
    that names it alone (`institutions[id=army].kind`), else by its position. `keys`: per
    list path (indexes as `*`), the fields of its natural key."""
    out, value = "", data
    pattern: tuple[str, ...] = ()
    for part in at:
        if isinstance(part, int):
            items = value if isinstance(value, list) else []
            item = items[part] if part < len(items) else None
            pattern = (*pattern, "*")
            names = ["id"] if isinstance(item, dict) and "id" in item else []
            names = names or list((keys or {}).get(format_path(pattern), ()))
            selector = str(part)
            names = [n for n in names if isinstance(item, dict) and n in item]
            if isinstance(item, dict) and names:
                wanted = {n: _text(item[n]) for n in names}
                same = [
                    i
                    for i in items
                    if isinstance(i, dict)
                    and all(n in i and _text(i[n]) == t for n, t in wanted.items())
                ]
                plain = all(re.fullmatch(r"[^\[\],=]+", t) for t in wanted.values())
                if len(same) == 1 and plain:
                    selector = ",".join(f"{n}={t}" for n, t in wanted.items())
            out += f"[{selector}]"
            value = item
        else:
            out += ("." if out else "") + part
            pattern = (*pattern, part)
            value = value.get(part) if isinstance(value, dict) else None
    return out
