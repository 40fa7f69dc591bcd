"""The walks that word reference problems run only where a first walk finds they can find
something; what they report must not change."""

from __future__ import annotations

import copy
import dataclasses
import random
from datetime import date
from typing import Any

import pytest

from ssa_risk.profile import reader
from ssa_risk.profile.reader import validate_document
from ssa_risk.profile.snapshots import load_snapshot
from tests.helpers import TUNISIA_2020

TODAY = date(2026, 1, 1)


class _Everything:
    """A survey that lets every walk run, as before there was one."""

    def __init__(self, data: Any) -> None:
        self.repeated_id = self.unreadable = True
        self.cited = {"\0 no such source"}


def _all_walks(doc: Any) -> list[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_Survey", _Everything)
        return [str(p) for p in validate_document(doc, TODAY)]


def _single_file(data: dict[str, Any]) -> Any:
    """Tunisia 2020's merged data as one file (duplicate ids are checked per file)."""
    doc = load_snapshot(TUNISIA_2020)
    return dataclasses.replace(doc, data=data, texts=doc.texts[:1], problems=())


def _tunisia() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(load_snapshot(TUNISIA_2020).data)
    return data


class _Mapping(dict):  # type: ignore[type-arg]
    """A mapping of a type of its own, as data made in code may hold."""


class _List(list):  # type: ignore[type-arg]
    """A list of a type of its own."""


EDITS = {
    "unknown source in a mapping of another type": lambda d: d["institutions"].__setitem__(
        0, _Mapping(d["institutions"][0], sources=["nowhere"])
    ),
    "repeated id in a list of another type": lambda d: d["assistance"].update(
        odd=_List([{"id": "a"}, {"id": "a"}])
    ),
    "source repeated in a nested list": lambda d: d["institutions"][1].update(
        sources=[{"id": "a"}, {"id": "b"}, {"id": "a"}]
    ),
    "institution id repeated": lambda d: d["institutions"].append(
        copy.deepcopy(d["institutions"][0])
    ),
    "unknown source in an object's sources": lambda d: d["institutions"][0].update(
        sources=["sam2020", "nowhere"]
    ),
    "unknown source in field_sources": lambda d: d["assistance"].update(
        field_sources={"absorptive_capacity": ["sam2020", "elsewhere"]}
    ),
    "unknown source in a list in field_sources": lambda d: d["assistance"].update(
        field_sources=[["nowhere"]]
    ),
    "unreadable float in a list of lists": lambda d: d["assistance"].update(odd=[[1.5, 1e-05]]),
    "unreadable float in a mapping": lambda d: d["civil_military"].update(military_rule_years=1e16),
    # 11,000 characters, each written in 6 bytes (\u0001) by the engine: 66,000 bytes.
    "long text in a list": lambda d: d["threats"][0].update(notes=["\x01" * 11_000]),
    "long text in a mapping": lambda d: d["political_context"].update(summary="\x01" * 11_000),
}


@pytest.mark.parametrize("edit", sorted(EDITS), ids=str)
def test_a_problem_the_walks_find_is_still_found(edit: str) -> None:
    data = _tunisia()
    assert validate_document(_single_file(data), TODAY) == []
    EDITS[edit](data)
    doc = _single_file(data)
    found = [str(p) for p in validate_document(doc, TODAY)]
    assert found == _all_walks(doc)
    walks = {"duplicate id", "unknown source", "rules engine cannot read", "over the limit"}
    assert any(w in p for p in found for w in walks), found


def test_random_edits_give_the_problems_every_walk_gives() -> None:
    rng = random.Random(5)
    values: list[Any] = [1e-05, 2.5, "x" * 11_000, "sam2020", "nowhere", {"id": "police"}]
    values += [["sam2020", "nowhere"], [{"id": "a"}, {"id": "a"}], None, 7]
    keys = ["sources", "field_sources", "id", "notes", "summary"]
    for _ in range(60):
        data = _tunisia()
        for _ in range(rng.randint(1, 4)):
            target: Any = data
            for _ in range(rng.randint(0, 3)):
                children = (
                    [v for v in target.values() if isinstance(v, dict | list)]
                    if isinstance(target, dict)
                    else [v for v in target if isinstance(v, dict | list)]
                )
                if not children:
                    break
                target = rng.choice(children)
            value = copy.deepcopy(rng.choice(values))
            if isinstance(target, dict):
                target[rng.choice(keys)] = value
            else:
                target.append(value)
        doc = _single_file(data)
        assert [str(p) for p in validate_document(doc, TODAY)] == _all_walks(doc)
