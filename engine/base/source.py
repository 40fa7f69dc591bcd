"""Load YAML safely, keeping the file:line of every value.

PyYAML's safe loader still accepts duplicate keys (keeping the last) and expands aliases
without limit. We compose the node tree ourselves so that every mapping key and value can
be traced back to its line, duplicates become errors, and size, depth and alias expansion
are bounded before any Python object is built.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml
import yaml.constructor
import yaml.error
import yaml.reader
import yaml.resolver
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import read_utf8

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

YamlPath = tuple[str | int, ...]

# libyaml composes about ten times faster; both loaders give the same nodes and marks.
_C_PARSER: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)

# Control characters (other than tab and line breaks) and lone surrogates cannot be written to
# a report or passed to the engine.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MERGE = (
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "merge")
)
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP})

# Plain values are read by the YAML 1.2 core schema, not PyYAML's YAML 1.1 rules: only
# true/false are booleans (a country code NO stays text), 1e308 is a number, and 1:30, 0x2F,
# 0o17, yes/no/on/off and 1_000 are text. Integers are decimal only (017 is 17).
_CORE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_NULL, re.compile(r"~|null|Null|NULL|")),
    (_BOOL, re.compile(r"true|True|TRUE|false|False|FALSE")),
    (_INT, re.compile(r"[-+]?[0-9]+")),
    (
        _FLOAT,
        re.compile(
            r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
            r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
        ),
    ),
)
_CORE_PATTERNS = dict(_CORE)
_KIND = {
    _NULL: "an empty value",
    _BOOL: "true or false",
    _INT: "a whole number",
    _FLOAT: "a number",
}
_YAML11: Any = yaml.resolver.Resolver()  # how YAML 1.1 tags a plain value
MAX_DIGITS = 18  # integers up to 10**18: far beyond any amount, year or score a file holds
# Reads dates (its timestamp reader keeps no state between calls).
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class Location(NamedTuple):
    """Where a value sits: a tuple, because a file holds hundreds of them and each is made
    while the file is read."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """Parsed YAML: its data, where each value sits, and problems that did not stop parsing.

    A document merged from several files (a snapshot that extends another) keeps, for each
    value, the file it came from; `texts` holds every file's text, for content hashes.
    """

    path: str
    data: Any
    locations: dict[YamlPath, Location]
    texts: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...] = ()
    # Every mapping key written in the files read (None when not known, e.g. for data made
    # in code): a reader can skip a walk that looks for keys none of the files holds.
    keys: frozenset[str] | None = None

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.texts)

    def location(self, path: YamlPath) -> Location | None:
        """The location of `path`, or of its nearest ancestor that has one."""
        found = self.locations.get(path)  # the usual case: the value itself was read
        if found is not None:
            return found
        for cut in range(len(path) - 1, -1, -1):
            found = self.locations.get(path[:cut])
            if found is not None:
                return found
        return None

    def problem(
        self, path: YamlPath, message: str, fix: str, level: str = "error", rule: str | None = None
    ) -> Problem:
        loc = self.location(path)
        if loc is None:
            return Problem(self.path, None, None, message, fix, level, rule)
        return Problem(loc.file, loc.line, loc.column, message, fix, level, rule)

    def not_a_mapping(self, what: str, fix: str) -> Problem | None:
        """The problem of a file that should hold a mapping of fields (`what`: "a profile")
        but holds a list or a single value; None when it is a mapping."""
        if isinstance(self.data, dict):
            return None
        kind = "a list" if isinstance(self.data, list) else "a single value"
        return self.problem(
            (), f"{what} must be a mapping of fields, but this file holds {kind}", fix
        )


# A Location made without its class's Python-level __new__: one is made for every value read.
_new_location: Any = tuple.__new__


@lru_cache(maxsize=16384)
def format_path(path: YamlPath) -> str:
    """`('institutions', 0, 'kind')` → `institutions[0].kind` (the same paths recur in every
    profile, so their texts are remembered)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def read_text(path: Path, label: str | None = None) -> str:
    """Read a regular UTF-8 file of at most MAX_BYTES, turning every way it can fail into one
    Problem (a FIFO, a device or a folder is refused before anything is read)."""
    return read_utf8(path, label or str(path), MAX_BYTES)


