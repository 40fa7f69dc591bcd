"""From firings to an Assessment: findings with evidence, lens ratings, overall rating."""

from __future__ import annotations

import operator
import posixpath
import re
from collections.abc import Mapping
from functools import cache, partial
from typing import Any

from ssa_risk import __version__
from ssa_risk.assessment.model import (
    ASSESSED_SECTIONS,
    Assessment,
    Evidence,
    FactValue,
    Finding,
    LensResult,
    Methodology,
    Portfolio,
    ProgrammeRow,
    Provenance,
    ScoringBand,
    SignalTrace,
    Source,
    Uncertainty,
    UncertainValue,
    frozen,
)
from ssa_risk.assessment.provenance import rules_hash, sha256_text
from ssa_risk.assessment.shared import NOTHING_SHARED, FiringMemo
from ssa_risk.base.kept import per_object
from ssa_risk.base.source import format_path
from ssa_risk.base.words import capitalised, counted
from ssa_risk.evaluation.durable import Firing
from ssa_risk.profile.derived import DERIVED_FIELDS, is_derived
from ssa_risk.profile.facts import (
    IDENTITY_FIELDS,
    ITEM_KEYS,
    PROFILE_ID_FIELD,
    Fact,
    descriptive_fields,
    engine_field,
    institution_names,
    rule_field,
    words_of,
)
from ssa_risk.profile.reader import Profile
from ssa_risk.profile.schema import DEFAULT_CLASSIFICATION
from ssa_risk.rules.loader import Rule, RuleSet
from ssa_risk.rules.model import Pattern
from ssa_risk.rules.narrative import USD_SUFFIX, render_narrative
from ssa_risk.rules.operators import show
from ssa_risk.rules.scoring import NOT_ASSESSED, RATINGS, Scoring, whole

# Facts that record a dated event (a coup in 1987, a programme over FY2011-13): their date is
# their own, so their age is the rules' business (years_ago), not the snapshot's.
EVENT_KINDS = frozenset({"profile", "coup", "neighbour_coup", "programme", "period_total"})


def build_findings(
    profile: Profile,
    ruleset: RuleSet,
    facts: list[Fact],
    firings: list[Firing],
    signal_facts: Mapping[str, Fact],
    shared: FiringMemo | None = None,
) -> tuple[dict[tuple[str, str], Finding], dict[tuple[str, tuple[Evidence, ...]], SignalTrace]]:
    """Each rule's finding about each subject, with its evidence, and the signals concluded.
    `shared`: evidence and narratives kept for an assessment of the same profile under another
    rule set (assessment/shared.py)."""
    by_id = {f.id: f for f in facts} | dict(signal_facts)
    dates = _stated_dates(profile)
    names = institution_names(profile.data)
    # Every firing of a rule about one subject, in engine order: the finding speaks of the
    # most significant (the most recent, then the largest amount), and its evidence lists all.
    matches: dict[tuple[str, str], list[tuple[Rule, dict[str, Fact], tuple[Evidence, ...]]]] = {}
    signals: dict[tuple[str, tuple[Evidence, ...]], SignalTrace] = {}
    # A rule fires once for each entry it matches (each programme of a long list): what one
    # pattern says of one fact is worked out once, not once per firing.
    memo: _EvidenceMemo = {}
    kept = NOTHING_SHARED if shared is None else shared
    for firing in firings:
        rule = ruleset.rule(firing.rule_id)
        bound = {name: by_id[fid] for name, fid in firing.bindings if fid in by_id}
        evidence = kept.evidence(
            rule, bound, partial(_evidence, profile, rule, bound, dates, names, memo)
        )
        if rule.conclude:
            trace = SignalTrace(rule.conclude, rule.id, evidence)
            signals[(rule.conclude, evidence)] = trace
        if rule.severity is None:
            continue
        key = (rule.id, _subject(rule, bound, profile))
        matches.setdefault(key, []).append((rule, bound, evidence))
    scoring = ruleset.scoring
    signal_ages = _signal_ages(signals.values(), profile.as_of)
    findings: dict[tuple[str, str], Finding] = {}
    weights: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}
    for (_, subject), found in matches.items():
        rule, bound, _ = max(found, key=lambda match: _significance(match[1], weights))
        cited = tuple(sorted({e for _, _, each in found for e in each}, key=_ev_order))
        assert rule.severity is not None  # only rules with a severity were kept
        months = _age_months(cited, profile.as_of, signal_ages)
        age = None if months is None else months // 12
        stale = months is not None and months > 12 * scoring.stale_after_years
        low = any(e.confidence == "low" for e in cited)
        points = 0.0 if rule.effect == "gate" else scoring.points[rule.severity]
        findings[(rule.id, subject)] = Finding(
            rule_id=rule.id,
            title=rule.title,
            lens=rule.lens,
            severity=rule.severity,
            effect=rule.effect,
            scope=rule.scope,
            subject=subject,
            narrative=kept.narrative(rule, bound, partial(render_narrative, rule, bound, profile)),
            recommend=rule.recommend,
            citations=tuple(
                c.text.rstrip(".") + (f", {c.at}" if c.at else "") + "." for c in rule.cite
            ),
            cites=rule.cite,
            evidence=cited,
            signals_used=tuple(
                sorted({str(f.fields["name"]) for f in bound.values() if f.kind == "signal"})
            ),
            rule_file=rule.file,
            rule_line=rule.line,
            points=round(points * scoring.weight(stale, low), 1),
            age_years=age,
            stale=stale,
            low_confidence=low,
            others=len(found) - 1,
            subject_name=_subject_name(rule, bound, names),
            units=_units(rule, bound),
        )
    return findings, signals


