"""per_object: work kept for each object by identity, never handed to another object."""

from __future__ import annotations

from ssa_risk.base.kept import KEPT, per_object


class Box:
    def __init__(self, value: int) -> None:
        self.value = value


def test_work_is_done_once_per_object_and_never_given_to_another():
    calls: list[int] = []

    @per_object
    def doubled(box: Box) -> int:
        calls.append(box.value)
        return box.value * 2

    first, second = Box(1), Box(1)  # equal contents, two objects
    assert [doubled(first), doubled(first), doubled(second)] == [2, 2, 2]
    assert calls == [1, 1]
    # Objects made and dropped one after another often get the same id; an id kept is held
    # by its object, so each still gets its own result.
    for value in range(3 * KEPT):
        assert doubled(Box(value)) == value * 2
    assert len(calls) == 2 + 3 * KEPT


def test_the_oldest_objects_go_when_more_come():
    calls: list[int] = []

    @per_object
    def same(box: Box) -> int:
        calls.append(box.value)
        return box.value

    boxes = [Box(i) for i in range(KEPT + 1)]
    for box in boxes:
        same(box)
    same(boxes[-1])  # kept
    same(boxes[0])  # gone: worked out again
    assert calls == [*range(KEPT + 1), 0]
