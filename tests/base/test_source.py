"""Safe YAML loading: exact messages for broken and hostile input, bounded work."""

from __future__ import annotations

import gc
import time

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from ssa_risk.base import source
from ssa_risk.base.errors import InputError
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
    if isinstance(node, ScalarNode):
        return (node.tag, node.style, node.value, marks)
    if isinstance(node, MappingNode):
        return (node.tag, [(_tree(k), _tree(v)) for k, v in node.value], marks)
    return (node.tag, [_tree(item) for item in node.value], marks)


TRICKY = """\
plain: [NO, yes, on, 1:30, 0x2F, 0o17, 1_000, 017, 1e308, .inf, -.NaN, ~, null, '', 2020-02-30]
quoted: ["NO", 'yes', "17"]
tagged: [!!str 17, !!int 17, !!bool yes, !!float 1]
<<: {a: 1}
value: =
dates: [2020-07-01, 2001-12-14t21:59:43.10-05:00]
"""


@pytest.mark.parametrize(
    "path",
    sorted(
        p.relative_to(REPO_ROOT)
        for folder in ("profiles", "rules", "proposals")
        for p in (REPO_ROOT / folder).rglob("*.yaml")
    ),
    ids=str,
)
def test_the_fast_loader_composes_what_pyyaml_composes(path):
    # The reader's loader remembers the tag of each plain value; the tree must not change.
    text = (REPO_ROOT / path).read_text(encoding="utf-8")
    mine = yaml.compose(text, Loader=source._FAST_LOADER)
    assert _tree(mine) == _tree(yaml.compose(text, Loader=yaml.CSafeLoader))


def test_the_fast_loader_tags_tricky_values_as_pyyaml_does():
    mine = yaml.compose(TRICKY, Loader=source._FAST_LOADER)
    assert _tree(mine) == _tree(yaml.compose(TRICKY, Loader=yaml.CSafeLoader))
    # And read twice (the remembered tags are used the second time), it is read the same.
    assert _tree(yaml.compose(TRICKY, Loader=source._FAST_LOADER)) == _tree(mine)


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
