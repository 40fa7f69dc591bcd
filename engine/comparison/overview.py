"""A portfolio of countries side by side: the latest snapshot of each, lens by lens, with what
moved since its previous snapshot and the assistance it records.

Scores are comparable across countries because every country is assessed with the same rule
set and scoring table; a lens a profile lacks the evidence for is "not assessed", never low.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ssa_risk.assessment.batch import Assessed
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.paths import display_path
from ssa_risk.rules.scoring import NOT_ASSESSED

MOVERS = 3  # the biggest lens moves shown per country


@dataclass(frozen=True)
class Cell:
    lens: str  # lens id
    score: float | None  # residual score; None: not assessed
    rating: str  # band, or "not assessed"


@dataclass(frozen=True)
class Move:
    lens: str  # lens title, or "Overall"
    before: float | None
    after: float | None
    rating_before: str
    rating_after: str

    @property
    def delta(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


@dataclass(frozen=True)
class Row:
    country: str
    iso3: str
    folder: str  # the country's folder, as shown
    as_of: str
    previous: str  # as_of of the snapshot before, "" for a country with one snapshot
    snapshots: int
    overall: str
    score: float | None
    confidence: str
    gates: tuple[str, ...]  # titles of the gates that fired (country and unit)
    cells: tuple[Cell, ...]  # one per lens, in the rule set's order
    moves: tuple[Move, ...]  # the overall score, then the biggest lens moves
    assistance_usd: int  # every programme recorded in the latest snapshot
    assistance_years: str  # "FY2011–FY2019", "" when none
    recent_annual_usd: int | None  # a year's average over the three fiscal years to as_of


@dataclass(frozen=True)
class Overview:
    lenses: tuple[tuple[str, str], ...]  # (id, title) of each lens, in order
    rows: tuple[Row, ...]  # riskiest first: overall score down, then country
    folder: str  # the profiles folder, as shown
    rules: str  # the rule set's folder and hash, as the reports' provenance gives them
    cutoffs: tuple[tuple[str, float], ...] = ()  # band → starting score (scoring.yaml)

    @property
    def movers(self) -> tuple[tuple[Row, Move], ...]:
        """The biggest lens moves across the portfolio, largest first."""
        moves = [(row, m) for row in self.rows for m in row.moves if m.lens != "Overall"]
        return tuple(sorted(moves, key=lambda x: (-abs(x[1].delta), x[0].country, x[1].lens)))[:8]


def _move(lens: str, before: float | None, after: float | None, rb: str, ra: str) -> Move:
    return Move(lens, before, after, rb, ra)


def _row(folder: str, snapshots: Sequence[Assessment]) -> Row:
    latest = snapshots[-1]
    previous = snapshots[-2] if len(snapshots) > 1 else None
    moves: list[Move] = []
    if previous is not None:
        moves.append(
            _move("Overall", previous.score, latest.score, previous.overall, latest.overall)
        )
        before = {lens.id: lens for lens in previous.lenses}
        lens_moves = [
            _move(
                lens.title,
                before[lens.id].score,
                lens.score,
                before[lens.id].residual,
                lens.residual,
            )
            for lens in latest.lenses
            if lens.id in before
            and (lens.score != before[lens.id].score or lens.residual != before[lens.id].residual)
            and not lens.context
        ]
        lens_moves.sort(key=lambda m: (-abs(m.delta), m.lens))
        moves += lens_moves[:MOVERS]
    portfolio = latest.portfolio
    years = [y for p in portfolio.programmes for y in (p.from_fy, p.to_fy)]
    year = int(latest.as_of[:4])
    recent = [amount for fy, amount in portfolio.by_fiscal_year if year - 2 <= fy <= year]
    return Row(
        country=latest.country,
        iso3=latest.iso3,
        folder=folder,
        as_of=latest.as_of,
        previous=previous.as_of if previous else "",
        snapshots=len(snapshots),
        overall=latest.overall,
        score=latest.score,
        confidence=latest.confidence,
        gates=tuple(
            f"{g.title} ({g.subject_name})" if g.subject_name else g.title for g in latest.gates
        ),
        cells=tuple(
            Cell(lens.id, lens.score, lens.residual if lens.assessed else NOT_ASSESSED)
            for lens in latest.lenses
        ),
        moves=tuple(moves),
        assistance_usd=portfolio.total_usd,
        assistance_years=f"FY{min(years)}–FY{max(years)}" if years else "",
        recent_annual_usd=round(sum(recent) / 3) if portfolio.by_fiscal_year else None,
    )


def build_overview(assessed: Sequence[Assessed], folder: str, rules: str) -> Overview:
    """The portfolio of every country assessed (a folder gives a timeline, a file one
    snapshot), each named by its path as shown."""
    return overview_of(
        [
            (
                display_path(item.path),
                item.result.snapshots if isinstance(item.result, Timeline) else (item.result,),
            )
            for item in assessed
        ],
        folder,
        rules,
    )


def overview_of(
    countries: Sequence[tuple[str, Sequence[Assessment]]], folder: str, rules: str
) -> Overview:
    """The portfolio of these countries, each (its folder as named, its snapshots oldest
    first)."""
    rows = [_row(name, snapshots) for name, snapshots in countries if snapshots]
    latest = [snapshots[-1] for _, snapshots in countries if snapshots]
    lenses = tuple((lens.id, lens.title) for lens in latest[0].lenses) if latest else ()
    cutoffs = latest[0].methodology.cutoffs if latest else ()
    rows.sort(key=lambda r: (-(r.score if r.score is not None else -1.0), r.country))
    return Overview(lenses, tuple(rows), folder, rules, cutoffs)


def rules_shown(assessment: Assessment) -> str:
    """The rule set behind an assessment, as a portfolio names it: its folder and hash."""
    p = assessment.provenance
    return f"{p.rules_folder} (sha256 {p.rules_sha256[:16]})"
