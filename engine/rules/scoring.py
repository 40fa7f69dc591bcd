"""The policy-editable scoring table (`rules/scoring.yaml`): how findings become lens scores,
bands and an overall rating. The engine holds no numbers; every weight and cut-off is here.

A lens score (0-100) is built from its findings' points: the heaviest risk finding counts in
full, each further one adds a share of its points; protective factors are subtracted from it
(the inherent score), then mitigations (the residual score). A finding's points are its
severity's points weighed down when its evidence is stale or of low confidence. Bands come
from cut-offs on the score. A lens that lacks the evidence it requires is not assessed.
The overall score is the weighted mean of the assessed lenses' residual scores; gates are
counted apart and never averaged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from ssa_risk.base.choices import RATINGS as RATINGS
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.validator import schema_problems, schema_validator
from ssa_risk.profile.derived import is_derived
from ssa_risk.profile.facts import FACT_KINDS, Fact, engine_field, field_schemas, rule_field
from ssa_risk.rules.legacy import legacy_scoring_problem

if TYPE_CHECKING:
    import jsonschema

# When scoring.yaml has no `confidence:`: high with every lens assessed and at most a tenth of
# the findings stale; moderate with at most two lenses not assessed and half stale.
DEFAULT_CONFIDENCE = {
    "high": {"not_assessed_at_most": 0, "stale_share_at_most": 0.1},
    "moderate": {"not_assessed_at_most": 2, "stale_share_at_most": 0.5},
}
NOT_ASSESSED = "not assessed"
CONFIDENCE = ("low", "moderate", "high")


@dataclass(frozen=True)
class Evidenced:
    """One piece of evidence a lens requires: a fact kind, optionally one of its fields,
    optionally with a given value (`programme.kind=sale`)."""

    kind: str
    field: str | None = None
    value: str | None = None

    @property
    def text(self) -> str:
        """As the profile writes it: `civil_military.coups`, `institutions.kind: armed_forces`."""
        where = next(
            (
                ".".join(p for p in path if p != "*")
                for path, k in FACT_KINDS.items()
                if k == self.kind
            ),
            self.kind,
        )
        out = ".".join(p for p in (where, self.field or "") if p)
        return out + (f": {self.value}" if self.value is not None else "")

    def met(self, facts: Iterable[Fact]) -> bool:
        """Written in the profile (derived values do not count: they exist for any profile)."""
        # The field as facts hold it (`id` is held as `key`); a name no written field takes
        # (`key` itself) is never met.
        held = engine_field(self.field) if self.field is not None else None
        if held is not None and rule_field(held) != self.field:
            return False
        for fact in facts:
            if fact.kind != self.kind:
                continue
            fields = fact.fields
            if held is None:
                if any(not is_derived(fact.kind, k) for k in fields):
                    return True
            elif (
                held in fields
                and not is_derived(fact.kind, held)
                and (self.value is None or _text(fields[held]) == self.value)
            ):
                return True
        return False


@dataclass(frozen=True)
class Requirement:
    """Alternatives, any of which satisfies the requirement (`a or b`)."""

    alternatives: tuple[Evidenced, ...]

    @property
    def text(self) -> str:
        return " or ".join(a.text for a in self.alternatives)

    def met(self, facts: list[Fact]) -> bool:
        return any(a.met(facts) for a in self.alternatives)


@dataclass(frozen=True)
class LensPolicy:
    id: str
    weight: float
    context: bool
    requires: tuple[Requirement, ...]

    def missing(self, facts: list[Fact]) -> tuple[str, ...]:
        """The requirements the facts do not meet, as scoring.yaml writes them."""
        return tuple(r.text for r in self.requires if not r.met(facts))


@dataclass(frozen=True)
class Band:
    """An overall rating and the condition that selects it (first match wins)."""

    rating: str
    gates_at_least: int
    score_at_least: float | None
    lenses_at_least: str | None
    count_at_least: int
    explanation: str


class BandCondition(Protocol):
    """What an overall band asks of the score and the lens ratings (besides gates)."""

    @property
    def score_at_least(self) -> float | None: ...
    @property
    def lenses_at_least(self) -> str | None: ...
    @property
    def count_at_least(self) -> int: ...


def lenses_at(level: str, ratings: Iterable[str]) -> int:
    """How many of the lens ratings are `level` or worse ("not assessed" never counts)."""
    floor = RATINGS.index(level)
    return sum(1 for r in ratings if r in RATINGS and RATINGS.index(r) >= floor)


def band_holds(band: BandCondition, score: float | None, ratings: Iterable[str]) -> bool:
    """Whether the overall score and the lens ratings meet a band's condition; the scoring
    table and the report's "what would change it" read bands alike."""
    if band.score_at_least is not None and (score is None or score < band.score_at_least):
        return False
    return band.lenses_at_least is None or (
        lenses_at(band.lenses_at_least, ratings) >= band.count_at_least
    )