def build_assessment(
    profile: Profile,
    ruleset: RuleSet,
    facts: list[Fact],
    firings: list[Firing],
    signal_facts: Mapping[str, Fact],
    templates_sha256: str,
    templates_folder: str,
    fact_values: tuple[FactValue, ...] | None = None,
    shared: FiringMemo | None = None,
) -> Assessment:
    """Score firings into an Assessment; the same inputs always give the same result.
    `fact_values`: the profile's values as an assessment of it already gave them; `shared`:
    see build_findings."""
    findings, signals = build_findings(profile, ruleset, facts, firings, signal_facts, shared)
    scoring = ruleset.scoring
    names = institution_names(profile.data)
    lenses = tuple(_lens(ruleset, lens.id, findings.values(), facts) for lens in ruleset.lenses)
    gates = tuple(sorted((f for f in findings.values() if f.effect == "gate"), key=_order))
    weighed = [lens for lens in lenses if lens.weight > 0 and not lens.context]
    assessed = [lens for lens in weighed if lens.score is not None]
    total_weight = sum(lens.weight for lens in assessed)
    score = (
        whole(sum(lens.weight * (lens.score or 0.0) for lens in assessed) / total_weight)
        if assessed
        else None
    )
    band = scoring.overall(
        {lens.id: lens.residual for lens in weighed},
        score,
        sum(1 for g in gates if g.scope == "country"),
        len(assessed),
    )
    explanation = band.explanation
    unassessed = [lens for lens in weighed if lens.score is None]
    if unassessed:
        explanation += (
            f" {len(unassessed)} of {len(weighed)} lenses could not be assessed for lack of "
            f"evidence: {', '.join(lens.title for lens in unassessed)}."
        )
    risks = [f for f in findings.values() if f.effect == "risk"]
    stale_share = sum(1 for f in risks if f.stale) / len(risks) if risks else 0.0
    data = profile.data
    return Assessment(
        country=profile.country,
        iso3=str(data["iso3"]),
        as_of=profile.as_of,
        profile_path=profile.path,
        overall=band.rating,
        overall_explanation=explanation,
        gates=gates,
        lenses=lenses,
        signals=tuple(sorted(signals.values(), key=_signal_order)),
        sources=tuple(
            Source(
                s["id"],
                s["title"],
                s.get("publisher", ""),
                str(s.get("date", "")),
                str(s.get("pages", "")),
            )
            for s in data["sources"]
        ),
        missing_sections=tuple(s for s in ASSESSED_SECTIONS if not data.get(s)),
        portfolio=portfolio(data.get("assistance") or {}, names),
        methodology=methodology(ruleset),
        rules=ruleset.digests,
        facts=_fact_values(profile, facts) if fact_values is None else fact_values,
        score=score,
        confidence=scoring.confidence_of(len(unassessed), stale_share),
        warnings=_warnings(profile, scoring, risks),
        summary=" ".join(str(data.get("summary") or "").split()),
        authors=tuple(str(a) for a in data.get("authors") or ()),
        institutions=tuple(names.items()),
        uncertainty=_uncertainty(profile, facts, names),
        classification=" ".join(str(data.get("classification") or "").split())
        or DEFAULT_CLASSIFICATION,
        provenance=Provenance(
            tool_version=__version__,
            profile_sha256=profile_hash(profile),
            rules_folder=ruleset.directory,
            rules_sha256=rules_hash(ruleset),
            templates_folder=templates_folder,
            templates_sha256=templates_sha256,
        ),
    )


