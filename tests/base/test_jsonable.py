"""Report fields picked for JSON: in the order named, tuples as lists, computed values in place."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ssa_risk.base.jsonable import picked


@dataclass(frozen=True)
class _Row:
    name: str
    units: tuple[str, ...]
    score: int
    note: str = ""


def test_fields_come_in_the_order_named_with_tuples_as_lists():
    row = _Row("army", ("a", "b"), 40)
    data = picked(row, "score name units")
    assert list(data) == ["score", "name", "units"]
    assert data == {"score": 40, "name": "army", "units": ["a", "b"]}


def test_a_computed_value_takes_its_place_in_the_order():
    row = _Row("army", (), 40, note="")
    data = picked(row, "name note score", note=row.note or None)
    assert list(data) == ["name", "note", "score"]
    assert data["note"] is None


def test_a_computed_value_for_a_field_not_named_is_an_error():
    with pytest.raises(TypeError, match="computed values for fields not named: scroe"):
        picked(_Row("army", (), 40), "name score", scroe=1)
