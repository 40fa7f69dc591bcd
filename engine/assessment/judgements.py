"""Key judgements: what a reader needs first from an assessment, in plain sentences.

The overall result with its confidence and why, the drivers ranked (gates first, then the
lenses that weigh most in the overall score), the nearest thresholds that would change the
rating, the profile's own summary, and the data gaps. Computed from an Assessment alone, so
that a saved assessment read back from JSON gives the same judgements.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssa_risk.assessment.model import Assessment, Finding, LensResult, ScoringBand, score_text
from ssa_risk.base.words import counted
from ssa_risk.profile.facts import words_of
from ssa_risk.rules.scoring import RATINGS, band_holds, lenses_at

MAX_DRIVERS = 5
MAX_NAMED = 3  # more lenses holding a rating than this are counted, not named
MAX_LENS_GAPS = 3  # more lenses not assessed than this are named in one line

_SECTION_NAMES = {
    "civil_military": "civil-military relations",
    "institutions": "institutions",
    "rivalries": "rivalries",
    "reform": "reform",
    "political_context": "political context",
    "threats": "threats",
    "human_rights": "human rights",
    "assistance": "assistance",
}


@dataclass(frozen=True)
class KeyJudgements:
    result: str  # the overall rating and score
    confidence: str  # the confidence level and why
    drivers: tuple[str, ...]  # ranked: country gates, unit gates, then the heaviest lenses
    eased: tuple[str, ...]  # lenses that mitigations or protective factors bring down
    thresholds: tuple[str, ...]  # what would change the rating
    summary: str  # the profile's own summary ("" when it has none)
    byline: str  # authors and date
    gaps: tuple[str, ...]  # lenses not assessed, sections missing, evidence warnings


def key_judgements(a: Assessment) -> KeyJudgements:
    return KeyJudgements(
        result=_result(a),
        confidence=_confidence(a),
        drivers=_drivers(a),
        eased=_eased(a),
        thresholds=_thresholds(a),
        summary=a.summary,
        byline=(f"By {_listed(a.authors)}, as of {a.as_of}." if a.authors else f"As of {a.as_of}."),
        gaps=_gaps(a),
    )


def name_of(subject: str) -> str:
    """A subject as prose: 'internal_security' → 'internal security'."""
    return words_of(subject)


_WORDS = {"fms": "Foreign Military Sales", "fmf": "Foreign Military Financing", "usd": "(US$)"}


def requirement_text(text: str) -> str:
    """A lens requirement as scoring.yaml states it, in words: 'assistance.programmes.kind:
    sale or assistance.fms_usd' → 'assistance programmes of kind sale or assistance Foreign
    Military Sales (US$)'."""
    out = []
    for alternative in text.split(" or "):
        path, _, value = alternative.partition(": ")
        words = " ".join(_WORDS.get(w, w) for w in path.replace(".", " ").replace("_", " ").split())
        if value:
            field = words.rsplit(" ", 1)
            words = f"{field[0]} of {field[-1]} {name_of(value)}" if len(field) == 2 else words
        out.append(words)
    return " or ".join(out)


