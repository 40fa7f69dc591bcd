"""Snapshots that extend one another: what they may and may not do."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from ssa_risk.base.source import Document, Location, YamlPath
from ssa_risk.profile import snapshots
from ssa_risk.profile.reader import check_profile
from ssa_risk.profile.snapshots import load_snapshot
from tests.helpers import DEFAULT_PROFILES


def test_impossible_date_and_control_characters_are_input_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(
        'schema_version: 1\ncountry: "T\\0x"\niso3: TST\nas_of: 2020-02-30\n'
        'sources: [{id: s, title: "\\ud800"}]\n',
        encoding="utf-8",
    )
    assert [str(p) for p in check_profile(Path("p.yaml"))] == [
        "p.yaml:2:10: text contains a control character or an unpaired surrogate"
        " — remove it; only printable text, tabs and line breaks are allowed",
        "p.yaml:4:8: '2020-02-30' is not a real date — write a date that exists",
        "p.yaml:5:26: text contains a control character or an unpaired surrogate"
        " — remove it; only printable text, tabs and line breaks are allowed",
    ]


def test_extending_snapshot_cannot_silently_drop_inherited_entries(tunisia_copy, monkeypatch):
    monkeypatch.chdir(tunisia_copy)
    path = tunisia_copy / "2016.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  - id: presidency\n",
        "  - {id: armed_forces, budget_trend: stable}\n  - id: presidency\n",
        1,
    )
    text += "  programmes:\n    - {name: New, kind: other, from_fy: 2015, to_fy: 2015}\n"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    new = lines.index("    - {name: New, kind: other, from_fy: 2015, to_fy: 2015}") + 1
    twice = lines.index("  - {id: armed_forces, budget_trend: stable}") + 1
    problems = [str(p) for p in check_profile(Path("2016.yaml"))]
    assert problems == [
        f"2016.yaml:{twice}:6: institutions[1].id: duplicate id 'armed_forces' (also entry 0)"
        " — merge the two entries into one, or give each its own id",
        f"2016.yaml:{new}:7: assistance.programmes[0]: the inherited entries have ids but this"
        " one has none, so it would replace them all — give it an 'id:' (a new one to add it,"
        " an inherited one to change it)",
    ]


def test_extending_a_file_that_is_not_a_mapping(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "2010.yaml").write_text("- a list\n", encoding="utf-8")
    (tmp_path / "2015.yaml").write_text("extends: 2010.yaml\n", encoding="utf-8")
    assert [str(p) for p in check_profile(Path("2015.yaml"))] == [
        "2010.yaml:1:1: a snapshot that others extend must be a mapping of fields"
        " — fix this file, or extend another snapshot"
    ]


def test_a_loop_through_several_snapshots_is_found_where_it_closes(tmp_path, monkeypatch):
    # 2020 extends 2016 extends 2010 extends 2016 (through a symlink): the third extends
    # leads back, and is named.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "2020.yaml").write_text("extends: 2016.yaml\n", encoding="utf-8")
    (tmp_path / "2016.yaml").write_text("extends: 2010.yaml\n", encoding="utf-8")
    (tmp_path / "2010.yaml").write_text("as_of: 2010-01\nextends: same.yaml\n", encoding="utf-8")
    (tmp_path / "same.yaml").symlink_to(tmp_path / "2016.yaml")
    assert [str(p) for p in check_profile(Path("2020.yaml"))] == [
        "2010.yaml:2: extends: 'same.yaml' leads back to a snapshot already in the chain"
        " — remove the loop: a snapshot can only extend an earlier one"
    ]


def _under(doc: Document, src: YamlPath) -> list[YamlPath]:
    """What `_located_under` answers, by its definition."""
    return [path for path in doc.locations if path[: len(src)] == src]


def test_every_subtree_copied_in_a_merge_is_every_path_under_it(monkeypatch):
    # Each merge of the bundled chains copies subtrees of its two documents; each copy must
    # be the located paths under the subtree's top, in the document's order.
    asked = []
    located_under = snapshots._located_under

    def checked(doc: Document, src: YamlPath) -> list[YamlPath]:
        found = located_under(doc, src)
        assert found == _under(doc, src)
        asked.append(src)
        return found

    monkeypatch.setattr(snapshots, "_located_under", checked)
    chains = [p for p in sorted(DEFAULT_PROFILES.rglob("*.yaml")) if "extends:" in p.read_text()]
    for path in chains:
        load_snapshot(path)
    assert len(chains) > 5 and len(asked) > 100


@pytest.mark.parametrize("shuffle", [False, True])
def test_paths_under_a_prefix_in_any_order_of_locations(shuffle):
    doc = load_snapshot(DEFAULT_PROFILES / "tunisia" / "2020.yaml")
    order = list(doc.locations)
    if shuffle:  # not in document order: every path under each prefix is looked up
        random.Random(3).shuffle(order)
    else:  # a parent that is not located: the same
        order.remove(("institutions", 0))
    doc = dataclasses.replace(doc, locations={p: doc.locations[p] for p in order})
    for src in [(), ("institutions",), ("institutions", 0), ("institutions", 0, "id"), ("x",)]:
        assert snapshots._located_under(doc, src) == _under(doc, src)


class _Mapping(dict):  # type: ignore[type-arg]
    """A mapping of a type of its own, as data made in code may hold."""


@pytest.mark.parametrize(
    "value",
    [
        [{"id": "a"}, {"id": "b"}],
        [{"id": "a"}, {"id": "a"}],
        {"x": [[{"id": "a"}, {"id": "b"}, {"id": "a"}]], "y": [{"id": "a"}]},
        {"x": {"y": [{"id": "a", "z": [{"id": "b"}, {"id": "b"}]}]}},
        {"x": [{"id": 1}, {"id": 1}, {"id": "1"}]},
        {"x": _Mapping(y=[{"id": "a"}, {"id": "a"}])},
        {"x": ({"id": "a"}, {"id": "a"})},
    ],
)
def test_repeated_ids_are_found_as_by_the_full_walk(monkeypatch, value):
    doc = Document("p.yaml", value, {(): Location("p.yaml", 1, 1)}, (("p.yaml", ""),))
    found = snapshots.all_duplicate_ids(doc)
    monkeypatch.setattr(snapshots, "_may_repeat_an_id", lambda data: True)
    assert found == snapshots.all_duplicate_ids(doc)
