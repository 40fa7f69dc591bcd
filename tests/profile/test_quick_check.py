"""The quick validity check answers "valid" only where the full schema validator does."""

from __future__ import annotations

import copy
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ssa_risk.assessment.batch import profiles_in
from ssa_risk.base.validator import quick_check, schema_validator
from ssa_risk.profile.reader import load_profile, profile_schema, validate_document
from ssa_risk.profile.snapshots import load_snapshot
from tests.helpers import DEFAULT_PROFILES

TODAY = date(2026, 1, 1)
TUNISIA = DEFAULT_PROFILES / "tunisia" / "2020.yaml"


def _checks() -> tuple[Any, Any]:
    quick = quick_check(profile_schema())
    assert quick is not None, "the profile schema uses a keyword the quick check cannot compile"
    return quick, schema_validator(profile_schema())


@pytest.mark.parametrize("path", profiles_in(DEFAULT_PROFILES), ids=str)
def test_every_bundled_profile_takes_the_quick_path(path: Path) -> None:
    quick, full = _checks()
    data = load_snapshot(path).data
    assert quick(data) is True
    assert full.is_valid(data)


def _enum_strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [e for e in node.get("enum", []) if isinstance(e, str)]
        return found + [s for k, v in node.items() if k != "enum" for s in _enum_strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _enum_strings(v)]
    return []


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [path] + [p for k, v in value.items() for p in _paths(v, (*path, k))]
    if isinstance(value, list):
        return [path] + [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return [path]


def _mutate(data: dict[str, Any], rng: random.Random, words: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    pool: list[Any] = [None, True, False, 0, -1, 1.5, 2.0, 10**7, "", "x", "TUN\n", [], {}]
    pool += [date(2020, 1, 1), ("a",), 1e-05]
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_paths(out)[1:])
        parent: Any = out
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        choice = rng.random()
        if choice < 0.2:
            del parent[key]
        elif choice < 0.3 and isinstance(parent, dict):
            parent[rng.choice(["unknown", "nots", 3])] = rng.choice(pool)
        elif choice < 0.45:
            parent[key] = rng.choice(words)
        elif choice < 0.55 and isinstance(parent[key], int | float):
            parent[key] = -parent[key] if parent[key] else 1000
        else:
            parent[key] = rng.choice(pool)
    return out


def test_a_mutated_profile_is_called_valid_only_if_the_full_validator_agrees() -> None:
    quick, full = _checks()
    base = load_snapshot(TUNISIA).data
    words = sorted(set(_enum_strings(profile_schema())))
    outcomes = agreement(quick, full, [base], words, 400)
    # Both answers come up often, so the check above was put to the test.
    assert outcomes[(True, True)] > 25
    assert outcomes[(False, False)] > 200


def agreement(
    quick: Any, full: Any, bases: list[dict[str, Any]], words: list[str], rounds: int
) -> dict[tuple[bool, bool], int]:
    """Mutate the documents `bases` in turn `rounds` times (seeded); fail at the first the
    quick check calls valid and the full validator does not; how often each pair of answers
    (quick, full) came up."""
    rng = random.Random(17)
    outcomes = {(True, True): 0, (False, True): 0, (False, False): 0}
    for n in range(rounds):
        data = _mutate(bases[n % len(bases)], rng, words)
        fast, slow = quick(data), full.is_valid(data)
        assert not (fast and not slow), f"called valid but the validator disagrees: {data}"
        outcomes[(fast, slow)] += 1
    return outcomes


def test_what_the_quick_check_is_unsure_of_goes_to_the_full_validator(tmp_path: Path) -> None:
    # 0.0 is an integer to JSON Schema; the quick check leaves floats to the full validator,
    # which accepts it: the profile is valid either way.
    quick, full = _checks()
    text = TUNISIA.read_text(encoding="utf-8")
    assert "military_rule_years: 0\n" in text
    written = tmp_path / "2020.yaml"
    written.write_text(text.replace("military_rule_years: 0\n", "military_rule_years: 0.0\n"))
    for extended in TUNISIA.parent.glob("*.yaml"):
        if extended.name != written.name:
            (tmp_path / extended.name).write_text(extended.read_text(encoding="utf-8"))
    data = load_snapshot(written).data
    assert isinstance(data["civil_military"]["military_rule_years"], float)
    assert quick(data) is False
    assert full.is_valid(data)
    assert validate_document(load_snapshot(written), TODAY) == []
    load_profile(written, today=TODAY)


_OBJECT = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
    "required": ["a"],
    "additionalProperties": False,
}
_OPEN = {
    "type": "object",
    "properties": {"a": {"type": "integer"}},
    "additionalProperties": {"type": "boolean"},
    "propertyNames": {"pattern": "^[a-z]+$"},
}
_TREE = {  # a definition that refers to itself
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
        }
    },
    "$ref": "#/$defs/node",
}


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"enum": [1]}, True, False),  # a boolean is no number, even where Python says 1 == True
        ({"enum": [1]}, 1, True),
        ({"const": "a"}, "a", True),
        ({"type": "number"}, True, False),
        ({"type": "integer"}, 3, True),
        ({"type": ["string", "null"]}, None, True),
        ({"pattern": "^[A-Z]{3}$"}, "TUN\n", False),  # ECMA-262's `$`, as the validator
        ({"pattern": "^[A-Z]{3}$"}, "TUN", True),
        ({"minimum": 0, "maximum": 100}, 101, False),
        ({"minimum": 0}, "text", True),  # bounds apply to numbers only
        ({"minLength": 1}, "", False),
        ({"minItems": 1, "maxItems": 2}, [1, 2, 3], False),
        ({"required": ["a"], "properties": {"a": {"type": "string"}}}, {"a": 1}, False),
        ({"additionalProperties": False, "properties": {"a": {}}}, {"b": 1}, False),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"Bad": 1}, False),
        ({"items": {"type": "string"}}, ["a", 2], False),
        ({"$defs": {"x": {"type": "string"}}, "$ref": "#/$defs/x"}, 2, False),
        ({"type": "object"}, {1: "a"}, False),  # a key that is no text: left to the validator
        ({"type": "string"}, date(2020, 1, 1), False),
        ({"maxLength": 3}, "abcd", False),
        ({"maxLength": 3}, "abc", True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, None, True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 1, False),
        ({"allOf": [{"type": "string"}, {"minLength": 2}]}, "a", False),
        ({"allOf": [{"type": "string"}, {"minLength": 2}]}, "ab", True),
        ({"not": {"type": "object", "required": ["a", "b"]}}, {"a": 1, "b": 2}, False),
        ({"not": {"type": "object", "required": ["a", "b"]}}, {"a": 1}, True),
        ({"not": {"type": "object", "required": ["a", "b"]}}, "text", True),
        # A schema of one type and its own keywords is checked by one function.
        ({"type": "integer", "minimum": 0, "maximum": 5}, 5, True),
        ({"type": "integer", "minimum": 0, "maximum": 5}, 6, False),
        ({"type": "integer", "minimum": 0, "maximum": 5}, -1, False),
        ({"type": "integer", "minimum": 0, "maximum": 5}, True, False),
        ({"type": "integer", "minimum": 0}, 2.0, False),  # a float: left to the validator
        ({"type": "number", "maximum": 1.5}, 1.5, True),
        ({"type": "number", "maximum": 1.5}, 2, False),
        ({"type": "number"}, False, False),
        ({"type": "string", "enum": ["a", "b"]}, "b", True),
        ({"type": "string", "enum": ["a", "b"]}, "c", False),
        ({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^a"}, "ab", True),
        ({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^a"}, "ba", False),
        ({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^a"}, "a", False),
        ({"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^a"}, "abcd", False),
        ({"type": "string", "pattern": "^a$"}, "a\n", False),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 2}, ["a", "b"], True),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 2}, ["a", "b", "c"], False),
        ({"type": "array", "items": {"type": "string"}, "minItems": 1}, [], False),
        ({"type": "array", "items": {"type": "string"}}, ["a", 1], False),
        ({"type": "array", "items": {"type": "string"}}, ("a",), False),
        ({"enum": ["a", "b"]}, "a", True),
        ({"enum": ["a", "b"]}, 1, False),
        ({"enum": ["a", 1]}, 1, True),
        ({"enum": ["a", 1]}, True, False),
        (_OBJECT, {"a": 1, "b": "x"}, True),
        (_OBJECT, {"a": 1}, True),
        (_OBJECT, {"b": "x"}, False),  # a required key missing
        (_OBJECT, {"a": "1"}, False),  # a declared key of the wrong type
        (_OBJECT, {"a": 1, "c": 2}, False),  # no other key
        (_OPEN, {"a": 1, "x": True}, True),
        (_OPEN, {"a": 1, "x": 2}, False),  # another key's value of the wrong type
        (_OPEN, {"a": 1, "X": True}, False),  # a key of the wrong form
        (_OPEN, {"A": 1}, False),  # a declared key too must have the right form
        (_TREE, {"name": "a", "children": [{"name": "b", "children": []}]}, True),
        (_TREE, {"name": "a", "children": [{"name": 2}]}, False),
    ],
)
def test_quick_check_keywords(schema: dict[str, Any], value: Any, expected: bool) -> None:
    quick = quick_check(schema)
    assert quick is not None
    assert quick(value) is expected
    assert schema_validator(schema).is_valid(value) or not expected


@pytest.mark.parametrize(
    "schema",
    [
        {"oneOf": [{"type": "string"}]},
        {"$ref": "other.json"},
        {"enum": [[1]]},
        # `not` only of a check that is exact: 1.0 is an integer to JSON Schema, not to it.
        {"not": {"type": "integer"}},
        {"not": {"minLength": 2}},
    ],
)
def test_a_schema_it_cannot_compile_has_no_quick_check(schema: dict[str, Any]) -> None:
    assert quick_check(schema) is None