def load_yaml(path: Path, label: str | None = None, lenient: bool = False) -> Document:
    """Parse one YAML file into a Document, or raise InputError naming file and line.

    With `lenient`, problems that leave the data usable (a duplicate key, a tag) are kept in
    `Document.problems` so that callers can report them with everything else they find.
    """
    shown = label or str(path)
    doc = parse_yaml(read_text(path, shown), shown)
    if doc.problems and not lenient:
        raise InputError(doc.problems)
    return doc


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while, then as it was: for work that makes
    a great many objects with no reference cycles, which the collector would walk again and
    again for nothing (a YAML node tree, an unpickled rule set)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_yaml(text: str, shown: str) -> Document:
    """Parse YAML text (already read) into a Document; fatal problems raise InputError."""
    # A node tree is freed by reference counting as soon as it is read.
    with collector_paused():
        return _parse_yaml(text, shown)


def _parse_yaml(text: str, shown: str) -> Document:
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        node = yaml.compose(text, Loader=_DEFERRING_LOADER)
    except yaml.YAMLError:
        # libyaml words its errors differently; the pure-Python parser gives the message.
        node = None
    except RecursionError:
        raise InputError([_too_deep(text, shown)]) from None
    if node is not None and _DEFERRING_LOADER is not _FAST_LOADER:
        try:
            data, locations, keys = _read_plainly(node, shown)
        except _Unsure:  # something _Builder words a problem about, or a limit: read again
            node = yaml.compose(text, Loader=_FAST_LOADER)
        else:
            return Document(shown, data, locations, ((shown, text),), (), frozenset(keys))
    if node is None:
        node = _compose_slowly(text, shown)
    builder = _Builder(shown)
    data = builder.build(node, (), 0)
    if builder.fatal:
        raise InputError(builder.problems)
    return Document(
        shown,
        data,
        builder.locations,
        ((shown, text),),
        tuple(builder.problems),
        frozenset(builder.keys),
    )


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of the character at `pos` in `text`."""
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _too_deep(text: str, shown: str) -> Problem:
    """Nesting too deep for the parser: point at the bracket that passes the depth limit."""
    depth = 0
    for match in re.finditer(r"[\[{]|[\]}]", text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line, column = line_column(text, match.start())
            return Problem(
                shown,
                line,
                column,
                f"nesting deeper than {MAX_DEPTH} levels",
                "flatten the structure",
            )
    return Problem(shown, None, None, "nesting too deep to read", "flatten the structure")


def _compose_slowly(text: str, shown: str) -> Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise InputError([_too_deep(text, shown)]) from None
    except yaml.reader.ReaderError:
        raise InputError(_unreadable_characters(text, shown)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = "fix the YAML syntax at this point"
        if "\\t" in problem or "\t" in problem or "tab" in problem:
            hint = "indent with spaces, not tabs"
        raise InputError(
            [
                Problem(
                    shown,
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                    f"YAML syntax error: {problem}",
                    hint,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            [Problem(shown, None, None, f"YAML error: {exc}", "fix the YAML syntax")]
        ) from None
    if node is None:
        raise InputError(
            [Problem(shown, 1, 1, "file is empty", "write the YAML content it should hold")]
        )
    return node


def _unreadable_characters(text: str, shown: str) -> list[Problem]:
    """Every character YAML refuses to read (control characters), with its line and column."""
    problems = []
    for found in yaml.reader.Reader.NON_PRINTABLE.finditer(text):
        line, column = line_column(text, found.start())
        problems.append(
            Problem(
                shown,
                line,
                column,
                f"control character U+{ord(found.group()[0]):04X} is not allowed in YAML",
                "delete it (most editors do not show it); only printable text, tabs and line"
                " breaks are allowed",
            )
        )
    return problems or [
        Problem(shown, None, None, "YAML cannot read this file", "save it as plain UTF-8 text")
    ]


@lru_cache(maxsize=4096)
def _implicit_tag(value: str) -> str:
    """The tag YAML 1.1 gives a plain value written without one (`_Builder` reads it by
    YAML 1.2)."""
    return str(_YAML11.resolve(ScalarNode, value, (True, False)))


class _Resolver(yaml.resolver.BaseResolver):
    """PyYAML's tags, with the tag of each plain value remembered: its resolver tries every
    YAML 1.1 pattern again on each value, and values recur in every profile."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _implicit_tag(value) if implicit[0] else _STR
        if kind is SequenceNode:
            return str(self.DEFAULT_SEQUENCE_TAG)
        return str(self.DEFAULT_MAPPING_TAG)


