"""Safe YAML loading: exact messages for broken and hostile input, bounded work."""

from __future__ import annotations

import contextlib
import gc
import time
from typing import Any

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from ssa_risk.base import source
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.source import MAX_BYTES, load_yaml
from tests.helpers import REPO_ROOT, yaml_problems

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "a: 1\nb: 2\na: 3\n",
            [
                "p.yaml:3:1: duplicate key 'a' (first at line 1) — keep one of them; "
                "YAML would silently drop the other"
            ],
        ),
        (
            "a:\n\tb: 1\n",
            [
                "p.yaml:2:1: YAML syntax error: found character '\\t' that cannot start any token"
                " — indent with spaces, not tabs"
            ],
        ),
        (
            b"a: caf\xe9\n",
            ["p.yaml:1: byte 0xe9 is not valid UTF-8 — save the file as UTF-8"],
        ),
        (
            "a: !!python/object:os.system {}\n",
            [
                "p.yaml:1:4: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"
                " — remove the tag; only plain text, numbers, true/false, lists and mappings"
                " are read"
            ],
        ),
        (
            "a: .nan\n",
            ["p.yaml:1:4: NaN is not a number the engine can compare — write a number"],
        ),
        (
            "base: &b {x: 1}\nother:\n  <<: *b\n",
            ["p.yaml:3:3: merge keys (<<) are not supported — write the fields out in full"],
        ),
    ],
    ids=["duplicate-key", "tab", "non-utf8", "python-tag", "nan", "merge-key"],
)
def test_broken_yaml_messages(tmp_path, content, expected):
    assert yaml_problems(tmp_path, content) == expected


def test_every_duplicate_key_is_reported_in_one_pass(tmp_path):
    assert yaml_problems(tmp_path, "a: 1\na: 2\nb:\n  c: 1\n  c: 2\n") == [
        "p.yaml:2:1: duplicate key 'a' (first at line 1) — keep one of them; "
        "YAML would silently drop the other",
        "p.yaml:5:3: duplicate key 'c' (first at line 4) — keep one of them; "
        "YAML would silently drop the other",
    ]


def test_alias_expansion_bomb_is_refused_quickly(tmp_path):
    start = time.perf_counter()
    problems = yaml_problems(tmp_path, BOMB)
    assert time.perf_counter() - start < 5  # 9**9 values if expanded; refused early instead
    assert problems == [
        "p.yaml:1:32: more than 200,000 values (counting alias expansion)"
        " — remove repeated anchors/aliases or split the file"
    ]


def test_deep_nesting_is_refused(tmp_path):
    text = "a: " + "[" * 70 + "]" * 70 + "\n"
    problems = yaml_problems(tmp_path, text)
    assert problems == ["p.yaml:1:68: nesting deeper than 64 levels — flatten the structure"]


def test_oversized_file_is_refused_before_parsing(tmp_path):
    problems = yaml_problems(tmp_path, "a: " + "x" * MAX_BYTES + "\n")
    assert problems == [
        f"p.yaml: file is {MAX_BYTES + 4:,} bytes, over the {MAX_BYTES:,}-byte limit"
        " — split it or remove unrelated content"
    ]


