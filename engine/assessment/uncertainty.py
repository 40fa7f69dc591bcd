"""How likely each result is, given the values a profile states as uncertain.

`assess --uncertainty N` draws N coherent profiles: each uncertain value drawn on its own
(a range uniformly, or triangularly when it names a most likely value; alternatives by
weight; integers stay integers), from a random generator seeded by the seed and the sample's
index, so that a sample is a pure function of (profile, index, seed) and can be computed in
any order or on any worker. `--uncertainty exact` weighs every combination instead, when the
values have few, exact outcomes (alternatives and integer ranges without a most likely value).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment, BandShares, UncertainValue
from ssa_risk.base.choices import DEFAULT_SEED as DEFAULT_SEED
from ssa_risk.base.choices import MAX_SAMPLES as MAX_SAMPLES
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.parallel import Parallel
from ssa_risk.base.source import format_path
from ssa_risk.profile.reader import Profile
from ssa_risk.profile.uncertain import UncertainField, with_values
from ssa_risk.rules.scoring import NOT_ASSESSED

MAX_EXACT = 10_000  # the most combinations `--uncertainty exact` weighs
_DIGITS = 6  # shares are stored rounded, so that the JSON is the same on every platform


@dataclass(frozen=True)
class Outcome:
    """What one sample gave: the overall result and each lens's band, in lens order."""

    overall: str
    bands: tuple[str, ...]


def draw(fields: Sequence[UncertainField], index: int, seed: int) -> tuple[Any, ...]:
    """The values of sample `index`: the same for the same seed, whatever else is drawn."""
    rng = random.Random(f"ssa-risk uncertainty {seed} {index}")
    return tuple(field.draw(rng) for field in fields)


def outcome_of(assessor: Assessor, profile: Profile, values: Sequence[Any]) -> Outcome:
    """Assess `profile` with its uncertain values set to `values`."""
    paths = [(field.path, value) for field, value in zip(profile.uncertain, values, strict=True)]
    sample = Profile(dataclasses.replace(profile.doc, data=with_values(profile.data, paths)))
    result = assessor.assess_profile(sample)
    return Outcome(result.overall, tuple(lens.residual for lens in result.lenses))


def sample(assessor: Assessor, profile: Profile, index: int, seed: int) -> Outcome:
    """One sample, a pure function of (profile, index, seed): what a parallel map calls."""
    return outcome_of(assessor, profile, draw(profile.uncertain, index, seed))


def assess_uncertain(
    assessor: Assessor,
    profile: Profile,
    samples: int | str,
    seed: int = DEFAULT_SEED,
    outcomes: Callable[[Iterable[tuple[Any, ...]]], list[Outcome]] | None = None,
) -> Assessment:
    """The assessment of `profile` at its central values, with the distribution of results
    over `samples` draws (an int) or over every combination ("exact").

    `outcomes` maps a list of value tuples to their Outcomes (default: in turn, here, each
    distinct tuple assessed once); a parallel runner may pass its own.
    """
    base = assessor.assess_profile(profile)
    if base.uncertainty is None:
        raise InputError([_problem(profile, "no value in it is uncertain", _NONE_FIX)])
    fields = profile.uncertain
    if samples == "exact":
        draws, weights = _combinations(profile)
        method, used_seed = "exact", None
    else:
        count = int(samples)
        draws = [draw(fields, i, seed) for i in range(count)]
        weights = [1.0] * count
        method, used_seed = "sampled", seed
    found = (outcomes or _serial(assessor, profile))(draws)
    total = math.fsum(weights)
    overall = _shares([(o.overall, w) for o, w in zip(found, weights, strict=True)], total)
    cutoffs = [band for band, _ in base.methodology.cutoffs]
    order = ["low", *(b for b in cutoffs if b != "low"), NOT_ASSESSED]
    lenses = tuple(
        BandShares(
            lens.title,
            _by_band([(o.bands[i], w) for o, w in zip(found, weights, strict=True)], total, order),
        )
        for i, lens in enumerate(base.lenses)
    )
    # What the result turns on: the overall result's, or when that never changes, the band
    # of the lens that changes most (the one whose most frequent band is least frequent).
    subject, results = "", [o.overall for o in found]
    if len(overall) == 1:
        spread = [
            (max(s for _, s in lens.shares), i)
            for i, lens in enumerate(lenses)
            if len(lens.shares) > 1
        ]
        if spread:
            index = min(spread)[1]
            subject, results = lenses[index].lens, [o.bands[index] for o in found]
    modal = _shares(list(zip(results, weights, strict=True)), total)[0][0]
    values = tuple(
        _turns(value, field, [d[k] for d in draws], results, weights, modal)
        for k, (value, field) in enumerate(zip(base.uncertainty.values, fields, strict=True))
    )
    return dataclasses.replace(
        base,
        uncertainty=dataclasses.replace(
            base.uncertainty,
            values=values,
            samples=len(draws),
            method=method,
            seed=used_seed,
            overall=overall,
            lenses=lenses,
            subject=subject,
            subject_result=modal,
        ),
    )


