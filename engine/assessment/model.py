"""The assessment of one profile: findings with their evidence, lens ratings, overall rating,
and the provenance and methodology a reader needs to trust them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssa_risk.profile.schema import DEFAULT_CLASSIFICATION
from ssa_risk.rules.model import Citation, Recommendation
from ssa_risk.rules.model import RuleDigest as RuleDigest  # re-exported: assessments hold them


def score_text(score: float | None) -> str:
    """A 0-100 score as reports show it: a whole number (halves round up), or 'not assessed'."""
    return "not assessed" if score is None else str(int(score + 0.5))


def frozen(value: Any) -> Any:
    """Lists become tuples, so that values in an Assessment can be compared and hashed."""
    return tuple(frozen(v) for v in value) if isinstance(value, list) else value


# Profile sections the rules read; a report names those a profile leaves out.
ASSESSED_SECTIONS = (
    "civil_military",
    "institutions",
    "rivalries",
    "reform",
    "political_context",
    "threats",
    "human_rights",
    "assistance",
)


@dataclass(frozen=True)
class Evidence:
    """One profile value a finding rests on, and where to find it."""

    binding: str
    fact_kind: str
    path: str
    value: Any
    file: str
    line: int | None
    sources: tuple[str, ...]
    derived: bool = False
    stated: str = ""  # as_of of the snapshot that states it; "" for events, derived values
    confidence: str = ""  # low / moderate / high as the profile records it; "" when not stated
    label: str = ""  # what the value is, in words: "Tunisian Armed Forces: political role"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    lens: str
    severity: str
    effect: str
    scope: str
    subject: str
    narrative: str
    recommend: tuple[Recommendation, ...]
    citations: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    signals_used: tuple[str, ...]
    rule_file: str
    rule_line: int
    points: float = 0.0  # what it adds to (or, protective or mitigation, takes from) its lens
    age_years: int | None = None  # age of its oldest dated evidence at as_of
    stale: bool = False  # rests on facts older than scoring.yaml's stale_after_years
    low_confidence: bool = False  # rests on a value recorded with low confidence
    others: int = 0  # further matches of the same rule about the same subject
    subject_name: str = ""  # the subject in prose: institutions by name; "" for the country
    cites: tuple[Citation, ...] = ()  # the works cited, by reference key, with section or page
    units: tuple[str, ...] = ()  # the institutions (ids) the subject is about


@dataclass(frozen=True)
class SignalTrace:
    """A concluded signal, the rule that concluded it and the facts it rested on."""

    name: str
    rule_id: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class LensResult:
    id: str
    title: str
    question: str
    inherent: str  # band of the inherent score, or "not assessed"
    residual: str  # band of the residual score (after mitigations), or "not assessed"
    findings: tuple[Finding, ...]
    mitigations: tuple[Finding, ...]
    protective: tuple[Finding, ...] = ()
    inherent_score: float | None = None  # None: not assessed
    score: float | None = None  # residual score; None: not assessed
    weight: float = 1.0
    context: bool = False  # shown beside the overall, never averaged into it
    missing: tuple[str, ...] = ()  # evidence it requires that the profile does not hold

    @property
    def assessed(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    date: str = ""  # publication date as the profile writes it
    pages: str = ""  # the pages the profile draws on, where it gives them


@dataclass(frozen=True)
class ProgrammeRow:
    name: str
    code: str
    kind: str
    focus: str
    recipient: str
    from_fy: int
    to_fy: int
    total_usd: int
    by_year: tuple[tuple[int, int], ...]  # (fiscal year, amount) where the profile gives them
    # False when the profile gives neither a total nor yearly amounts: total_usd is then 0 and
    # reports say "not recorded", never $0.
    amount_known: bool = True


@dataclass(frozen=True)
class Portfolio:
    """The assistance recorded in the profile, as the report shows it."""

    patron: str
    programmes: tuple[ProgrammeRow, ...]
    by_fiscal_year: tuple[tuple[int, int], ...]  # yearly totals where yearly amounts are given
    by_recipient: tuple[tuple[str, int], ...]
    total_usd: int  # of the programmes whose amounts are recorded
    grants_usd: int  # every programme that is not a sale
    sales_usd: int  # programmes of kind 'sale'
    fms_usd: int | None  # declared Foreign Military Sales, when the profile gives them
    fmf_usd: int | None  # declared Foreign Military Financing


@dataclass(frozen=True)
class ScoringBand:
    rating: str
    condition: str
    explanation: str
    # The condition as numbers, so that a report can say how far a profile sits from it.
    gates_at_least: int = 0
    score_at_least: float | None = None
    lenses_at_least: str | None = None  # a lens band; with count_at_least lenses at it or worse
    count_at_least: int = 1
    insufficient: bool = False  # the rating when too few weighted lenses are assessed


@dataclass(frozen=True)
class Methodology:
    """The scoring table this assessment used, for the report's appendix."""

    severities: tuple[str, ...]
    points: tuple[tuple[str, float], ...]  # severity → points
    further_findings: float
    cutoffs: tuple[tuple[str, float], ...]  # band → starting score
    stale_after_years: int
    stale_weight: float
    low_confidence_weight: float
    minimum_assessed_lenses: int
    bands: tuple[ScoringBand, ...]
    rule_count: int