def test_locations_point_at_keys_and_list_items(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  - x: 1\n  - x: 2\n    y: [3]\n", encoding="utf-8")
    doc = load_yaml(path, "p.yaml")
    assert doc.data == {"a": [{"x": 1}, {"x": 2, "y": [3]}]}
    assert doc.locations[("a", 1, "y")].line == 4
    assert doc.location(("a", 1, "y", 0, "missing")) == doc.locations[("a", 1, "y", 0)]


def test_dates_are_kept_as_written(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("as_of: 2020-07-01\n", encoding="utf-8")
    assert load_yaml(path).data == {"as_of": "2020-07-01"}


def _tree(node: Node | None) -> object:
    """A node tree as plain data: tag, style, value and both marks of every node."""
    assert node is not None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    tag: Any = node.tag
    if type(tag) is slice:  # left to be resolved by the deferring loader: resolved here
        tag = source._Resolver().resolve(tag.start, tag.stop, tag.step)
    if isinstance(node, ScalarNode):
        return (tag, node.style, node.value, marks)
    if isinstance(node, MappingNode):
        return (tag, [(_tree(k), _tree(v)) for k, v in node.value], marks)
    return (tag, [_tree(item) for item in node.value], marks)


TRICKY = """\
plain: [NO, yes, on, 1:30, 0x2F, 0o17, 1_000, 017, 1e308, .inf, -.NaN, ~, null, '', 2020-02-30]
quoted: ["NO", 'yes', "17"]
tagged: [!!str 17, !!int 17, !!bool yes, !!float 1]
<<: {a: 1}
value: =
dates: [2020-07-01, 2001-12-14t21:59:43.10-05:00]
"""

BUNDLED = sorted(
    p.relative_to(REPO_ROOT)
    for folder in ("profiles", "rules", "proposals")
    for p in (REPO_ROOT / folder).rglob("*.yaml")
)
LOADERS = {"fast": source._FAST_LOADER, "deferring": source._DEFERRING_LOADER}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("path", BUNDLED, ids=str)
def test_the_fast_loaders_compose_what_pyyaml_composes(path, loader):
    # The reader's loaders remember or defer the tag of each plain value; the tree (with its
    # tags resolved) must not change.
    text = (REPO_ROOT / path).read_text(encoding="utf-8")
    mine = yaml.compose(text, Loader=LOADERS[loader])
    assert _tree(mine) == _tree(yaml.compose(text, Loader=yaml.CSafeLoader))


@pytest.mark.parametrize("loader", LOADERS)
def test_the_fast_loaders_tag_tricky_values_as_pyyaml_does(loader):
    mine = yaml.compose(TRICKY, Loader=LOADERS[loader])
    assert _tree(mine) == _tree(yaml.compose(TRICKY, Loader=yaml.CSafeLoader))
    # And read twice (the remembered tags are used the second time), it is read the same.
    assert _tree(yaml.compose(TRICKY, Loader=LOADERS[loader])) == _tree(mine)


def _deferred(text: str) -> Node:
    node = yaml.compose(text, Loader=source._DEFERRING_LOADER)
    assert node is not None
    return node


def _built(text: str, shown: str = "p.yaml") -> tuple[str, str, list[Problem], bool, set[str]]:
    """What `_Builder`, the reader that words every problem, makes of `text`; data and
    locations as their repr, so that 1, 1.0 and True differ."""
    builder = source._Builder(shown)
    node = yaml.compose(text, Loader=source._FAST_LOADER)
    assert node is not None
    data = builder.build(node, (), 0)
    locations = repr(list(builder.locations.items()))
    return repr(data), locations, builder.problems, builder.fatal, builder.keys


# Valid, but awkward: every kind of scalar, as a value and as a key, aliases, odd documents.
READ_PLAINLY = [
    "plain: [NO, yes, on, 1:30, 0x2F, 0o17, 1_000, 017, 1e308, ~, null, '', 2020-07-01]\n",
    "numbers: [0, -0, +12, 1.5, .5, 1., 1e3, 1.5E-3, -1.0, 007.50, 123456789012345678]\n",
    "quoted: ['NO', \"yes\", '17', \"\", \"tab\\there\", 'it''s']\n",
    "words: [true, True, FALSE, Null, NULL, on, off, y, n, '~']\n",
    "1: a\n1.5: b\nnull: c\ntrue: d\n'2': e\n~x: f\n2020-07-01: g\n",
    "a: &x {b: [1, 2], c: {d: e}}\nf: *x\ng: [*x, *x]\n",
    "dates: [2020-07-01, 2001-12-14t21:59:43.10-05:00, 2002-12-14]\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "- a\n- [b, {c: d}]\n- {}\n- []\n",
    "just a value\n",
    "17\n",
    "a: ''\nb:\nc: {}\n",
    "a: ! 12\n",  # the non-specific tag on a plain value: libyaml reads it as untagged
]

# Each needs `_Builder`: a problem to word, a tag written out, a key that is not text.
NOT_PLAINLY = [
    "a: 1\na: 2\n",
    "a: !!str 17\n",
    "a: !!python/object:os.system {}\n",
    "a: !!map {b: 1}\n",
    "a: !!seq [1]\n",
    "a: ! '12'\n",  # read as the number 12, as PyYAML does
    "base: &b {x: 1}\nother:\n  <<: *b\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "a: .nan\n",
    "a: -.inf\n",
    "a: 1e999\n",
    "a: 1234567890123456789\n",
    "a: 2020-02-30\n",
    "a: =\n",
    'a: "\\x07"\n',
    "a: " + "[" * 70 + "]" * 70 + "\n",
    "1: a\n'1': b\n",
    "null: a\nNone: b\n",
]


@pytest.mark.parametrize("text", READ_PLAINLY)
def test_reading_plainly_reads_what_the_builder_reads(text):
    data, locations, keys = source._read_plainly(_deferred(text), "p.yaml")
    assert (repr(data), repr(list(locations.items())), [], False, keys) == _built(text)


@pytest.mark.parametrize("path", BUNDLED, ids=str)
def test_bundled_files_are_read_plainly_as_the_builder_reads_them(path):
    # The fast path is the one bundled files take, and it reads them as the builder does.
    text = (REPO_ROOT / path).read_text(encoding="utf-8")
    data, locations, keys = source._read_plainly(_deferred(text), str(path))
    assert (repr(data), repr(list(locations.items())), [], False, keys) == _built(text, str(path))
    doc = source.parse_yaml(text, str(path))
    assert (repr(doc.data), repr(list(doc.locations.items())), doc.keys) == (
        repr(data),
        repr(list(locations.items())),
        frozenset(keys),
    )


@pytest.mark.parametrize("text", NOT_PLAINLY)
def test_what_needs_words_is_left_to_the_builder(text):
    with pytest.raises(source._Unsure):
        source._read_plainly(_deferred(text), "p.yaml")
    data, locations, problems, fatal, _keys = _built(text)
    assert problems or fatal or "!" in text
    # parse_yaml falls back to the builder: the same data, or the same problems.
    try:
        doc = source.parse_yaml(text, "p.yaml")
    except InputError as exc:
        assert fatal
        assert list(exc.problems) == problems
    else:
        assert not fatal
        assert (repr(doc.data), repr(list(doc.locations.items())), list(doc.problems)) == (
            data,
            locations,
            problems,
        )


def test_a_value_past_the_limit_of_values_is_left_to_the_builder(monkeypatch):
    monkeypatch.setattr(source, "MAX_NODES", 6)
    text = "a: [1, 2, 3]\nb: [4]\n"  # 7 values: the root, a, b and 4 numbers
    with pytest.raises(source._Unsure):
        source._read_plainly(_deferred(text), "p.yaml")
    with pytest.raises(InputError, match="more than 6 values"):
        source.parse_yaml(text, "p.yaml")
    monkeypatch.setattr(source, "MAX_NODES", 7)
    assert source.parse_yaml(text, "p.yaml").data == {"a": [1, 2, 3], "b": [4]}


@pytest.mark.parametrize("text", ["a: [1, {b: c}]\n", "a: 1\na: 2\n", "a: .nan\n", "a: [1\n"])
def test_reading_leaves_no_reference_cycles(text):
    # The collector is paused while reading: a cycle would keep everything read in memory
    # (an alias bomb's 200,000 values, twice over) until the collector next runs.
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        with contextlib.suppress(InputError):
            source.parse_yaml(text, "p.yaml")
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_leaves_the_garbage_collector_as_it_found_it(enabled):
    # The collector is paused while a file is read, and restored even when reading fails.
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        source.parse_yaml("a: 1\n", "ok.yaml")
        assert gc.isenabled() is enabled
        with pytest.raises(InputError):
            source.parse_yaml("a: [1\n", "broken.yaml")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_remembered_plain_values_are_bounded_and_read_the_same(monkeypatch):
    monkeypatch.setattr(source, "_REMEMBERED", 3)
    monkeypatch.setattr(source, "_PLAIN", {})
    monkeypatch.setattr(source, "_PLAIN_KEYS", {})
    text = "".join(f"k{i}: [v{i}, {i}, {i}.5, 2020-01-0{i % 9 + 1}]\n" for i in range(10))
    first = source.parse_yaml(text, "p.yaml")
    assert len(source._PLAIN) <= 3 and len(source._PLAIN_KEYS) <= 3
    again = source.parse_yaml(text, "p.yaml")
    assert repr(again.data) == repr(first.data) == _built(text)[0]
    assert again.data["k3"] == ["v3", 3, 3.5, "2020-01-04"]


@pytest.mark.parametrize("text", ["a: .nan\n", "a: 2020-02-30\n", "<<: 1\n", "a: 1e999\n"])
def test_a_remembered_problem_value_is_reported_every_time(text):
    expected = [str(p) for p in _built(text)[2]]
    assert expected
    for _ in range(2):  # the second time, the value's reading is remembered
        try:
            problems = [str(p) for p in source.parse_yaml(text, "p.yaml").problems]
        except InputError as exc:
            problems = [str(p) for p in exc.problems]
        assert problems == expected
