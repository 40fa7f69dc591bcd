"""Snapshots that extend earlier ones: `extends: 2016.yaml` at the top of a profile.

How an extending snapshot combines with the one it extends:
- mappings merge key by key, recursively;
- lists whose items all carry an `id` (sources, institutions, programmes with ids) merge by
  id: an item with a known id updates that item, a new id is appended;
- any other value, and any other list, is replaced by the extending snapshot's.
Each value keeps the file and line it was written in, so problems and evidence point at the
snapshot that actually says it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder, is_regular_file, list_folder, resolved
from ssa_risk.base.kept import per_object
from ssa_risk.base.paths import display_path
from ssa_risk.base.source import Document, Location, YamlPath, format_path, load_yaml
from ssa_risk.base.validator import JSON_SCALARS

MAX_CHAIN = 16


def load_snapshot(
    path: Path,
    label: str | None = None,
    labels: Callable[[Path], str] = display_path,
    parsed: Document | None = None,
) -> Document:
    """Load a profile file and everything it extends, merged into one Document.

    `labels` names each snapshot of the chain it extends (e.g. as it was at a git revision).
    `parsed`: the file already read (leniently, under the same label), not to be read again.
    """
    shown = label or labels(path)
    refused = _not_a_profile(path, shown)
    if refused is not None:
        raise InputError([refused])
    doc = parsed if parsed is not None else load_yaml(path, shown, lenient=True)
    if _is_rule_file(doc):
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    "is a rule file, not a profile",
                    "check it with 'ssa-risk rules lint'",
                )
            ]
        )
    other = other_kind(doc)
    if other is not None:
        raise InputError([Problem(shown, None, None, f"is {other[0]}, not a profile", other[1])])
    chain = [doc]
    seen: set[Path] = set()  # every file of the chain, resolved (when there is a chain)
    current, current_path = doc, path
    while isinstance(current.data, dict) and "extends" in current.data:
        target = current.data["extends"]
        where = current.location(("extends",))
        line = where.line if where else None
        if not isinstance(target, str) or "/" in target or "\\" in target:
            raise InputError(
                [
                    Problem(
                        current.path,
                        line,
                        None,
                        "extends: must name a snapshot file in the same folder",
                        "write e.g. 'extends: 2016.yaml'",
                    )
                ]
            )
        parent_path = current_path.parent / target
        seen.add(resolved(current_path))
        if resolved(parent_path) in seen:
            raise InputError(
                [
                    Problem(
                        current.path,
                        line,
                        None,
                        f"extends: '{target}' leads back to a snapshot already in the chain",
                        "remove the loop: a snapshot can only extend an earlier one",
                    )
                ]
            )
        if len(chain) >= MAX_CHAIN:
            raise InputError(
                [
                    Problem(
                        current.path,
                        line,
                        None,
                        f"more than {MAX_CHAIN} snapshots extend one another",
                        "extend a nearer snapshot",
                    )
                ]
            )
        if not is_regular_file(parent_path):
            raise InputError(
                [
                    Problem(
                        current.path,
                        line,
                        None,
                        f"extends: '{target}' not found next to this file",
                        "name an existing snapshot in the same folder",
                    )
                ]
            )
        current = load_yaml(parent_path, labels(parent_path), lenient=True)
        current_path = parent_path
        chain.append(current)
    if len(chain) > 1:
        # Each file of a chain on its own (a single file is checked with the profile).
        chain = [replace(d, problems=d.problems + tuple(all_duplicate_ids(d))) for d in chain]
    merged = chain[-1]
    for child in reversed(chain[:-1]):
        if not isinstance(merged.data, dict):
            raise InputError(
                [
                    merged.problem(
                        (),
                        "a snapshot that others extend must be a mapping of fields",
                        "fix this file, or extend another snapshot",
                    )
                ]
            )
        merged = merge_documents(merged, child)
    return merged


PROFILE_SUFFIXES = (".yaml", ".yml")
_SAVED_KIND = re.compile(rb'"kind":\s*"(assessment|timeline)"')
_SAVED_FIX = (
    "this command takes profiles (.yaml files); to compare saved assessments use "
    "'ssa-risk diff OLD.json NEW.json'"
)


def _not_a_profile(path: Path, shown: str) -> Problem | None:
    """Why a file that is not named .yaml is no profile (what ssa-risk wrote, when it wrote
    it), rather than the schema's complaints about every key of it; None for a .yaml name,
    and for a path that is no regular file (reading it says why)."""
    if path.suffix.lower() in PROFILE_SUFFIXES or not is_regular_file(path):
        return None
    try:
        with path.open("rb") as file:
            head = file.read(4096)  # ssa-risk writes "kind" second, in the first line or two
    except OSError:
        head = b""
    found = _SAVED_KIND.search(head)
    if found is not None and found.group(1) == b"assessment":
        return Problem(shown, None, None, "is a saved assessment, not a profile", _SAVED_FIX)
    if found is not None:
        return Problem(
            shown,
            None,
            None,
            "is a saved timeline (a country folder's report), not a profile",
            _SAVED_FIX,
        )
    return Problem(
        shown,
        None,
        None,
        "is not a profile: profiles are .yaml files",
        "name a .yaml snapshot, e.g. profiles/tunisia/2020.yaml",
    )


# Top-level keys of rule files (a lens's rules, scoring.yaml, references.yaml), and of profiles.
_RULE_KEYS = frozenset({"lens", "rules", "lenses", "references"})
_PROFILE_KEYS = frozenset({"schema_version", "country", "iso3", "as_of"})


# Files of the proposal journey, told by their top-level keys: (what it is, what to do).
_OTHER_KINDS = (
    (frozenset({"lines", "profile"}), ("a proposal", "judge it with 'ssa-risk proposal FILE'")),
    (
        frozenset({"decisions", "proposal"}),
        ("a decision record", "give it to 'ssa-risk proposal PROPOSAL' with --decision"),
    ),
)


def other_kind(doc: Document) -> tuple[str, str] | None:
    """What a file named as a profile is when it is a proposal or a decision record, and the
    fix; None otherwise."""
    keys = set(doc.data) if isinstance(doc.data, dict) else set()
    return next((what for wanted, what in _OTHER_KINDS if wanted <= keys), None)


def _is_rule_file(doc: Document) -> bool:
    """Whether a file named as a profile is a rule file: one line then says so, rather than
    the schema's complaints about every key of it."""
    keys = set(doc.data) if isinstance(doc.data, dict) else set()
    return bool(keys & _RULE_KEYS) and not keys & _PROFILE_KEYS


