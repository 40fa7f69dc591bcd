"""How two assessments' ratings compare: lens by lens, and overall.

Shared by the timeline (one snapshot to the next) and the diff (any two assessments), so that
both say the same thing about the same pair.

A lens that one assessment has and the other has not (its rule set had no such lens) is
shown as NOT_ASSESSED, never as a rating: it was not rated low, it was not rated at all.
Which overall rating is worse comes from the scoring table each assessment carries in its
methodology (bands listed most severe first), never from the bands' names, so a policy team
may name its bands as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssa_risk.assessment.model import Assessment, Methodology, score_text

NOT_ASSESSED = "-"


@dataclass(frozen=True)
class LensChange:
    """A lens whose residual rating or score differs between two assessments."""

    lens: str  # lens id
    title: str
    before: str  # a rating, "not assessed", or NOT_ASSESSED (no such lens)
    after: str
    worse: bool  # rated in both, and a higher band after
    score_before: float | None = None
    score_after: float | None = None

    @property
    def row(self) -> tuple[str, str, str]:
        """(title, before, after), as reports list it: band and score."""
        return (
            self.title,
            _shown(self.before, self.score_before),
            _shown(self.after, self.score_after),
        )


def _shown(rating: str, score: float | None) -> str:
    return rating if score is None else f"{rating} ({score_text(score)})"


def lens_changes(before: Assessment, after: Assessment) -> tuple[LensChange, ...]:
    """Lenses rated differently, in the later assessment's order, then lenses it dropped."""
    old = {lens.id: lens for lens in before.lenses}
    new = {lens.id: lens for lens in after.lenses}
    severities = after.methodology.severities
    out = []
    for lens_id in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(lens_id), new.get(lens_id)
        rating_a = a.residual if a else NOT_ASSESSED
        rating_b = b.residual if b else NOT_ASSESSED
        score_a = a.score if a else None
        score_b = b.score if b else None
        if rating_a == rating_b and score_text(score_a) == score_text(score_b):
            continue
        lens = b or a
        assert lens is not None  # the id came from one of them
        worse = (
            rating_a in severities
            and rating_b in severities
            and severities.index(rating_b) > severities.index(rating_a)
        )
        out.append(LensChange(lens_id, lens.title, rating_a, rating_b, worse, score_a, score_b))
    return tuple(out)


def band_order(methodology: Methodology) -> tuple[str, ...]:
    """The overall ratings of a scoring table, most severe first, each once."""
    return tuple(dict.fromkeys(band.rating for band in methodology.bands))


def overall_worse(before: Assessment, after: Assessment) -> bool | None:
    """Whether the overall rating got worse; None when the two ratings cannot be ordered
    (neither scoring table has both bands, e.g. the bands were renamed in between)."""
    if before.overall == after.overall:
        return False
    for methodology in (after.methodology, before.methodology):
        order = band_order(methodology)
        if before.overall in order and after.overall in order:
            return order.index(after.overall) < order.index(before.overall)
    return None