def _lens(ruleset: RuleSet, lens_id: str, findings: Any, facts: list[Fact]) -> LensResult:
    lens = ruleset.lens(lens_id)
    policy = ruleset.scoring.policy(lens_id)
    mine = sorted((f for f in findings if f.lens == lens_id), key=_order)
    risks = tuple(f for f in mine if f.effect in ("risk", "gate"))
    protective = tuple(f for f in mine if f.effect == "protective")
    mitigations = tuple(f for f in mine if f.effect == "mitigation")
    missing = policy.missing(facts)
    inherent: float | None = None
    residual: float | None = None
    if not missing:
        inherent, residual = ruleset.scoring.lens_score(
            (f.points for f in risks),
            (f.points for f in protective),
            (f.points for f in mitigations),
        )
    return LensResult(
        lens.id,
        lens.title,
        lens.question,
        NOT_ASSESSED if inherent is None else ruleset.scoring.band_of(inherent),
        NOT_ASSESSED if residual is None else ruleset.scoring.band_of(residual),
        risks,
        mitigations,
        protective,
        inherent_score=inherent,
        score=residual,
        weight=policy.weight,
        context=policy.context,
        missing=missing,
    )


def _stated_dates(profile: Profile) -> dict[str, str]:
    """Each snapshot file of the profile → the as_of it states (a snapshot that extends
    another states its own date)."""
    out = {}
    for name, text in profile.doc.texts:
        found = _AS_OF.search(text)
        if found:
            out[name] = found.group(1)
    return out


_AS_OF = re.compile(r"""^as_of:[ \t]*["']?([0-9]{4}(?:-[0-9]{2})?)""", re.MULTILINE)


def _months(date: str) -> int:
    """Months since year 0 of a YYYY, YYYY-MM or YYYY-MM-DD date (a bare year counts as its
    December: a 2019 index describes 2019 as a whole)."""
    parts = date.split("-")
    return int(parts[0]) * 12 + (int(parts[1]) if len(parts) > 1 else 12)


def _age(stated: str, as_of: str) -> int:
    """Months between a statement's date and as_of (never negative)."""
    return max(0, _months(as_of) - _months(stated))


def _signal_ages(traces: Any, as_of: str) -> dict[str, int | None]:
    """The age in months of what each signal rests on: of each conclusion its oldest dated evidence;
    of the signal, its freshest conclusion."""
    ages: dict[str, list[int | None]] = {}
    for trace in traces:
        dated = [_age(e.stated, as_of) for e in trace.evidence if e.stated]
        ages.setdefault(trace.name, []).append(max(dated) if dated else None)
    # An undated conclusion is the freshest: nothing it rests on is old.
    return {
        name: None if None in each else min(a for a in each if a is not None)
        for name, each in ages.items()
    }


def _age_months(
    evidence: tuple[Evidence, ...], as_of: str, signal_ages: Mapping[str, int | None]
) -> int | None:
    """The age in months of a finding's oldest dated evidence, signals included; None when
    nothing it rests on is dated."""
    ages = [_age(e.stated, as_of) for e in evidence if e.stated]
    ages += [
        age
        for e in evidence
        if e.fact_kind == "signal"
        for age in (signal_ages.get(str(e.value)),)
        if age is not None
    ]
    return max(ages) if ages else None