def merge_documents(base: Document, over: Document) -> Document:
    """`over` laid on top of `base`, as described in the module docstring."""
    locations: dict[YamlPath, Location] = {}
    problems: list[Problem] = []
    if isinstance(base.data, dict) and isinstance(over.data, dict):
        data = _merge(base, over, base.data, over.data, (), (), (), locations, problems)
        data.pop("extends", None)
        locations = {p: loc for p, loc in locations.items() if p[:1] != ("extends",)}
    else:
        data = over.data
        _copy(over, (), (), locations)
    return Document(
        over.path,
        data,
        locations,
        base.texts + over.texts,
        base.problems + over.problems + tuple(problems),
        None if base.keys is None or over.keys is None else base.keys | over.keys,
    )


def _copy(doc: Document, src: YamlPath, dst: YamlPath, out: dict[YamlPath, Location]) -> None:
    n = len(src)
    for path in _located_under(doc, src):
        out[dst + path[n:]] = doc.locations[path]


@per_object
def _prefix_index(doc: Document) -> tuple[list[YamlPath], dict[YamlPath, Any]]:
    """A document's located paths in order and where each one's subtree runs in them, or,
    for a document whose locations are not in that order, every path under each prefix
    (a merge needs two documents at a time; a few are kept)."""
    order = list(doc.locations)
    runs = _runs(order)
    return order, runs if runs is not None else _by_prefix(order)


