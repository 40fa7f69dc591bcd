"""The policy-editable scoring table (`rules/scoring.yaml`) and how an assessment is rated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.source import Document
from ssa_risk.base.suggest import did_you_mean

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


_TOP_KEYS = ("lenses", "lens_rating", "overall")
_LENS_RATING_KEYS = ("empty", "mitigation_steps", "residual_floor")
_BAND_KEYS = ("rating", "when", "explanation")
_WHEN_KEYS = ("gates_at_least", "unit_gates_at_least", "lenses_at_least", "count_at_least")


def load_scoring(doc: Document) -> Scoring:
    """Read scoring.yaml; every problem with its line."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str, fix: str) -> None:
        problems.append(doc.problem(path, message, fix))

    def unknown(
        value: dict[str, Any], path: tuple[str | int, ...], allowed: tuple[str, ...]
    ) -> None:
        for key in value:
            if key not in allowed:
                fix = did_you_mean(key, allowed, f"allowed: {', '.join(allowed)}")
                add((*path, key), f"unknown key '{key}'", fix)

    def count(value: Any, path: tuple[str | int, ...], default: int) -> int:
        if value is None and path[-1] not in ("mitigation_steps",):
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            add(path, f"'{path[-1]}' must be a whole number, 0 or more", "e.g. 1")
            return default
        return value

    def rating(value: Any, path: tuple[str | int, ...]) -> str:
        if value not in RATINGS:
            add(path, f"unknown rating '{value}'", f"use one of: {', '.join(RATINGS)}")
            return RATINGS[0]
        return str(value)

    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            [
                doc.problem(
                    (), "scoring.yaml must be a mapping", "see the comments in the bundled file"
                )
            ]
        )
    unknown(data, (), _TOP_KEYS)
    lenses = data.get("lenses")
    if not isinstance(lenses, list) or not lenses or not all(isinstance(x, str) for x in lenses):
        add(("lenses",), "'lenses' must list the lens ids in report order", "e.g. - civil_military")
        lenses = []
    for i, lens in enumerate(lenses):
        if lens in lenses[:i]:
            add(("lenses", i), f"lens '{lens}' is listed twice", "list each lens once")
    lens_rating = data.get("lens_rating", {})
    if not isinstance(lens_rating, dict):
        add(("lens_rating",), "'lens_rating' must be a mapping", "see the bundled scoring.yaml")
        lens_rating = {}
    unknown(lens_rating, ("lens_rating",), _LENS_RATING_KEYS)
    empty = rating(lens_rating.get("empty", "low"), ("lens_rating", "empty"))
    floor = rating(lens_rating.get("residual_floor", "low"), ("lens_rating", "residual_floor"))
    steps = count(lens_rating.get("mitigation_steps", 1), ("lens_rating", "mitigation_steps"), 1)
    bands_raw = data.get("overall")
    if not isinstance(bands_raw, list) or not bands_raw:
        add(("overall",), "'overall' must list the rating bands, most severe first", "add bands")
        bands_raw = []
    bands = []
    for i, band in enumerate(bands_raw):
        path: tuple[str | int, ...] = ("overall", i)
        if not isinstance(band, dict):
            add(path, "a band must be a mapping with 'rating:' and 'when:'", "fix it")
            continue
        unknown(band, path, _BAND_KEYS)
        name = band.get("rating")
        when = band.get("when", {})
        if not isinstance(name, str) or not name.strip():
            add(path, "a band needs 'rating:' (the overall rating's text)", "add it")
        if not isinstance(when, dict):
            add((*path, "when"), "'when' must be a mapping", "write when: {} to match everything")
            when = {}
        unknown(when, (*path, "when"), _WHEN_KEYS)
        at_least = when.get("lenses_at_least")
        if at_least is not None:
            rating(at_least, (*path, "when", "lenses_at_least"))
        bands.append(
            Band(
                str(name),
                count(when.get("gates_at_least"), (*path, "when", "gates_at_least"), 0),
                count(when.get("unit_gates_at_least"), (*path, "when", "unit_gates_at_least"), 0),
                at_least if at_least in RATINGS else None,
                count(when.get("count_at_least"), (*path, "when", "count_at_least"), 1),
                " ".join(str(band.get("explanation", "")).split()),
            )
        )
    if bands_raw and isinstance(bands_raw[-1], dict) and bands_raw[-1].get("when"):
        add(
            ("overall", len(bands_raw) - 1),
            "the last band must match every assessment",
            "end the list with a band whose 'when' is {}",
        )
    if problems:
        raise InputError(problems)
    return Scoring(tuple(lenses), empty, steps, floor, tuple(bands), doc.text)