def _warnings(profile: Profile, scoring: Scoring, risks: list[Finding]) -> tuple[str, ...]:
    """What a reader must know about the evidence before trusting the ratings."""
    out = []
    stale = [f for f in risks if f.stale]
    if stale:
        out.append(
            f"{len(stale)} of {len(risks)} risk findings rest on facts stated more than "
            f"{scoring.stale_after_years} years before {profile.as_of}; they are marked stale "
            f"and count for {scoring.stale_weight:g} of their points. Restate the facts that "
            "still hold in a newer snapshot."
        )
    programmes = (profile.data.get("assistance") or {}).get("programmes") or []
    if programmes:
        last = max(int(p["to_fy"]) for p in programmes)
        gap = profile.as_of_year - last
        if gap > scoring.portfolio_gap_years:
            out.append(
                f"The recorded assistance ends in FY{last}, {gap} years before {profile.as_of}: "
                "findings about current assistance rest on old programmes. Record the "
                f"programmes since FY{last}, or state that there were none."
            )
    return tuple(out)


def _order(f: Finding) -> tuple[int, str, str]:
    return (-RATINGS.index(f.severity), f.rule_id, f.subject)


def _fact_values(profile: Profile, facts: list[Fact]) -> tuple[FactValue, ...]:
    out = []
    doc = profile.doc
    locations = doc.locations
    for fact in facts:
        # What every field of the fact shares, worked out once per fact: its path in words,
        # its own location (a field without a line of its own points there) and which of its
        # fields are derived.
        kind, fact_path = fact.kind, fact.path
        base = format_path(fact_path)
        prefix = base + "." if base else ""
        fact_loc = doc.location(fact_path)
        derived_names = DERIVED_FIELDS.get(kind, {})
        for name, value in fact.fields.items():
            field = "id" if name == PROFILE_ID_FIELD else name  # rule_field(name)
            derived = field in derived_names
            # doc.location(path): the field's own location, else the nearest above it.
            loc = None if derived else locations.get((*fact_path, field))
            if loc is None:
                loc = fact_loc
            out.append(
                FactValue(
                    prefix + field,
                    kind,
                    field,
                    frozen(value) if type(value) is list else value,
                    loc.file if loc else profile.path,
                    loc.line if loc else None,
                    derived,
                )
            )
    out.sort(key=_PATH)
    return tuple(out)


_PATH = operator.attrgetter("path")


def portfolio(assistance: Mapping[str, Any], names: Mapping[str, str]) -> Portfolio:
    """Programmes by year and recipient (institutions by name, from `names`), totals, and
    grants against sales."""
    rows = []
    yearly: dict[int, int] = {}
    recipients: dict[str, int] = {}
    for p in assistance.get("programmes", []):
        by_year = tuple(
            zip(range(p["from_fy"], p["to_fy"] + 1), p.get("by_year", ()), strict=False)
        )
        total = p["total_usd"] if "total_usd" in p else sum(a for _, a in by_year)
        for fy, amount in by_year:
            yearly[fy] = yearly.get(fy, 0) + amount
        recipient = p.get("recipient", "")
        named = names.get(recipient, words_of(recipient)) or "not recorded"
        if "total_usd" in p or by_year:  # a programme without an amount adds nothing known
            recipients[named] = recipients.get(named, 0) + total
        rows.append(
            ProgrammeRow(
                p["name"],
                p.get("code", ""),
                p["kind"],
                p.get("focus", ""),
                recipient,
                p["from_fy"],
                p["to_fy"],
                total,
                by_year,
                "total_usd" in p or bool(by_year),
            )
        )
    rows.sort(key=lambda r: (r.from_fy, -r.total_usd, r.name))
    total = sum(r.total_usd for r in rows)
    sales = sum(r.total_usd for r in rows if r.kind == "sale")
    return Portfolio(
        patron=str(assistance.get("patron", "")),
        programmes=tuple(rows),
        by_fiscal_year=tuple(sorted(yearly.items())),
        by_recipient=tuple(sorted(recipients.items(), key=lambda kv: (-kv[1], kv[0]))),
        total_usd=total,
        grants_usd=total - sales,
        sales_usd=sales,
        fms_usd=assistance.get("fms_usd"),
        fmf_usd=assistance.get("fmf_usd"),
    )