def _located_under(doc: Document, src: YamlPath) -> list[YamlPath]:
    """Every located path of `doc` at or under `src`, in the order of `doc.locations`, so
    that copying a subtree is linear in its size."""
    order, index = _prefix_index(doc)
    found = index.get(src)
    if found is None:
        return []
    if isinstance(found, tuple):  # a run of `order`
        return order[found[0] : found[1]]
    return list(found)


def _by_prefix(order: list[YamlPath]) -> dict[YamlPath, list[YamlPath]]:
    """Every path under each prefix (for locations in no particular order)."""
    index: dict[YamlPath, list[YamlPath]] = {}
    for path in order:
        for k in range(len(path) + 1):
            index.setdefault(path[:k], []).append(path)
    return index


def _runs(order: list[YamlPath]) -> dict[YamlPath, tuple[int, int]] | None:
    """Where each path's subtree runs in `order`, the located paths of a document: in the
    order the YAML reader and merges place them, the top first, each path right after its
    parent or its parent's earlier subtrees, so that a subtree is one run starting at its
    top. None if `order` is not so."""
    runs: dict[YamlPath, tuple[int, int]] = {}
    open_: list[tuple[YamlPath, int]] = []  # the path just placed and its ancestors
    for i, path in enumerate(order):
        while open_ and path[: len(open_[-1][0])] != open_[-1][0]:
            top, start = open_.pop()
            runs[top] = (start, i)
        if (path[:-1] != open_[-1][0]) if open_ else (path != () or i > 0):
            return None  # its parent is not located, or not just before
        open_.append((path, i))
    for top, start in open_:
        runs[top] = (start, len(order))
    return runs


def _merge(
    base: Document,
    over: Document,
    b: Any,
    o: Any,
    bpath: YamlPath,
    opath: YamlPath,
    out_path: YamlPath,
    out: dict[YamlPath, Location],
    problems: list[Problem],
) -> Any:
    if isinstance(b, dict) and isinstance(o, dict):
        loc = over.locations.get(opath) or base.locations.get(bpath)
        if loc is not None:
            out[out_path] = loc
        result: dict[str, Any] = {}
        for key in [*b, *(k for k in o if k not in b)]:
            child = (*out_path, key)
            if key in o and key in b:
                result[key] = _merge(
                    base, over, b[key], o[key], (*bpath, key), (*opath, key), child, out, problems
                )
                key_loc = over.locations.get((*opath, key))
                if key_loc is not None:
                    out[child] = key_loc
            elif key in o:
                result[key] = o[key]
                _copy(over, (*opath, key), child, out)
            else:
                result[key] = b[key]
                _copy(base, (*bpath, key), child, out)
        return result
    if _by_id(b) and isinstance(o, list) and o and not _by_id(o):
        # Replacing an id'd list with entries that lack ids would silently drop the inherited
        # entries: ask for ids instead.
        for j, item in enumerate(o):
            if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
                problems.append(
                    over.problem(
                        (*opath, j),
                        f"{format_path(out_path)}[{j}]: the inherited entries have ids but this "
                        "one has none, so it would replace them all",
                        "give it an 'id:' (a new one to add it, an inherited one to change it)",
                    )
                )
        _copy(over, opath, out_path, out)
        return o
    if _by_id(b) and _by_id(o):
        loc = over.locations.get(opath)
        if loc is not None:  # placed before its entries, as the YAML reader places a list
            out[out_path] = loc
        index = {item["id"]: i for i, item in enumerate(b)}
        items: list[Any] = [None] * len(b)
        updated = {item["id"]: (j, item) for j, item in enumerate(o)}
        for i, item in enumerate(b):
            if item["id"] in updated:
                j, new = updated[item["id"]]
                items[i] = _merge(
                    base, over, item, new, (*bpath, i), (*opath, j), (*out_path, i), out, problems
                )
            else:
                items[i] = item
                _copy(base, (*bpath, i), (*out_path, i), out)
        for j, item in enumerate(o):
            if item["id"] not in index:
                index[item["id"]] = len(items)  # a duplicate is reported above, added once
                _copy(over, (*opath, j), (*out_path, len(items)), out)
                items.append(item)
        return items
    _copy(over, opath, out_path, out)
    return o