if _C_PARSER is not None:

    class _CLoader(_C_PARSER, _Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _C_PARSER.__init__(self, stream)
            _Resolver.__init__(self)

    class _DeferringLoader(_C_PARSER):  # type: ignore[misc]
        """libyaml composing without resolving tags: where a tag is to be resolved, the
        node's tag is `slice(kind, value, implicit)`, the arguments PyYAML's resolver would
        have been called with (`_Resolver().resolve(*those)` gives the tag the other loader gives).

        libyaml calls the resolver three times per node from C; builtins called in place of
        Python methods make composing about a quarter faster.
        """

        descend_resolver = staticmethod(slice)  # (parent, index): no path resolvers
        ascend_resolver = staticmethod(tuple)  # ()
        resolve = staticmethod(slice)  # (kind, value, implicit)

    _FAST_LOADER: Any = _CLoader
    _DEFERRING_LOADER: Any = _DeferringLoader
else:  # pragma: no cover - PyYAML without libyaml
    _FAST_LOADER = _DEFERRING_LOADER = yaml.SafeLoader


@lru_cache(maxsize=4096)
def _plain_tag(value: str, tag: str) -> str:
    """The tag of a plain value: a tag YAML 1.1 guessed (none was written) is replaced by
    the YAML 1.2 reading; dates stay dates (they are kept as text)."""
    if tag == _TIMESTAMP or tag != _implicit_tag(value):
        return tag
    return next((t for t, rx in _CORE if rx.fullmatch(value)), _STR)


class _Unsure(Exception):
    """`_read_plainly` met what only `_Builder` handles (a problem to word, a tag, a limit)."""


_UNSURE: Any = object()  # a value `_Builder` would report a problem about
_MISSING: Any = object()
_NOWHERE = yaml.error.Mark("", 0, 0, 0, None, 0)
_PLAIN: dict[str, Any] = {}  # plain value (as written) -> what it reads as, or _UNSURE
_PLAIN_KEYS: dict[str, Any] = {}  # the same for a mapping key (always text)
_REMEMBERED = 16_384  # values remembered at most (then forgotten at once), each of at most:
_REMEMBERED_CHARS = 200


def _plain_value(text: str) -> Any:
    """What `_Builder` reads from a plain, untagged value, or _UNSURE if it finds a problem
    in it; the values of short texts are remembered (they recur in every profile)."""
    builder = _Builder("")
    node = ScalarNode(_implicit_tag(text), text, _NOWHERE, _NOWHERE, "")
    value = builder._scalar(node)
    if builder.problems or builder.fatal:
        value = _UNSURE
    _remember(_PLAIN, text, value)
    return value


def _plain_key(text: str) -> Any:
    """`_plain_value` for a mapping key: the key as text, or _UNSURE (a merge key `<<` too)."""
    if _implicit_tag(text) == _MERGE:
        key = _UNSURE
    else:
        value = _PLAIN.get(text, _MISSING)
        if value is _MISSING:
            value = _plain_value(text)
        key = _UNSURE if value is _UNSURE else str(value)
    _remember(_PLAIN_KEYS, text, key)
    return key


def _remember(table: dict[str, Any], text: str, value: Any) -> None:
    """Keep what a short text reads as; a full table is forgotten at once."""
    if len(text) <= _REMEMBERED_CHARS:
        if len(table) >= _REMEMBERED:
            table.clear()
        table[text] = value


def _read_plainly(node: Node, shown: str) -> tuple[Any, dict[YamlPath, Location], set[str]]:
    """Data, locations and keys of a tree composed by `_DeferringLoader`, the way `_Builder`
    reads it, in one pass with no problem to word: where `_Builder` would report one (or
    might: a tag written out, a limit near), raise _Unsure, and `_Builder` reads the file.

    Equivalent to `_Builder` on every file it accepts (tests compare the two); it is the
    path every valid file takes, so it is written for speed: scalars are read in place, and
    the value of a plain text is looked up once per process. (Plain functions, not closures
    that call one another: those would make a reference cycle holding all that was read.)
    """
    locations: dict[YamlPath, Location] = {}
    keys: set[str] = set()
    mark = node.start_mark
    locations[()] = _new_location(Location, (shown, mark.line + 1, mark.column + 1))
    kind = type(node)
    if kind is ScalarNode:
        data = _plain_scalar(node)
    elif kind is MappingNode:
        data = _plain_mapping(node, (), 0, locations, keys, shown)
    else:
        data = _plain_sequence(node, (), 0, locations, keys, shown)
    if len(locations) > MAX_NODES:  # `_Builder` counts one value per location
        raise _Unsure
    return data, locations, keys


def _plain_scalar(node: Any) -> Any:
    tag = node.tag
    if type(tag) is not slice:
        raise _Unsure
    text = node.value
    if node.style == "":
        if not tag.step[0]:  # the non-specific tag `!`
            raise _Unsure
        value = _PLAIN.get(text, _MISSING)
        if value is _MISSING:
            value = _plain_value(text)
        if value is _UNSURE:
            raise _Unsure
        return value
    if tag.step[0] or _UNSAFE_TEXT.search(text):
        raise _Unsure
    return text


def _plain_mapping(
    node: Any,
    path: YamlPath,
    depth: int,
    locations: dict[YamlPath, Location],
    keys: set[str],
    shown: str,
) -> dict[str, Any]:
    tag: Any = node.tag
    if type(tag) is not slice or depth >= MAX_DEPTH or len(locations) > MAX_NODES:
        raise _Unsure
    out: dict[str, Any] = {}
    new, scalar_node, mapping_node = _new_location, ScalarNode, MappingNode
    for key_node, value_node in node.value:
        if type(key_node) is not scalar_node:
            raise _Unsure
        key_tag: Any = key_node.tag
        if type(key_tag) is not slice:
            raise _Unsure
        text = key_node.value
        if key_node.style == "":
            key = _PLAIN_KEYS.get(text, _MISSING)
            if key is _MISSING:
                key = _plain_key(text)
            if key is _UNSURE or not key_tag.step[0]:
                raise _Unsure
        else:
            if key_tag.step[0] or _UNSAFE_TEXT.search(text):
                raise _Unsure
            key = text
        if key in out:
            raise _Unsure
        child = (*path, key)
        mark = key_node.start_mark
        locations[child] = new(Location, (shown, mark.line + 1, mark.column + 1))
        kind = type(value_node)
        if kind is scalar_node:
            out[key] = _plain_scalar(value_node)
        elif kind is mapping_node:
            out[key] = _plain_mapping(value_node, child, depth + 1, locations, keys, shown)
        else:
            out[key] = _plain_sequence(value_node, child, depth + 1, locations, keys, shown)
    keys.update(out)
    return out


def _plain_sequence(
    node: Any,
    path: YamlPath,
    depth: int,
    locations: dict[YamlPath, Location],
    keys: set[str],
    shown: str,
) -> list[Any]:
    tag: Any = node.tag
    if type(tag) is not slice or depth >= MAX_DEPTH or len(locations) > MAX_NODES:
        raise _Unsure
    out: list[Any] = []
    new, scalar_node, mapping_node = _new_location, ScalarNode, MappingNode
    for i, item in enumerate(node.value):
        child = (*path, i)
        mark = item.start_mark
        locations[child] = new(Location, (shown, mark.line + 1, mark.column + 1))
        kind = type(item)
        if kind is scalar_node:
            out.append(_plain_scalar(item))
        elif kind is mapping_node:
            out.append(_plain_mapping(item, child, depth + 1, locations, keys, shown))
        else:
            out.append(_plain_sequence(item, child, depth + 1, locations, keys, shown))
    return out


def _short(value: str) -> str:
    return value if len(value) <= 24 else value[:20] + "…"


class _Builder:
    """Turn a composed node tree into plain data plus a path → location map."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.locations: dict[YamlPath, Location] = {}
        self.keys: set[str] = set()
        self.problems: list[Problem] = []
        self.nodes = 0
        self.fatal = False  # a limit was hit: the data is incomplete

    def _loc(self, node: Node) -> Location:
        mark = node.start_mark
        location: Location = _new_location(Location, (self.shown, mark.line + 1, mark.column + 1))
        return location

    def _problem(self, node: Node, message: str, fix: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.shown, mark.line + 1, mark.column + 1, message, fix))

    def build(self, node: Node, path: YamlPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fatal = True
            if self.nodes == MAX_NODES + 1:
                self._problem(
                    node,
                    f"more than {MAX_NODES:,} values (counting alias expansion)",
                    "remove repeated anchors/aliases or split the file",
                )
            return None
        if depth > MAX_DEPTH:
            self.fatal = True
            self._problem(
                node,
                f"nesting deeper than {MAX_DEPTH} levels",
                "flatten the structure",
            )
            return None
        if path not in self.locations:  # a mapping's value is already placed at its key
            self.locations[path] = self._loc(node)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self._bad_tag(node)
                return None
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: YamlPath, depth: int) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            self._bad_tag(node)
            return {}
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._problem(
                    key_node,
                    "merge keys (<<) are not supported",
                    "write the fields out in full",
                )
                continue
            if not isinstance(key_node, ScalarNode):
                self._problem(key_node, "a key must be plain text", "use a simple name as key")
                continue
            key = str(self._scalar(key_node))
            if key in out:
                first = self.locations.get((*path, key))
                where = f" (first at line {first.line})" if first else ""
                self._problem(
                    key_node,
                    f"duplicate key '{key}'{where}",
                    "keep one of them; YAML would silently drop the other",
                )
                continue
            child = (*path, key)
            self.keys.add(key)
            self.locations[child] = self._loc(key_node)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._bad_tag(node)
            return None
        # libyaml marks plain (unquoted) values with style "", the Python parser with None.
        tag = node.tag if node.style else _plain_tag(node.value, node.tag)
        if tag in _CORE_PATTERNS:
            return self._core(node, tag)
        if tag == _TIMESTAMP:
            # Dates are kept as written text so they compare and render exactly as the author
            # typed them; the calendar still checks them (2020-02-30 does not exist).
            try:
                _CONSTRUCTOR.construct_yaml_timestamp(node)
            except (ValueError, OverflowError, yaml.YAMLError):
                self._problem(
                    node, f"'{node.value}' is not a real date", "write a date that exists"
                )
            return node.value
        value: str = node.value
        if _UNSAFE_TEXT.search(value):
            self._problem(
                node,
                "text contains a control character or an unpaired surrogate",
                "remove it; only printable text, tabs and line breaks are allowed",
            )
            return _UNSAFE_TEXT.sub("\ufffd", value)
        return value

    def _core(self, node: ScalarNode, tag: str) -> Any:
        """A null, boolean or number by the YAML 1.2 core schema (decimal integers only)."""
        text = node.value
        if not _CORE_PATTERNS[tag].fullmatch(text):
            # Only reached with an explicit tag, e.g. `!!int 0x2F`.
            self._problem(
                node,
                f"'{_short(text)}' is not {_KIND[tag]}",
                "remove the tag, or write a plain decimal number, true or false",
            )
            return text
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() == "true"
        if tag == _INT:
            if len(text.lstrip("+-").lstrip("0")) > MAX_DIGITS:
                self._problem(
                    node,
                    f"'{_short(text)}' has more than {MAX_DIGITS} digits",
                    "write a smaller number",
                )
                return None
            return int(text)
        lowered = text.lower()
        if lowered == ".nan":
            self._problem(node, "NaN is not a number the engine can compare", "write a number")
            return None
        if lowered.endswith(".inf"):
            self._problem(node, "infinity is not allowed", "write a finite number")
            return None
        value = float(text)
        if value in (float("inf"), float("-inf")):
            self._problem(
                node, f"'{_short(text)}' is too large to be a number", "write a finite number"
            )
            return None
        return value

    def _bad_tag(self, node: Node) -> None:
        # A language tag means the file was written for another program: stop here.
        self.fatal = True
        self._problem(
            node,
            f"YAML tag '{node.tag}' is not allowed",
            "remove the tag; only plain text, numbers, true/false, lists and mappings are read",
        )