@per_object  # the same for every assessment made with a rule set
def methodology(ruleset: RuleSet) -> Methodology:
    scoring = ruleset.scoring
    bands = []
    for band in scoring.bands:
        parts = []
        if band.gates_at_least:
            parts.append(f"at least {counted(band.gates_at_least, 'country gate')}")
        if band.score_at_least is not None:
            parts.append(f"overall score at least {band.score_at_least:g}")
        if band.lenses_at_least:
            parts.append(
                f"at least {counted(band.count_at_least, 'lens', 'lenses')} rated "
                f"{band.lenses_at_least} or worse"
            )
        bands.append(
            ScoringBand(
                band.rating,
                "; ".join(parts) or "otherwise",
                band.explanation,
                gates_at_least=band.gates_at_least,
                score_at_least=band.score_at_least,
                lenses_at_least=band.lenses_at_least,
                count_at_least=band.count_at_least,
            )
        )
    insufficient = scoring.insufficient
    bands.append(
        ScoringBand(
            insufficient.rating,
            f"fewer than {scoring.minimum_assessed_lenses} weighted lenses assessed "
            "(unless a country gate applies)",
            insufficient.explanation,
            insufficient=True,
        )
    )
    return Methodology(
        severities=RATINGS,
        points=tuple((r, scoring.points[r]) for r in RATINGS),
        further_findings=scoring.further_findings,
        cutoffs=tuple((r, scoring.cutoffs[r]) for r in RATINGS[1:]),
        stale_after_years=scoring.stale_after_years,
        stale_weight=scoring.stale_weight,
        low_confidence_weight=scoring.low_confidence_weight,
        minimum_assessed_lenses=scoring.minimum_assessed_lenses,
        bands=tuple(bands),
        # The rules that judge proposal lines play no part in a country's assessment.
        rule_count=sum(1 for r in ruleset.rules if not ruleset.is_line_rule(r)),
    )


def _signal_order(
    s: SignalTrace,
) -> tuple[str, str, tuple[tuple[str, int, str, str, str], ...]]:
    return (s.name, s.rule_id, tuple(_ev_order(e) for e in s.evidence))


def _ev_order(e: Evidence) -> tuple[str, int, str, str, str]:
    # Values can be numbers, text or booleans: compare their text so mixed kinds never clash.
    return (e.file, e.line or 0, e.path, e.binding, repr(e.value))


def _subject_name(rule: Rule, bound: Mapping[str, Fact], names: Mapping[str, str]) -> str:
    if rule.subject and rule.subject in bound:
        return capitalised(bound[rule.subject].name_in(names))
    return ""


def _units(rule: Rule, bound: Mapping[str, Fact]) -> tuple[str, ...]:
    """The institutions a finding's subject is about: the institution itself, both parties of a
    rivalry, the unit of an abuse record."""
    fact = bound.get(rule.subject) if rule.subject else None
    if fact is None:
        return ()
    f = fact.fields
    ids = {
        "institution": (f.get("key"),),
        "rivalry": (f.get("party_a"), f.get("party_b")),
        "abuse": (f.get("unit"),),
    }.get(fact.kind, ())
    return tuple(str(i) for i in ids if i is not None)


def _subject(rule: Rule, bound: Mapping[str, Fact], profile: Profile) -> str:
    if rule.subject and rule.subject in bound:
        return bound[rule.subject].label
    return profile.country


def _stated(
    fact: Fact,
    file: str,
    dates: Mapping[str, str],
    field: str | None = None,
    derived: bool = False,
) -> str:
    """When the value was stated: its indicator year, else its snapshot's as_of; "" for events,
    derived values and the fields that only say which entry it is (an institution's id and
    kind do not age), whose dates are their own or do not matter."""
    if derived or fact.kind in EVENT_KINDS:
        return ""
    if field is not None and (field in IDENTITY_FIELDS or field in ITEM_KEYS.get(fact.kind, ())):
        return ""
    if fact.kind == "indicators" and isinstance(fact.fields.get("year"), int):
        return str(fact.fields["year"])
    return dates.get(file, "")