@dataclass(frozen=True)
class ConfidenceLevel:
    """The most lenses not assessed, and the largest share of stale findings, a confidence
    level allows."""

    level: str
    not_assessed_at_most: int
    stale_share_at_most: float


@dataclass(frozen=True)
class Scoring:
    lens_policies: tuple[LensPolicy, ...]
    points: Mapping[str, float]
    further_findings: float
    protective_share: float
    mitigation_share: float
    cutoffs: Mapping[str, float]  # band → the score at which it starts (low starts at 0)
    stale_after_years: int
    stale_weight: float
    low_confidence_weight: float
    portfolio_gap_years: int
    minimum_assessed_lenses: int
    insufficient: Band
    confidence: tuple[ConfidenceLevel, ...]
    bands: tuple[Band, ...]
    text: str

    @property
    def lenses(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.lens_policies)

    def policy(self, lens_id: str) -> LensPolicy:
        for p in self.lens_policies:
            if p.id == lens_id:
                return p
        raise KeyError(lens_id)

    def band_of(self, score: float) -> str:
        """The lens band a score falls in."""
        band = RATINGS[0]
        for rating in RATINGS[1:]:
            if score >= self.cutoffs[rating]:
                band = rating
        return band

    def weight(self, stale: bool, low_confidence: bool) -> float:
        """How much a finding's points count, given the age and confidence of its evidence."""
        w = self.stale_weight if stale else 1.0
        return w * (self.low_confidence_weight if low_confidence else 1.0)

    def lens_score(
        self, risks: Iterable[float], protective: Iterable[float], mitigations: Iterable[float]
    ) -> tuple[float, float]:
        """(inherent, residual) score of a lens from its findings' weighted points, each a whole
        number: the score a report shows is the score its band was read from."""
        heaviest = sorted(risks, reverse=True)
        raw = (heaviest[0] if heaviest else 0.0) + self.further_findings * sum(heaviest[1:])
        inherent = whole(_clamp(raw - self.protective_share * sum(protective)))
        residual = whole(_clamp(inherent - self.mitigation_share * sum(mitigations)))
        return inherent, residual

    def overall(
        self,
        lens_ratings: Mapping[str, str],
        score: float | None,
        gates: int,
        assessed: int,
    ) -> Band:
        """The overall band: a gate band applies whatever the evidence; otherwise too few
        assessed lenses give the insufficient-evidence rating; otherwise the first band whose
        condition holds."""
        enough = assessed >= self.minimum_assessed_lenses
        for band in self.bands:
            if gates < band.gates_at_least:
                continue
            if not enough and not band.gates_at_least:
                return self.insufficient
            if band_holds(band, score, lens_ratings.values()):
                return band
        raise ValueError("scoring.yaml has no catch-all band")  # load_scoring requires one

    def confidence_of(self, not_assessed: int, stale_share: float) -> str:
        for c in self.confidence:
            if not_assessed <= c.not_assessed_at_most and stale_share <= c.stale_share_at_most:
                return c.level
        return "low"


def whole(score: float) -> float:
    """A score rounded to a whole number, halves up (as reports show it)."""
    return float(int(score + 0.5))


def _clamp(score: float) -> float:
    return max(0.0, min(100.0, score))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


