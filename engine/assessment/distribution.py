"""The report's "Uncertainty" section in words: which values are uncertain, the values the
assessment used, and (when sampled) how often each result came out and what it turns on."""

from __future__ import annotations

from dataclasses import dataclass

from ssa_risk.assessment.model import Assessment, UncertainValue
from ssa_risk.base.words import counted


@dataclass(frozen=True)
class UncertaintyText:
    intro: str  # how many values are uncertain and what the assessment above uses
    values: tuple[str, ...]  # each value: its range or alternatives, and its central value
    method: str  # how the distribution was made; "" when not sampled
    overall: str  # the overall result's shares; "" when not sampled
    lenses: tuple[tuple[str, str], ...]  # (lens title, its bands' shares)
    turns_lead: str  # what the ranking below measures
    turns: tuple[str, ...]  # the values that move the result, most first


def percent(share: float) -> str:
    """A share as a whole percentage; never 0% or 100% for a share that is neither."""
    if 0 < share < 0.005:
        return "under 1%"
    if 0.995 <= share < 1:
        return "over 99%"
    return f"{round(share * 100)}%"


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _value_text(value: UncertainValue) -> str:
    if value.form == "range":
        likely = (
            f", most likely {_number(value.most_likely)}" if value.most_likely is not None else ""
        )
        span = f"{_number(value.low)} to {_number(value.high)}{likely}"
        central = _number(value.central)
    else:
        span = " or ".join(f"{_words(v)} ({percent(w)})" for v, w in value.alternatives)
        central = _words(value.central)
    return f"{value.label}: {span}; the assessment uses {central}."


def _shares(shares: tuple[tuple[str, float], ...]) -> str:
    if len(shares) == 1:
        return f"{_words(shares[0][0])} throughout"
    return ", ".join(f"{_words(name)} in {percent(share)}" for name, share in shares)


def _group(value: UncertainValue, group: str) -> str:
    if value.form == "range":
        return f"the {group} of its range"
    return _words(group)


def uncertainty_text(a: Assessment) -> UncertaintyText | None:
    """The section's sentences; None when no value of the profile is uncertain."""
    u = a.uncertainty
    if u is None:
        return None
    count = len(u.values)
    verb = "is" if count == 1 else "are"
    they = "its central value" if count == 1 else "their central values"
    intro = (
        f"{counted(count, 'value')} in the profile {verb} uncertain; the assessment above uses "
        f"{they} (a range's most likely value, else its midpoint; the heaviest alternative)."
    )
    values = tuple(_value_text(v) for v in u.values)
    if u.low_confidence:
        one = len(u.low_confidence) == 1
        intro += (
            f" {counted(len(u.low_confidence), 'other value')} stated with low confidence "
            f"{'is' if one else 'are'} written as one value and not varied "
            f"({'; '.join(u.low_confidence)}): write {'it' if one else 'them'} as a range or "
            f"alternatives to include {'it' if one else 'them'}."
        )
    if not u.samples:
        return UncertaintyText(
            intro + " The distribution of results is not computed: assess the profile with "
            "--uncertainty to see how often each result comes out.",
            values,
            "",
            "",
            (),
            "",
            (),
        )
    if u.method == "exact":
        method = (
            f"All {u.samples:,} combinations of these values were assessed, each weighed by "
            "its probability."
        )
        every = "every combination"
        share_of = "the probability that {what}"
        in_part = "with a probability of {p}"
    else:
        method = (
            f"{u.samples:,} profiles were drawn from these values (ranges uniformly, or "
            "triangularly around a most likely value; alternatives by weight; seed "
            f"{u.seed}) and each was assessed."
        )
        every = "every sample"
        share_of = "the share of samples in which {what}"
        in_part = "in {p} of samples"
    if len(u.overall) == 1:
        overall = f"The overall result is {u.overall[0][0]} in {every}."
    else:
        first, *rest = u.overall
        head = in_part.format(p=percent(first[1]))
        overall = f"{first[0][:1].upper()}{first[0][1:]} {head}"
        overall += "; " + "; ".join(f"{r} in {percent(s)}" for r, s in rest) + "."
    lenses = tuple((lens.lens, _shares(lens.shares)) for lens in u.lenses)
    moving = u.turns_on
    if not moving:
        lead = "No uncertain value changes the overall result."
        if len(u.overall) == 1:
            lead = "No uncertain value changes the overall result or the band of any lens."
        return UncertaintyText(intro, values, method, overall, lenses, lead, ())
    if u.subject:
        lead = (
            "As the overall result does not change, what follows is for the lens whose band "
            f"varies most, {u.subject}. Its band turns on these values, the one that moves it "
            f"most first ({share_of.format(what='it is ' + _words(u.subject_result))}, for "
            "each half of a range or each alternative):"
        )
    else:
        lead = (
            "The result turns on these values, the one that moves it most first "
            f"({share_of.format(what='it is ' + u.subject_result)}, for each half of a range "
            "or each alternative):"
        )
    turns = tuple(
        f"{v.label}: "
        + ", ".join(f"{percent(s)} with {_group(v, g)}" for g, s in v.modal_share_by_group)
        + "."
        for v in moving
    )
    return UncertaintyText(intro, values, method, overall, lenses, lead, turns)