@dataclass(frozen=True)
class FactValue:
    """One profile value the rules could read, and where it was written."""

    path: str
    kind: str
    field: str
    value: Any
    file: str
    line: int | None
    derived: bool = False


@dataclass(frozen=True)
class Provenance:
    tool_version: str
    profile_sha256: str
    rules_folder: str  # as display_path shows it: the project's folder, or <bundled>/rules
    rules_sha256: str
    templates_folder: str
    templates_sha256: str


@dataclass(frozen=True)
class WatchIndicator:
    """A profile value whose change alone would raise a rating (`assess --tipping`), in words."""

    label: str  # what the value is: "Civil-military relations: military rule years"
    now: str  # its value now: "8"; "not recorded"
    then: str  # the value that would raise the rating: "11 (above 10)"
    raises: str  # what it raises: "civil-military relations and coup risk from high to critical"
    rules: tuple[str, ...] = ()  # the rules whose firing changes


@dataclass(frozen=True)
class UncertainValue:
    """A profile value written as a range or as weighted alternatives."""

    path: str  # as the validator prints it
    label: str  # in words, as the evidence names it
    form: str  # "range" or "alternatives"
    central: Any  # the value the assessment itself uses
    low: float | None = None
    high: float | None = None
    most_likely: float | None = None
    alternatives: tuple[tuple[str, float], ...] = ()  # (value, weight)
    # With sampling: the share of samples giving the most frequent overall result, in each
    # part of the range ("lower half", "upper half") or for each alternative; and the gap
    # between the largest and smallest of those shares.
    modal_share_by_group: tuple[tuple[str, float], ...] = ()
    swing: float = 0.0


@dataclass(frozen=True)
class BandShares:
    """How samples spread over the bands of one lens: (band, share) in band order."""

    lens: str  # the lens title
    shares: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Uncertainty:
    """The profile's uncertain values and, when sampled, the distribution of results."""

    values: tuple[UncertainValue, ...]
    samples: int = 0  # 0: not sampled (the assessment uses the central values)
    method: str = ""  # "sampled" (seeded random draws) or "exact" (every combination)
    seed: int | None = None
    overall: tuple[tuple[str, float], ...] = ()  # (result, share), most frequent first
    lenses: tuple[BandShares, ...] = ()
    # What `turns_on` measures: "" for the overall result; a lens's title when the overall
    # result is the same in every sample (then the lens whose band changes most); and the
    # most frequent result or band of it, whose share each value's swing compares.
    subject: str = ""
    subject_result: str = ""
    # Values stated with low confidence but as one value, in words (not sampled).
    low_confidence: tuple[str, ...] = ()

    @property
    def turns_on(self) -> tuple[UncertainValue, ...]:
        """The values whose range or alternatives move the modal result's share, most first."""
        moving = [v for v in self.values if v.swing > 0]
        return tuple(sorted(moving, key=lambda v: (-v.swing, v.label)))


@dataclass(frozen=True)
class Assessment:
    country: str
    iso3: str
    as_of: str
    profile_path: str
    overall: str
    overall_explanation: str
    gates: tuple[Finding, ...]
    lenses: tuple[LensResult, ...]
    signals: tuple[SignalTrace, ...]
    sources: tuple[Source, ...]
    provenance: Provenance
    portfolio: Portfolio
    methodology: Methodology
    missing_sections: tuple[str, ...] = ()
    rules: tuple[RuleDigest, ...] = ()
    facts: tuple[FactValue, ...] = ()
    score: float | None = None  # weighted mean of assessed lenses' residual scores
    confidence: str = "low"  # low / moderate / high: evidence coverage and age
    warnings: tuple[str, ...] = ()  # what the evidence lacks: stale facts, a portfolio gap
    summary: str = ""  # the profile's own summary
    authors: tuple[str, ...] = ()  # who wrote the profile
    classification: str = DEFAULT_CLASSIFICATION  # the handling marking, from the profile
    institutions: tuple[tuple[str, str], ...] = ()  # (id, name) of each institution
    # Values whose change alone would raise a rating, nearest first: made only on request
    # (`assess --tipping`, which re-assesses the profile many times); () otherwise.
    watch: tuple[WatchIndicator, ...] = ()
    uncertainty: Uncertainty | None = None  # None: no value in the profile is uncertain

    def name_of(self, unit: str) -> str:
        """An institution's name, from its id."""
        return dict(self.institutions).get(unit, unit.replace("_", " "))

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(
            f for lens in self.lenses for f in lens.findings + lens.protective + lens.mitigations
        )

    @property
    def not_assessed(self) -> tuple[LensResult, ...]:
        return tuple(lens for lens in self.lenses if not lens.assessed)