# A section of the profile that holds one object, named as a reader would.
_SECTIONS = {
    "civil_military": "Civil-military relations",
    "reform": "Security sector reform",
    "political_context": "Political context",
    "human_rights": "Human rights",
    "assistance": "Assistance",
    "indicators": "Indicators",
    "profile": "Profile",
}
_FIELD_WORDS = {
    "pct": "(%)",
    "usd": "(US$)",
    "fy": "fiscal year",
    "fms": "Foreign Military Sales",
    "fmf": "Foreign Military Financing",
    "nato": "NATO",
}


@cache
def field_words(name: str) -> str:
    """A field's name in words: 'support_for_military_rule_pct' → 'support for military rule
    (%)'."""
    return " ".join(_FIELD_WORDS.get(w, w) for w in name.split("_"))


def entity_words(fact: Fact, names: Mapping[str, str]) -> str:
    """What a fact is about, in words, as evidence labels start (public form of _entity)."""
    return _entity(fact, names)


def _uncertainty(
    profile: Profile, facts: list[Fact], names: Mapping[str, str]
) -> Uncertainty | None:
    """The profile's uncertain values, named as the evidence names them; None if none."""
    if not profile.uncertain:
        return None
    by_path = {fact.path: fact for fact in facts}
    values = []
    for field in profile.uncertain:
        fact = by_path.get(field.path[:-1])
        words = field_words(str(field.path[-1]))
        values.append(
            UncertainValue(
                format_path(field.path),
                f"{_entity(fact, names)}: {words}" if fact is not None else words,
                field.form,
                field.central,
                field.low,
                field.high,
                field.most_likely,
                field.alternatives,
            )
        )
    return Uncertainty(tuple(values), low_confidence=_low_confidence(profile, facts, names))


def _low_confidence(
    profile: Profile, facts: list[Fact], names: Mapping[str, str]
) -> tuple[str, ...]:
    """Values stated with low confidence but as one value (not a range or alternatives), in
    words: candidates for writing as uncertain."""
    uncertain = {field.path for field in profile.uncertain}
    descriptive = descriptive_fields()
    out: list[str] = []
    for fact in facts:
        if fact.confidence != "low" and "low" not in fact.field_confidence.values():
            continue  # no field of it is stated with low confidence
        for name in sorted(rule_field(k) for k in fact.fields):
            value = fact.fields.get(engine_field(name))
            if (
                fact.confidence_for(name) != "low"
                or (*fact.path, name) in uncertain
                or name in descriptive.get(fact.kind, set())
                or isinstance(value, bool)
                or not isinstance(value, int | float | str)
                or is_derived(fact.kind, name)
            ):
                continue
            out.append(f"{_entity(fact, names)}: {field_words(name)}")
    return tuple(out)


def _entity(fact: Fact, names: Mapping[str, str]) -> str:
    """What a fact is about, in words: an institution by name, a section by its title."""
    if fact.kind in _SECTIONS:
        return _SECTIONS[fact.kind]
    return capitalised(fact.name_in(names))


# (rule id, pattern number or -1 for the rule's `none` patterns, fact id) → the evidence.
_EvidenceMemo = dict[tuple[str, int, str], list[Evidence]]


def _evidence(
    profile: Profile,
    rule: Rule,
    bound: Mapping[str, Fact],
    dates: Mapping[str, str],
    names: Mapping[str, str],
    memo: _EvidenceMemo,
) -> tuple[Evidence, ...]:
    """The evidence of one firing: what each matched pattern tested of its fact, and what the
    rule required to be absent. `memo` keeps each pattern's evidence about each fact for the
    next firing of the same rule on the same fact (the same profile, dates and names)."""
    out: list[Evidence] = []
    for number, pattern in enumerate(rule.all + rule.any):
        fact = bound.get(pattern.name)
        if fact is None:
            continue
        key = (rule.id, number, fact.id)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _pattern_evidence(profile, pattern, fact, dates, names)
        out += found
    absent = memo.get((rule.id, -1, ""))
    if absent is None:
        absent = memo[(rule.id, -1, "")] = _absent_evidence(rule)
    out += absent
    return tuple(sorted(set(out), key=_ev_order))


