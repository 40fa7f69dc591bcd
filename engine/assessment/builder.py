"""From firings to an Assessment: findings with evidence, lens ratings, overall rating."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
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
    RuleDigest,
    ScoringBand,
    SignalTrace,
    Source,
    frozen,
)
from ssa_risk.assessment.provenance import sha256_text
from ssa_risk.base.source import format_path
from ssa_risk.evaluation.durable import Firing
from ssa_risk.profile.derived import is_derived
from ssa_risk.profile.facts import Fact, engine_field, rule_field
from ssa_risk.profile.reader import Profile
from ssa_risk.rules.loader import Rule, RuleSet
from ssa_risk.rules.narrative import render_narrative
from ssa_risk.rules.operators import show
from ssa_risk.rules.scoring import RATINGS


def build_assessment(
    profile: Profile,
    ruleset: RuleSet,
    facts: list[Fact],
    firings: list[Firing],
    signal_facts: Mapping[str, Fact],
    templates_sha256: str,
    templates_folder: str,
) -> Assessment:
    """Score firings into an Assessment; the same inputs always give the same result."""
    by_id = {f.id: f for f in facts} | dict(signal_facts)
    # Every firing of a rule about one subject, in engine order: the finding speaks of the
    # most significant (the most recent, then the largest amount), and its evidence lists all.
    matches: dict[tuple[str, str], list[tuple[Rule, dict[str, Fact], tuple[Evidence, ...]]]] = {}
    signals: dict[tuple[str, tuple[Evidence, ...]], SignalTrace] = {}
    for firing in firings:
        rule = ruleset.rule(firing.rule_id)
        bound = {name: by_id[fid] for name, fid in firing.bindings if fid in by_id}
        evidence = _evidence(profile, rule, bound)
        if rule.conclude:
            trace = SignalTrace(rule.conclude, rule.id, evidence)
            signals[(rule.conclude, evidence)] = trace
        if rule.severity is None:
            continue
        key = (rule.id, _subject(rule, bound, profile))
        matches.setdefault(key, []).append((rule, bound, evidence))
    findings: dict[tuple[str, str], Finding] = {}
    for (_, subject), found in matches.items():
        rule, bound, _ = max(found, key=lambda match: _significance(match[1]))
        cited = {e for _, _, each in found for e in each}
        assert rule.severity is not None  # only rules with a severity were kept
        findings[(rule.id, subject)] = Finding(
            rule_id=rule.id,
            title=rule.title,
            lens=rule.lens,
            severity=rule.severity,
            effect=rule.effect,
            scope=rule.scope,
            subject=subject,
            narrative=render_narrative(rule, bound, profile),
            recommend=rule.recommend,
            citations=tuple(
                c.text.rstrip(".") + (f", {c.at}" if c.at else "") + "." for c in rule.cite
            ),
            evidence=tuple(sorted(cited, key=_ev_order)),
            signals_used=tuple(
                sorted({str(f.fields["name"]) for f in bound.values() if f.kind == "signal"})
            ),
            rule_file=rule.file,
            rule_line=rule.line,
        )
    lenses = tuple(_lens(ruleset, lens.id, findings.values()) for lens in ruleset.lenses)
    gates = tuple(sorted((f for f in findings.values() if f.effect == "gate"), key=_order))
    band = ruleset.scoring.overall(
        {lens.id: lens.residual for lens in lenses},
        sum(1 for g in gates if g.scope == "country"),
        sum(1 for g in gates if g.scope == "unit"),
    )
    data = profile.data
    return Assessment(
        country=profile.country,
        iso3=str(data["iso3"]),
        as_of=profile.as_of,
        profile_path=profile.path,
        overall=band.rating,
        overall_explanation=band.explanation,
        gates=gates,
        lenses=lenses,
        signals=tuple(sorted(signals.values(), key=_signal_order)),
        sources=tuple(Source(s["id"], s["title"], s.get("publisher", "")) for s in data["sources"]),
        missing_sections=tuple(s for s in ASSESSED_SECTIONS if not data.get(s)),
        portfolio=portfolio(data.get("assistance") or {}),
        methodology=methodology(ruleset),
        rules=tuple(
            RuleDigest(r.id, r.logic_sha256, r.wording_sha256, r.definition)
            for r in sorted(ruleset.rules, key=lambda r: r.id)
        ),
        facts=_fact_values(profile, facts),
        provenance=Provenance(
            tool_version=__version__,
            profile_sha256=profile_hash(profile),
            rules_folder=ruleset.directory,
            rules_sha256=sha256_text(list(ruleset.files)),
            templates_folder=templates_folder,
            templates_sha256=templates_sha256,
        ),
    )


def _lens(ruleset: RuleSet, lens_id: str, findings: Any) -> LensResult:
    lens = ruleset.lens(lens_id)
    mine = sorted((f for f in findings if f.lens == lens_id), key=_order)
    risks = tuple(f for f in mine if f.effect in ("risk", "gate"))
    mitigations = tuple(f for f in mine if f.effect == "mitigation")
    scoring = ruleset.scoring
    inherent = max((f.severity for f in risks), key=RATINGS.index, default=scoring.empty_lens)
    residual = inherent
    if risks and mitigations:
        residual = scoring.lower(inherent, scoring.mitigation_steps * len(mitigations))
    return LensResult(lens.id, lens.title, lens.question, inherent, residual, risks, mitigations)


def _order(f: Finding) -> tuple[int, str, str]:
    return (-RATINGS.index(f.severity), f.rule_id, f.subject)


def _fact_values(profile: Profile, facts: list[Fact]) -> tuple[FactValue, ...]:
    out = []
    for fact in facts:
        for name, value in fact.fields.items():
            field = rule_field(name)
            path = (*fact.path, field)
            derived = is_derived(fact.kind, field)
            loc = profile.doc.location(fact.path if derived else path)
            out.append(
                FactValue(
                    format_path(path),
                    fact.kind,
                    field,
                    frozen(value),
                    loc.file if loc else profile.path,
                    loc.line if loc else None,
                    derived,
                )
            )
    return tuple(sorted(out, key=lambda f: f.path))


def portfolio(assistance: Mapping[str, Any]) -> Portfolio:
    """Programmes by year and recipient, totals, and grants against sales."""
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
        recipients[recipient or "(not recorded)"] = (
            recipients.get(recipient or "(not recorded)", 0) + total
        )
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


def methodology(ruleset: RuleSet) -> Methodology:
    scoring = ruleset.scoring
    bands = []
    for band in scoring.bands:
        parts = []
        if band.gates_at_least:
            parts.append(f"at least {band.gates_at_least} country gate(s)")
        if band.unit_gates_at_least:
            parts.append(f"at least {band.unit_gates_at_least} unit gate(s)")
        if band.lenses_at_least:
            parts.append(
                f"at least {band.count_at_least} lens(es) rated {band.lenses_at_least} or worse"
            )
        bands.append(ScoringBand(band.rating, "; ".join(parts) or "otherwise", band.explanation))
    return Methodology(
        severities=RATINGS,
        empty_lens=scoring.empty_lens,
        mitigation_steps=scoring.mitigation_steps,
        residual_floor=scoring.residual_floor,
        bands=tuple(bands),
        rule_count=len(ruleset.rules),
    )


def _signal_order(
    s: SignalTrace,
) -> tuple[str, str, tuple[tuple[str, int, str, str, str], ...]]:
    return (s.name, s.rule_id, tuple(_ev_order(e) for e in s.evidence))


def _ev_order(e: Evidence) -> tuple[str, int, str, str, str]:
    # Values can be numbers, text or booleans: compare their text so mixed kinds never clash.
    return (e.file, e.line or 0, e.path, e.binding, repr(e.value))


def _subject(rule: Rule, bound: Mapping[str, Fact], profile: Profile) -> str:
    if rule.subject and rule.subject in bound:
        return bound[rule.subject].label
    return profile.country


def _evidence(
    profile: Profile,
    rule: Rule,
    bound: Mapping[str, Fact],
) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for pattern in rule.all + rule.any:
        fact = bound.get(pattern.name)
        if fact is None:
            continue
        if fact.kind == "signal":
            name = fact.fields["name"]
            out.append(Evidence(pattern.name, "signal", f"signal {name}", name, "", None, ()))
            continue
        if not pattern.tests:
            # Matched on presence alone: the fact itself is the evidence.
            loc = profile.doc.location(fact.path)
            out.append(
                Evidence(
                    pattern.name,
                    fact.kind,
                    format_path(fact.path) or fact.kind,
                    "present",
                    loc.file if loc else profile.path,
                    loc.line if loc else None,
                    fact.sources,
                )
            )
        for test in pattern.tests:
            field = engine_field(test.field)
            path = (*fact.path, test.field)
            derived = is_derived(fact.kind, test.field)
            # A derived value has no line of its own: point at the object it is computed from.
            loc = profile.doc.location(fact.path if derived else path)
            out.append(
                Evidence(
                    pattern.name,
                    fact.kind,
                    format_path(path),
                    frozen(fact.fields.get(field)),
                    loc.file if loc else profile.path,
                    loc.line if loc else None,
                    fact.sources_for(test.field),
                    derived,
                )
            )
    for pattern in rule.none:
        # What the rule required to be absent, and was.
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
    return tuple(sorted(set(out), key=_ev_order))


def profile_hash(profile: Profile) -> str:
    """Content hash of a profile and the snapshots it extends, each named relative to the
    profile's own folder: the same files hash the same wherever they are and however they
    are shown (`profiles/…`, `<bundled>/…`, `HEAD:…`)."""
    folder = posixpath.dirname(profile.path)
    return sha256_text(
        [(posixpath.relpath(name, folder or "."), text) for name, text in profile.doc.texts]
    )


def _significance(bound: Mapping[str, Fact]) -> tuple[int, float]:
    """How much a firing's facts weigh for a report made as of the profile's date: the latest
    year they hold, then the largest amount in US dollars. `max` keeps the first (engine
    order) of equals."""
    amounts = [
        float(v)
        for fact in bound.values()
        for k, v in fact.fields.items()
        if k.endswith("_usd") and isinstance(v, int | float) and not isinstance(v, bool)
    ]
    years = [
        int(v)
        for fact in bound.values()
        for k, v in fact.fields.items()
        if k in ("year", "to_fy") and isinstance(v, int) and not isinstance(v, bool)
    ]
    return (max(years, default=0), max(amounts, default=0.0))