SCHEMA_PATH = SCHEMA_DIR / "scoring.schema.json"  # from schema.py


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return schema_validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def load_scoring(doc: Document) -> Scoring:
    """Read scoring.yaml, checked against its schema; raise InputError listing every problem."""
    if (legacy := legacy_scoring_problem(doc)) is not None:
        raise InputError([legacy])
    problems = [problem for _, problem in schema_problems(doc, _validator())]
    data = doc.data if isinstance(doc.data, dict) else {}
    bands_raw = data.get("overall")
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
    cutoffs = data.get("lens_bands")
    if isinstance(cutoffs, dict):
        starts = [cutoffs.get(r) for r in RATINGS[1:]]
        numbers = [float(s) for s in starts if isinstance(s, int | float)]
        if len(numbers) == len(starts) and numbers != sorted(numbers):
            problems.append(
                doc.problem(
                    ("lens_bands",),
                    "band cut-offs must rise from moderate to high to critical",
                    "give each band a higher starting score than the one before",
                )
            )
    requirements: dict[str, tuple[Requirement, ...]] = {}
    lenses_raw = data.get("lenses")
    if isinstance(lenses_raw, list):
        first: dict[str, int] = {}
        for i, lens in enumerate(lenses_raw):
            lens_id = lens.get("id") if isinstance(lens, dict) else None
            if isinstance(lens_id, str) and lens_id in first:
                problems.append(
                    doc.problem(
                        ("lenses", i, "id"),
                        f"lens '{lens_id}' is listed twice (also line {first[lens_id]})",
                        "list each lens once",
                    )
                )
            elif isinstance(lens_id, str):
                where = doc.location(("lenses", i, "id"))
                first[lens_id] = where.line if where and where.line else i + 1
            if (
                isinstance(lens, dict)
                and lens.get("weight") == 0
                and not lens.get("context")
                and isinstance(lens_id, str)
            ):
                problems.append(
                    doc.problem(
                        ("lenses", i, "weight"),
                        f"lens '{lens_id}' has weight 0 but is not a context lens: its score "
                        "would count nowhere",
                        "give it a weight above 0, or add 'context: true' to show it as context",
                    )
                )
            if isinstance(lens, dict) and isinstance(lens.get("requires"), list):
                requirements[str(lens.get("id"))] = _requirements(
                    doc, lens["requires"], ("lenses", i, "requires"), problems
                )
    if problems:
        raise InputError(problems)
    lens_score = data.get("lens_score", {})
    evidence = data.get("evidence", {})
    insufficient = data["insufficient_evidence"]
    policies = tuple(
        LensPolicy(
            lens["id"],
            float(lens.get("weight", 1)),
            bool(lens.get("context", False)),
            requirements.get(lens["id"], ()),
        )
        for lens in data["lenses"]
    )
    return Scoring(
        lens_policies=policies,
        points={r: float(data["points"][r]) for r in RATINGS},
        further_findings=float(lens_score.get("further_findings", 0.35)),
        protective_share=float(lens_score.get("protective", 1.0)),
        mitigation_share=float(lens_score.get("mitigation", 1.0)),
        cutoffs={r: float(data["lens_bands"][r]) for r in RATINGS[1:]},
        stale_after_years=int(evidence.get("stale_after_years", 5)),
        stale_weight=float(evidence.get("stale_weight", 0.5)),
        low_confidence_weight=float(evidence.get("low_confidence_weight", 0.6)),
        portfolio_gap_years=int(evidence.get("portfolio_gap_years", 3)),
        minimum_assessed_lenses=int(insufficient["minimum_assessed_lenses"]),
        insufficient=Band(
            insufficient["rating"], 0, None, None, 1, _prose(insufficient.get("explanation"))
        ),
        confidence=tuple(
            ConfidenceLevel(
                level,
                int(rule.get("not_assessed_at_most", 0)),
                float(rule.get("stale_share_at_most", 0.0)),
            )
            for level, rule in sorted(
                (data.get("confidence") or DEFAULT_CONFIDENCE).items(),
                key=lambda kv: -CONFIDENCE.index(kv[0]),
            )
        ),
        bands=tuple(_band(band) for band in data["overall"]),
        text=doc.text,
    )


def _band(band: Mapping[str, Any]) -> Band:
    when = band.get("when", {})
    return Band(
        band["rating"],
        when.get("gates_at_least", 0),
        when.get("score_at_least"),
        when.get("lenses_at_least"),
        when.get("count_at_least", 1),
        _prose(band.get("explanation")),
    )


def _prose(text: Any) -> str:
    return " ".join(str(text or "").split())


def _requirements(
    doc: Document, entries: list[Any], path: tuple[str | int, ...], problems: list[Problem]
) -> tuple[Requirement, ...]:
    """Parse `requires:` entries (`kind`, `kind.field`, `kind.field=value`, joined by ` or `),
    each checked against the fact kinds and fields profiles have."""
    kinds = field_schemas()
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, str):
            continue  # the schema reports it
        alternatives = []
        for part in entry.split(" or "):
            text, equals, value = (p.strip() for p in part.strip().partition("="))
            kind, _, name = (p.strip() for p in text.partition("."))
            if kind not in kinds or kind == "signal":
                problems.append(
                    doc.problem(
                        (*path, i),
                        f"'{kind}' is not a kind of profile fact",
                        did_you_mean(
                            kind,
                            sorted(k for k in kinds if k != "signal"),
                            "write a fact kind, e.g. civil_military, institution or programme",
                        ),
                    )
                )
                continue
            if name and name not in kinds[kind]:
                problems.append(
                    doc.problem(
                        (*path, i),
                        f"'{kind}' facts have no field '{name}'",
                        did_you_mean(
                            name,
                            sorted(kinds[kind]),
                            f"write one of: {', '.join(sorted(kinds[kind]))}",
                        ),
                    )
                )
                continue
            allowed = kinds[kind].get(name, {}).get("enum") if name else None
            if equals and isinstance(allowed, list) and value not in map(_text, allowed):
                shown = [_text(a) for a in allowed]
                problems.append(
                    doc.problem(
                        (*path, i),
                        f"'{value}' is not a value of {kind}.{name}",
                        did_you_mean(value, shown, f"write one of: {', '.join(shown)}"),
                    )
                )
                continue
            alternatives.append(Evidenced(kind, name or None, value if equals else None))
        out.append(Requirement(tuple(alternatives)))
    return tuple(out)


def _when(band: Any) -> bool:
    """Whether a band has conditions (a band that is not a mapping is reported elsewhere)."""
    return isinstance(band, dict) and bool(band.get("when"))