def _pattern_evidence(
    profile: Profile,
    pattern: Pattern,
    fact: Fact,
    dates: Mapping[str, str],
    names: Mapping[str, str],
) -> list[Evidence]:
    """What one pattern of a rule tested of the fact it matched."""
    if fact.kind == "signal":
        name = fact.fields["name"]
        return [Evidence(pattern.name, "signal", f"signal {name}", name, "", None, ())]
    out: list[Evidence] = []
    entity = _entity(fact, names)
    if not pattern.tests:
        # Matched on presence alone: the fact itself is the evidence.
        loc = profile.doc.location(fact.path)
        file = loc.file if loc else profile.path
        out.append(
            Evidence(
                pattern.name,
                fact.kind,
                format_path(fact.path) or fact.kind,
                "present",
                file,
                loc.line if loc else None,
                fact.sources,
                stated=_stated(fact, file, dates),
                confidence=fact.confidence or "",
                label=entity,
            )
        )
    for test in pattern.tests:
        field = engine_field(test.field)
        path = (*fact.path, test.field)
        derived = is_derived(fact.kind, test.field)
        # A derived value has no line of its own: point at the object it is computed from.
        loc = profile.doc.location(fact.path if derived else path)
        file = loc.file if loc else profile.path
        out.append(
            Evidence(
                pattern.name,
                fact.kind,
                format_path(path),
                frozen(fact.fields.get(field)),
                file,
                loc.line if loc else None,
                fact.sources_for(test.field),
                derived,
                stated=_stated(fact, file, dates, test.field, derived),
                confidence=fact.confidence_for(test.field) or "",
                label=f"{entity}: {field_words(test.field)}",
            )
        )
    return out


def _absent_evidence(rule: Rule) -> list[Evidence]:
    """What the rule required to be absent, and was."""
    out: list[Evidence] = []
    for pattern in rule.none:
        wanted = ", ".join(f"{t.field} {t.operator.symbol} {show(t.value)}" for t in pattern.tests)
        out.append(
            Evidence(
                "none",
                "absent",
                f"no {pattern.fact}" + (f" with {wanted}" if wanted else ""),
                None,
                "",
                None,
                (),
            )
        )
    return out


def profile_hash(profile: Profile) -> str:
    """Content hash of a profile and the snapshots it extends, each named relative to the
    profile's own folder: the same files hash the same wherever they are and however they
    are shown (`profiles/…`, `<bundled>/…`, `HEAD:…`)."""
    folder = posixpath.dirname(profile.path)
    return sha256_text(
        [(posixpath.relpath(name, folder or "."), text) for name, text in profile.doc.texts]
    )


def _significance(
    bound: Mapping[str, Fact],
    weights: dict[str, tuple[tuple[int, ...], tuple[float, ...]]],
) -> tuple[int, float]:
    """How much a firing's facts weigh for a report made as of the profile's date: the latest
    year they hold, then the largest amount in US dollars. `max` keeps the first (engine
    order) of equals. `weights` keeps each fact's years and amounts for the next firing."""
    years: list[int] = []
    amounts: list[float] = []
    for fact in bound.values():
        held = weights.get(fact.id)
        if held is None:
            held = weights[fact.id] = _weights(fact)
        years += held[0]
        amounts += held[1]
    return (max(years, default=0), max(amounts, default=0.0))


def _weights(fact: Fact) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The years (`year`, `to_fy`) and US dollar amounts a fact holds."""
    items = fact.fields.items()
    years = tuple(
        int(v)
        for k, v in items
        if k in ("year", "to_fy") and isinstance(v, int) and not isinstance(v, bool)
    )
    amounts = tuple(
        float(v)
        for k, v in items
        if k.endswith(USD_SUFFIX) and isinstance(v, int | float) and not isinstance(v, bool)
    )
    return years, amounts