def _by_id(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in value)
    )


def all_duplicate_ids(doc: Document) -> list[Problem]:
    """Every entry, in any list of one file, whose id an earlier entry of the list has."""
    if not _may_repeat_an_id(doc.data):  # the usual answer, found without paths
        return []
    out: list[Problem] = []
    stack: list[tuple[YamlPath, Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack += [((*path, k), v) for k, v in value.items() if isinstance(v, dict | list)]
        elif isinstance(value, list):
            out += _duplicate_ids(doc, path, value)
            stack += [((*path, i), v) for i, v in enumerate(value) if isinstance(v, dict | list)]
    return out


def _may_repeat_an_id(value: Any) -> bool:
    """Whether a list in `value` repeats an id; True too for a value of a type other than
    JSON's containers and scalars (data made in code), which the full walk then looks at."""
    items: Iterable[Any]
    if type(value) is dict:
        items = value.values()
    elif type(value) is list:
        ids: set[str] = set()
        for item in value:
            if type(item) is dict:
                ident = item.get("id")
                if isinstance(ident, str):
                    if ident in ids:
                        return True
                    ids.add(ident)
        items = value
    else:
        return type(value) not in JSON_SCALARS
    for item in items:
        kind = type(item)
        if kind is dict or kind is list:
            if _may_repeat_an_id(item):
                return True
        elif kind not in JSON_SCALARS:
            return True
    return False


def _duplicate_ids(doc: Document, path: YamlPath, items: list[Any]) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for j, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        if ident in seen:
            field = format_path((*path, j, "id"))
            out.append(
                doc.problem(
                    (*path, j, "id"),
                    f"{field}: duplicate id '{ident}' (also entry {seen[ident]})",
                    "merge the two entries into one, or give each its own id",
                )
            )
        else:
            seen[ident] = j
    return out


def folder_snapshots(folder: Path, shown: str) -> list[Path]:
    """The `.yaml` snapshots of a country folder, in order, or of every country folder in a
    folder of them (a profiles folder); InputError if it holds none."""
    return [s for country in country_folders(folder, shown) for s in _snapshots_in(country)]


def country_folders(folder: Path, shown: str) -> list[Path]:
    """The folder itself when it holds `.yaml` snapshots, else the folders in it that do (a
    profiles folder: one folder per country), by name; InputError if there is neither."""
    if list_folder(folder, ".yaml", shown):
        return [folder]
    countries = [
        entry
        for entry in list_folder(folder, "", shown)
        # Hidden folders (.git, editor state) hold no profiles.
        if not entry.name.startswith(".")
        and is_folder(entry, f"{shown}/{entry.name}")
        and _snapshots_in(entry)
    ]
    if not countries:
        raise InputError(
            [
                Problem(
                    shown,
                    None,
                    None,
                    "no .yaml snapshots in this folder, nor in a country folder inside it",
                    "name a country folder of profiles, e.g. profiles/tunisia",
                )
            ]
        )
    return countries


def _snapshots_in(folder: Path) -> list[Path]:
    return list_folder(folder, ".yaml", display_path(folder))


def country_mismatch(snapshots: Sequence[tuple[str, str, str]]) -> Problem | None:
    """For the snapshots of one folder, each as (path shown, country, iso3): the first that
    is of another country than the first snapshot, or None when all are of one country."""
    if not snapshots:
        return None
    first_path, first_country, first_iso3 = snapshots[0]
    for path, country, iso3 in snapshots[1:]:
        if iso3 != first_iso3:
            return Problem(
                path,
                None,
                None,
                f"is a snapshot of {country}, but {first_path} is of {first_country}",
                "keep one country's snapshots per folder",
            )
    return None
