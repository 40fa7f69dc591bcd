"""The policy-editable scoring table (`rules/scoring.yaml`) and how an assessment is rated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema

from ssa_risk.base.errors import InputError
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document
from ssa_risk.base.validator import schema_problems, schema_validator

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
        raise ValueError("scoring.yaml has no catch-all band")  # load_scoring requires one


SCHEMA_PATH = SCHEMA_DIR / "scoring.schema.json"  # from schema.py


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return schema_validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def load_scoring(doc: Document) -> Scoring:
    """Read scoring.yaml, checked against its schema; raise InputError listing every problem."""
    problems = [problem for _, problem in schema_problems(doc, _validator())]
    bands_raw = doc.data.get("overall") if isinstance(doc.data, dict) else None
    # Which band applies is decided in order, so only the last can be the catch-all; a
    # schema cannot say anything about the last entry of a list.
    if isinstance(bands_raw, list) and bands_raw and _when(bands_raw[-1]):
        problems.append(
            doc.problem(
                ("overall", len(bands_raw) - 1),
                "the last band must match every assessment",
                "end the list with a band whose 'when' is {}",
            )
        )
    if problems:
        raise InputError(problems)
    data: dict[str, Any] = doc.data
    lens_rating = data.get("lens_rating", {})
    bands = []
    for band in data["overall"]:
        when = band.get("when", {})
        bands.append(
            Band(
                band["rating"],
                when.get("gates_at_least", 0),
                when.get("unit_gates_at_least", 0),
                when.get("lenses_at_least"),
                when.get("count_at_least", 1),
                " ".join(band.get("explanation", "").split()),
            )
        )
    return Scoring(
        tuple(data["lenses"]),
        lens_rating.get("empty", "low"),
        lens_rating.get("mitigation_steps", 1),
        lens_rating.get("residual_floor", "low"),
        tuple(bands),
        doc.text,
    )


def _when(band: Any) -> bool:
    """Whether a band has conditions (a band that is not a mapping is reported elsewhere)."""
    return isinstance(band, dict) and bool(band.get("when"))
