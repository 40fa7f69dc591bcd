"""The policy-editable scoring table (`rules/scoring.yaml`) and how an assessment is rated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InputError, Problem
from .yamlsrc import Document

RATINGS = ("low", "moderate", "high", "critical")


@dataclass(frozen=True)
class Band:
    """An overall rating and the condition that selects it (first match wins)."""

    rating: str
    gates_at_least: int
    unit_gates_at_least: int
    lenses_at_least: str | None
    count_at_least: int
    explanation: str


@dataclass(frozen=True)
class Scoring:
    lenses: tuple[str, ...]
    empty_lens: str
    mitigation_steps: int
    residual_floor: str
    bands: tuple[Band, ...]
    text: str

    def lower(self, rating: str, steps: int) -> str:
        """`rating` lowered by `steps` levels, never below the residual floor."""
        floor = RATINGS.index(self.residual_floor)
        return RATINGS[max(floor, RATINGS.index(rating) - steps)]

    def overall(self, lens_ratings: dict[str, str], gates: int, unit_gates: int = 0) -> Band:
        for band in self.bands:
            if gates < band.gates_at_least or unit_gates < band.unit_gates_at_least:
                continue
            if band.lenses_at_least is not None:
                level = RATINGS.index(band.lenses_at_least)
                hits = sum(1 for r in lens_ratings.values() if RATINGS.index(r) >= level)
                if hits < band.count_at_least:
                    continue
            return band
        return self.bands[-1]


def load_scoring(doc: Document) -> Scoring:
    """Read scoring.yaml; every problem with its line."""
    problems: list[Problem] = []
    data = doc.data if isinstance(doc.data, dict) else {}

    def need(key: str, kind: type, fix: str) -> Any:
        value = data.get(key)
        if not isinstance(value, kind):
            problems.append(doc.problem((key,), f"'{key}' is missing or malformed", fix))
            return None
        return value

    lenses = need("lenses", list, "list the lens ids in report order")
    lens_rating = need("lens_rating", dict, "add 'lens_rating:' with 'empty' and mitigation")
    bands_raw = need("overall", list, "list the overall bands, most severe first")
    bands = []
    for i, b in enumerate(bands_raw or []):
        when = b.get("when", {}) if isinstance(b, dict) else None
        if (
            not isinstance(b, dict)
            or not isinstance(b.get("rating"), str)
            or not isinstance(when, dict)
        ):
            problems.append(
                doc.problem(("overall", i), "a band needs 'rating:' and 'when:'", "fix it")
            )
            continue
        at_least = when.get("lenses_at_least")
        if at_least is not None and at_least not in RATINGS:
            problems.append(
                doc.problem(
                    ("overall", i, "when", "lenses_at_least"),
                    f"unknown rating '{at_least}'",
                    f"use {', '.join(RATINGS)}",
                )
            )
        bands.append(
            Band(
                b["rating"],
                int(when.get("gates_at_least", 0)),
                int(when.get("unit_gates_at_least", 0)),
                at_least,
                int(when.get("count_at_least", 1)),
                " ".join(str(b.get("explanation", "")).split()),
            )
        )
    empty = (lens_rating or {}).get("empty", "low")
    floor = (lens_rating or {}).get("residual_floor", "low")
    for key, value in (("empty", empty), ("residual_floor", floor)):
        if value not in RATINGS:
            problems.append(
                doc.problem(("lens_rating", key), f"unknown rating '{value}'", f"use {RATINGS}")
            )
    steps = (lens_rating or {}).get("mitigation_steps", 1)
    if not isinstance(steps, int) or steps < 0:
        problems.append(
            doc.problem(("lens_rating", "mitigation_steps"), "must be a whole number", "e.g. 1")
        )
    if not bands and not problems:
        problems.append(doc.problem(("overall",), "no overall bands", "add at least one"))
    if problems:
        raise InputError(problems)
    return Scoring(tuple(lenses or ()), empty, steps, floor, tuple(bands), doc.text)