_NONE_FIX = (
    "write a value as a range ({low: 35, high: 55}) or as alternatives "
    "({values: {rising: 0.6, stable: 0.4}}), or leave out --uncertainty"
)


def _problem(profile: Profile, message: str, fix: str) -> Problem:
    return Problem(profile.path, None, None, message, fix)


def _serial(
    assessor: Assessor, profile: Profile
) -> Callable[[Iterable[tuple[Any, ...]]], list[Outcome]]:
    def run(draws: Iterable[tuple[Any, ...]]) -> list[Outcome]:
        seen: dict[tuple[Any, ...], Outcome] = {}
        out = []
        for values in draws:
            if values not in seen:
                seen[values] = outcome_of(assessor, profile, values)
            out.append(seen[values])
        return out

    return run


@dataclass(frozen=True)
class SampleTask:
    """One sample's assessment, run in a worker process: the profile with `values` set."""

    assessor: Assessor
    profile: Profile

    def __call__(self, values: tuple[Any, ...]) -> Outcome:
        return outcome_of(self.assessor, self.profile, values)


def parallel_outcomes(
    assessor: Assessor, profile: Profile, parallel: Parallel
) -> Callable[[Iterable[tuple[Any, ...]]], list[Outcome]]:
    """`outcomes` for assess_uncertain: each distinct draw assessed once, with `parallel`
    (local processes or a Dask cluster), the results in the draws' order."""

    def run(draws: Iterable[tuple[Any, ...]]) -> list[Outcome]:
        ordered = list(draws)
        distinct = list(dict.fromkeys(ordered))
        found = parallel.map(SampleTask(assessor, profile), distinct)
        by_values = dict(zip(distinct, found, strict=True))
        return [by_values[values] for values in ordered]

    return run


def _combinations(profile: Profile) -> tuple[list[tuple[Any, ...]], list[float]]:
    """Every combination of the uncertain values with its probability; InputError when a
    value has no exact outcomes or there are too many combinations."""
    choices = []
    for field in profile.uncertain:
        outcomes = field.outcomes()
        if outcomes is None:
            raise InputError(
                [
                    _problem(
                        profile,
                        f"--uncertainty exact: the range of {_name(field)} has no exact list "
                        "of outcomes (it is not an integer range without most_likely)",
                        "give a number of samples, e.g. --uncertainty 1000",
                    )
                ]
            )
        choices.append(outcomes)
    count = math.prod(len(c) for c in choices)
    if count > MAX_EXACT:
        raise InputError(
            [
                _problem(
                    profile,
                    f"--uncertainty exact: {count:,} combinations, over the limit of {MAX_EXACT:,}",
                    "give a number of samples, e.g. --uncertainty 1000",
                )
            ]
        )
    draws, weights = [], []
    for combination in itertools.product(*choices):
        draws.append(tuple(value for value, _ in combination))
        weights.append(math.prod(weight for _, weight in combination))
    return draws, weights


def _name(field: UncertainField) -> str:
    return format_path(field.path)


def _shares(pairs: Sequence[tuple[str, float]], total: float) -> tuple[tuple[str, float], ...]:
    """(result, share), the most frequent first; equal shares in alphabetical order."""
    sums: dict[str, float] = {}
    for result, weight in pairs:
        sums[result] = sums.get(result, 0.0) + weight
    return tuple(
        sorted(
            ((r, round(w / total, _DIGITS)) for r, w in sums.items()), key=lambda p: (-p[1], p[0])
        )
    )


def _by_band(
    pairs: Sequence[tuple[str, float]], total: float, bands: Sequence[str]
) -> tuple[tuple[str, float], ...]:
    """(band, share) in band order; a band not in `bands` after them, alphabetically."""
    shares = dict(_shares(pairs, total))
    known = [band for band in bands if band in shares]
    return tuple((band, shares[band]) for band in known + sorted(set(shares) - set(known)))


def _turns(
    value: UncertainValue,
    field: UncertainField,
    drawn: Sequence[Any],
    results: Sequence[str],
    weights: Sequence[float],
    modal: str,
) -> UncertainValue:
    """`value` with the share of the modal result in each part of its range or for each of
    its alternatives, and the gap between the largest and the smallest of those shares."""
    totals: dict[str, float] = {}
    hits: dict[str, float] = {}
    for v, result, weight in zip(drawn, results, weights, strict=True):
        group = field.group(v)
        totals[group] = totals.get(group, 0.0) + weight
        if result == modal:
            hits[group] = hits.get(group, 0.0) + weight
    by_group = tuple(
        (g, round(hits.get(g, 0.0) / totals[g], _DIGITS)) for g in field.groups() if totals.get(g)
    )
    shares = [s for _, s in by_group]
    swing = round(max(shares) - min(shares), _DIGITS) if len(shares) > 1 else 0.0
    return dataclasses.replace(value, modal_share_by_group=by_group, swing=swing)