def _listed(items: tuple[str, ...] | list[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _weighed(a: Assessment) -> list[LensResult]:
    return [lens for lens in a.lenses if lens.weight > 0 and not lens.context]


def _result(a: Assessment) -> str:
    if a.score is None:
        return f"Overall: {a.overall}. No overall score: no weighted lens could be assessed."
    if any(b.insufficient and b.rating == a.overall for b in a.methodology.bands):
        assessed = sum(1 for lens in _weighed(a) if lens.assessed)
        return (
            f"Overall: {a.overall}. The {counted(assessed, 'lens', 'lenses')} assessed "
            f"{'scores' if assessed == 1 else 'score'} {score_text(a.score)} of 100 on "
            f"{'its' if assessed == 1 else 'their'} own."
        )
    return f"Overall: {a.overall}, with a score of {score_text(a.score)} of 100."


def _confidence(a: Assessment) -> str:
    weighed = _weighed(a)
    assessed = sum(1 for lens in weighed if lens.assessed)
    risks = [f for f in a.findings if f.effect == "risk"]
    stale = sum(1 for f in risks if f.stale)
    coverage = f"{assessed} of {counted(len(weighed), 'weighted lens', 'weighted lenses')}"
    coverage += " was assessed" if assessed == 1 else " were assessed"
    m = a.methodology
    if not risks:
        age = "no risk finding was made, so the age of the evidence does not weigh"
    elif len(risks) == 1 and not stale:
        age = (
            f"the one risk finding does not rest on facts stated more than "
            f"{counted(m.stale_after_years, 'year')} before {a.as_of}"
        )
    elif not stale:
        age = (
            f"none of the {counted(len(risks), 'risk finding')} rests on facts stated more than "
            f"{counted(m.stale_after_years, 'year')} before {a.as_of}"
        )
    else:
        verb = "rests" if stale == 1 else "rest"
        age = (
            f"{stale} of {counted(len(risks), 'risk finding')} {verb} on facts stated more than "
            f"{counted(m.stale_after_years, 'year')} before {a.as_of}"
        )
    return f"Confidence: {a.confidence}. {coverage}, and {age}."


def _heaviest(lens: LensResult) -> Finding | None:
    return next((f for f in lens.findings if f.effect == "risk"), None)


def _about(f: Finding) -> str:
    return f" ({f.subject_name})" if f.subject_name else ""


def _eased(a: Assessment) -> tuple[str, ...]:
    """Each assessed lens whose score protective factors or mitigations lower, with them."""
    out = []
    for lens in a.lenses:
        easing = lens.protective + lens.mitigations
        if not lens.assessed or not easing:
            continue
        protective = list(dict.fromkeys(f.title for f in lens.protective))
        mitigations = list(dict.fromkeys(f.title for f in lens.mitigations))
        parts = []
        if protective:
            parts.append(
                f"{counted(len(protective), 'protective factor')} ({'; '.join(protective)}) "
                f"{'counts' if len(protective) == 1 else 'count'} against its risks"
            )
        if mitigations:
            parts.append(
                f"{counted(len(mitigations), 'mitigation')} ({'; '.join(mitigations)}) "
                f"{'brings' if len(mitigations) == 1 else 'bring'} "
                f"it from {score_text(lens.inherent_score)} ({lens.inherent}) to "
                f"{score_text(lens.score)} ({lens.residual})"
            )
        line = f"{lens.title}: {', and '.join(parts)}"
        if not mitigations:
            line += f"; it stands at {score_text(lens.score)} ({lens.residual})"
        out.append(line + ".")
    return tuple(out)


def _drivers(a: Assessment) -> tuple[str, ...]:
    drivers = [
        f"Hard gate: {g.title}. All assistance to the government is barred, whatever the score."
        for g in a.gates
        if g.scope != "unit"
    ]
    drivers += [
        f"Hard gate on {g.subject_name or name_of(g.subject)}: {g.title}. Assistance to "
        f"{g.subject_name or name_of(g.subject)} is barred; other units are not."
        for g in a.gates
        if g.scope == "unit"
    ]
    for lens in top_lenses(a):
        line = f"{lens.title}: {lens.residual}, score {score_text(lens.score)}"
        line += f" (weight {lens.weight:g})."
        heaviest = _heaviest(lens)
        if heaviest is not None:
            line += f" Heaviest finding: {heaviest.title}{_about(heaviest)}."
        drivers.append(line)
    return tuple(drivers[:MAX_DRIVERS])


def top_lenses(a: Assessment) -> list[LensResult]:
    """Assessed weighted lenses that add to the overall score, the largest share first."""
    order = {lens.id: i for i, lens in enumerate(a.lenses)}
    scored = [lens for lens in _weighed(a) if lens.assessed and (lens.score or 0) > 0]
    return sorted(scored, key=lambda lens: (-lens.weight * (lens.score or 0), order[lens.id]))


def _select(bands: tuple[ScoringBand, ...], score: float, ratings: list[str]) -> ScoringBand | None:
    """The overall band at `score` with these lens ratings and no country gate: the first band
    that applies, as the builder chooses it (the caller has enough lenses assessed)."""
    for band in bands:
        if not band.insufficient and not band.gates_at_least and band_holds(band, score, ratings):
            return band
    return None


def _lens_held(band: ScoringBand | None, rating: str) -> bool:
    return (
        band is not None
        and band.rating == rating
        and band.lenses_at_least is not None
        and band.score_at_least is None
    )


def _capped(ratings: list[str], level: str) -> list[str]:
    """The ratings with every lens at `level` or worse put just below it."""
    below = RATINGS[max(0, RATINGS.index(level) - 1)]
    return [below if lenses_at(level, [r]) else r for r in ratings]


def _score_line(
    bands: tuple[ScoringBand, ...],
    rating: str,
    score: float,
    lenses: list[LensResult],
    cutoffs: tuple[tuple[str, float], ...],
) -> tuple[str, ...]:
    """What would change the overall rating: the score cut-offs either side, the lens bands
    that hold it, and the lens band that would raise it."""
    shown = score_text(score)
    ratings = [lens.residual for lens in lenses]
    selected = _select(bands, score, ratings)
    parts = []
    if _lens_held(selected, rating):
        conditions, capped = _release(bands, rating, score, lenses, ratings)
        after = _select(bands, score, capped)
        if after is not None:
            parts.append(
                f"the rating rests on the lenses: were {' and '.join(conditions)}, it would be "
                f"'{after.rating}'"
            )
    elif selected is not None and selected.score_at_least is not None:
        cut = selected.score_at_least
        conditions, capped = _release(bands, rating, cut - 1, lenses, ratings)
        after = _select(bands, cut - 1, capped)
        if after is not None and after.rating != rating:
            held = f", with {' and '.join(conditions)}," if conditions else ""
            parts.append(f"it would need to fall below {cut:g}{held} for '{after.rating}'")
    above = sorted({b.score_at_least for b in bands if b.score_at_least is not None} - {None})
    for cut in (c for c in above if c is not None and c > score):
        band = _select(bands, cut, ratings)
        if band is not None and band.rating != rating:
            parts.append(f"from {cut:g} it would be '{band.rating}'")
            break
    line = f"The overall score is {shown}; " + ", and ".join(parts) + "." if parts else ""
    if not parts:
        line = f"The overall score is {shown}; no score band near it changes the rating."
    rise = _lens_rise(bands, rating, selected, lenses, cutoffs)
    return (line, rise) if rise else (line,)


def _release(
    bands: tuple[ScoringBand, ...],
    rating: str,
    score: float,
    lenses: list[LensResult],
    ratings: list[str],
) -> tuple[list[str], list[str]]:
    """The lens conditions that hold `rating` at `score`, in words, and the lens ratings with
    them lifted."""
    conditions = []
    capped = list(ratings)
    band = _select(bands, score, capped)
    while _lens_held(band, rating) and band is not None and band.lenses_at_least is not None:
        level = band.lenses_at_least
        few = "no lens" if band.count_at_least == 1 else f"fewer than {band.count_at_least} lenses"
        worse = "" if level == RATINGS[-1] else " or worse"
        held = [lens for lens in lenses if lenses_at(level, [lens.residual])]
        if len(held) <= MAX_NAMED:
            which = "now " + _listed([f"{x.title} at {score_text(x.score)}" for x in held])
        else:
            which = f"{len(held)} are now"
        conditions.append(f"{few} rated {level}{worse} ({which})")
        capped = _capped(capped, level)
        band = _select(bands, score, capped)
    return conditions, capped


def _lens_rise(
    bands: tuple[ScoringBand, ...],
    rating: str,
    selected: ScoringBand | None,
    lenses: list[LensResult],
    cutoffs: tuple[tuple[str, float], ...],
) -> str:
    """'A lens rated critical would make it ...; the nearest is X at 61 (critical from 65).'"""
    if selected is None:
        return ""
    for band in bands[: bands.index(selected)]:
        level = band.lenses_at_least
        if level is None or band.score_at_least is not None or band.rating == rating:
            continue
        if band.insufficient or band.gates_at_least or band.count_at_least != 1:
            continue
        start = dict(cutoffs).get(level)
        below = [x for x in lenses if x.assessed and not lenses_at(level, [x.residual])]
        if start is None or not below:
            return ""
        nearest = max(below, key=lambda x: x.score or 0.0)
        return (
            f"A lens rated {level} would make it '{band.rating}': the nearest is "
            f"{nearest.title} at {score_text(nearest.score)} ({level} from {start:g})."
        )
    return ""


def _thresholds(a: Assessment) -> tuple[str, ...]:
    m = a.methodology
    bands = m.bands
    country_gates = sum(1 for g in a.gates if g.scope != "unit")
    gate_band = next((b for b in bands if b.gates_at_least), None)
    if country_gates and gate_band is not None:
        return (
            f"A country gate applies: the rating stays '{a.overall}' whatever the score, until "
            "the bar it records is lifted.",
        )
    weighed = _weighed(a)
    assessed = sum(1 for lens in weighed if lens.assessed)
    if a.score is None or assessed < m.minimum_assessed_lenses:
        need = m.minimum_assessed_lenses - assessed
        least = counted(m.minimum_assessed_lenses, "weighted lens", "weighted lenses")
        return (
            f"An overall rating needs at least {least} "
            f"assessed; {assessed} {'is' if assessed == 1 else 'are'}. Completing the evidence for "
            f"{counted(need, 'more lens', 'more lenses')} would give a rating.",
        )
    lines = list(_score_line(bands, a.overall, a.score, weighed, m.cutoffs))
    if gate_band is not None:
        lines.append(f"A country gate would make it '{gate_band.rating}' whatever the score.")
    tops = top_lenses(a)
    if tops:
        lens = tops[0]
        marks = _lens_marks(lens, m.cutoffs)
        lines.append(f"{lens.title} is {score_text(lens.score)}: {marks}.")
    return tuple(lines)


def _lens_marks(lens: LensResult, cutoffs: tuple[tuple[str, float], ...]) -> str:
    """'high from 40, critical from 65': the start of its band and of the next one up."""
    score = lens.score or 0.0
    marks = []
    current = [(band, start) for band, start in cutoffs if start <= score]
    if current:
        band, start = current[-1]
        marks.append(f"{band} from {start:g}")
    else:
        marks.append(f"{lens.residual} below {cutoffs[0][1]:g}")
    higher = [(band, start) for band, start in cutoffs if start > score]
    if higher:
        band, start = higher[0]
        marks.append(f"{band} from {start:g}")
    return ", ".join(marks)


def _gaps(a: Assessment) -> tuple[str, ...]:
    if len(a.not_assessed) > MAX_LENS_GAPS:
        titles = [lens.title for lens in a.not_assessed]
        lead = (
            f"None of the {len(titles)} lenses is assessed"
            if len(titles) == len(a.lenses)
            else f"{len(titles)} of the {len(a.lenses)} lenses are not assessed"
        )
        gaps = [f"{lead}: {_listed(titles)}. What each needs is listed under Not assessed below."]
        return tuple(gaps + _section_gaps(a) + list(a.warnings))
    gaps = [
        f"{lens.title} is not assessed: the profile lacks {_needs(lens)}."
        for lens in a.not_assessed
        if not lens.context and lens.weight > 0
    ]
    gaps += [
        f"{lens.title} (context) is not assessed: the profile lacks {_needs(lens)}."
        for lens in a.not_assessed
        if lens.context or lens.weight == 0
    ]
    return tuple(gaps + _section_gaps(a) + list(a.warnings))


def _section_gaps(a: Assessment) -> list[str]:
    if not a.missing_sections:
        return []
    names = [_SECTION_NAMES.get(s, name_of(s)) for s in a.missing_sections]
    noun = "section" if len(names) == 1 else "sections"
    return [f"The profile has no {_listed(names)} {noun}."]


def _needs(lens: LensResult) -> str:
    return _listed([requirement_text(m) for m in lens.missing])
