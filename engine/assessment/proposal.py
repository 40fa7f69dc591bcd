"""Judge a proposal line by line: its risks, what its mitigations answer, its residual risk,
the approval it needs, the conditions that bind it and its verdict; then the package's.

A line's risks are the findings of the proposal-line rules about it and the country findings
about its recipient, the institution the recipient belongs to, or the recipient's own units.
Gates are kept apart: a country gate, or a unit gate on the recipient or the force it belongs
to, bars the line; a unit gate on one of the recipient's units binds it to exclude that unit.
A risk that a proposed mitigation names counts `mitigation_steps` severities lower. The
residual score is built like a lens score and banded like one. approvals.yaml sets the rest.
Decisions (accepted risks, waivers) are checked against what the assessment found: an entry
that names no finding, or that has expired on the date checked, is an input error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ssa_risk.assessment.model import Assessment, Finding, WatchIndicator
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.words import capitalised
from ssa_risk.profile.facts import words_of
from ssa_risk.profile.proposal import DecisionEntry, Decisions, Proposal
from ssa_risk.rules.approvals import TRIGGER_KINDS, VERDICTS, Approvals
from ssa_risk.rules.model import RuleSet
from ssa_risk.rules.scoring import RATINGS

PROCEED, CONDITIONS, REDESIGN, DO_NOT_PROCEED = VERDICTS
_NEAREST = ("line", "recipient", "parent", "unit")


@dataclass(frozen=True)
class LineRisk:
    finding: Finding
    about: str  # how it bears on the line: line, recipient, parent, unit
    inherent: str  # its severity
    residual: str  # after the mitigations that answer it
    answered_by: tuple[int, ...]  # the numbers of the line's mitigations that name it
    decision: DecisionEntry | None = None  # accepted
    # The approval level the line needs, when the authority that accepted it is junior to it
    # (the acceptance must be confirmed at that level); "" otherwise.
    confirm_by: str = ""


@dataclass(frozen=True)
class LineGate:
    finding: Finding
    bars: bool  # True: it bars the line; False: it bars one of the recipient's units
    decision: DecisionEntry | None = None  # waived
    about: str = "line"  # line, country, recipient, parent or unit


@dataclass(frozen=True)
class LineMitigation:
    number: int
    kind: str
    text: str
    answers: tuple[str, ...]  # titles of the risks of this line it answers
    flag: str  # why it is flagged ("" when it answers a risk)
    file: str
    line: int | None


@dataclass(frozen=True)
class LineVerdict:
    number: int  # 1-based, in the proposal's order
    id: str
    title: str
    activity: str  # in words: "equipment: surveillance"
    recipient: str  # institution id
    recipient_name: str
    amount_usd: int
    from_fy: int
    to_fy: int
    objectives: tuple[str, ...]
    benchmarks: tuple[str, ...]
    risks: tuple[LineRisk, ...]
    gates: tuple[LineGate, ...]
    mitigations: tuple[LineMitigation, ...]
    conditions: tuple[str, ...]  # what binds it, in the order the report lists them
    missing_mandatory: tuple[str, ...]  # mitigation kinds mandatory at its residual risk
    inherent: str  # the heaviest risk before mitigations (low when none)
    residual: str  # the heaviest risk after them
    approval: str
    review_months: int
    reviews: tuple[str, ...]  # review dates (YYYY-MM) over the line's years
    verdict: str
    reasons: tuple[str, ...]
    file: str
    line: int | None


@dataclass(frozen=True)
class Trigger:
    id: str
    event: str  # what it is, in words
    then: str  # what to do


@dataclass(frozen=True)
class ProposalAssessment:
    id: str
    title: str
    file: str
    sponsor: str
    summary: str
    as_of: str  # the proposal's date
    checked_on: str  # the date decisions were checked against
    decision_file: str  # "" without one
    country: Assessment
    lines: tuple[LineVerdict, ...]
    verdict: str
    reasons: tuple[str, ...]
    residual: str
    approval: str
    package_conditions: tuple[str, ...]  # country conditions that bind every line
    triggers: tuple[Trigger, ...]
    levels: tuple[tuple[str, str, int, tuple[str, ...]], ...]  # approvals.yaml, for the annex
    waiver_authority: str  # the most junior level that may waive a gate
    watch: tuple[WatchIndicator, ...] = ()  # values whose change would change a verdict

    @property
    def decisions(self) -> tuple[tuple[str, str, DecisionEntry], ...]:
        """(finding title, what it is about, decision) for every accepted risk and waiver."""
        out: list[tuple[str, str, DecisionEntry]] = []
        seen: set[tuple[str, str]] = set()
        for line in self.lines:
            for risk in line.risks:
                if risk.decision is not None:
                    key = (risk.finding.rule_id, risk.finding.subject)
                    if key not in seen:
                        seen.add(key)
                        out.append((risk.finding.title, _about(risk.finding), risk.decision))
            for gate in line.gates:
                if gate.decision is not None:
                    key = (gate.finding.rule_id, gate.finding.subject)
                    if key not in seen:
                        seen.add(key)
                        out.append((gate.finding.title, _about(gate.finding), gate.decision))
        return tuple(out)


def _about(f: Finding) -> str:
    return f.subject_name or f.subject


def _step(severity: str, steps: int) -> str:
    return RATINGS[max(0, RATINGS.index(severity) - steps)]


def _expired(expires: str, on: str) -> bool:
    """Whether a decision lapsing on `expires` has lapsed on `on`; a month without a day
    runs to its end."""
    if len(expires) == 7 or len(on) == 7:
        return expires[:7] < on[:7]
    return expires < on


def _add_months(date: str, months: int) -> str:
    year, month = int(date[:4]), int(date[5:7]) if len(date) >= 7 else 1
    total = year * 12 + (month - 1) + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _institutions(proposal: Proposal) -> dict[str, dict[str, str]]:
    """The profile's institutions by id, with their text fields (name, kind, parent)."""
    return {
        str(i["id"]): {k: str(v) for k, v in i.items() if isinstance(v, str)}
        for i in proposal.profile.data.get("institutions") or ()
    }


def _ancestors(unit: str, parents: Mapping[str, str]) -> list[str]:
    out = []
    seen = {unit}
    while unit in parents and parents[unit] not in seen:
        unit = parents[unit]
        seen.add(unit)
        out.append(unit)
    return out


def _descendants(unit: str, parents: Mapping[str, str]) -> set[str]:
    out: set[str] = set()
    frontier = {unit}
    while frontier:
        frontier = {u for u, p in parents.items() if p in frontier and u not in out}
        out |= frontier
    return out


def judge_proposal(
    proposal: Proposal,
    ruleset: RuleSet,
    approvals: Approvals,
    country: Assessment,
    line_findings: Sequence[Finding],
    decisions: Decisions | None,
    on: str,
) -> ProposalAssessment:
    """The proposal's verdicts; raise InputError for decisions that name no finding, have
    expired on `on`, or are of the wrong kind, and for mitigations naming rules that do not
    exist (every problem in one pass)."""
    institutions = _institutions(proposal)
    parents = {u: i["parent"] for u, i in institutions.items() if "parent" in i}
    names = dict(country.institutions)
    country_findings = [f for f in country.findings if f.effect == "risk"]
    country_gates = list(country.gates)
    by_line: dict[str, list[Finding]] = {}
    for f in line_findings:
        by_line.setdefault(f.subject, []).append(f)
    problems: list[Problem] = []
    applied = _decisions(
        decisions,
        proposal,
        approvals,
        country_findings + country_gates,
        line_findings,
        on,
        problems,
    )
    rule_ids = {r.id for r in ruleset.rules}
    verdicts = []
    for i, line in enumerate(proposal.lines):
        verdicts.append(
            _line(
                i,
                line,
                proposal,
                approvals,
                ruleset,
                country,
                country_findings,
                country_gates,
                by_line.get(str(line["id"]), []),
                parents,
                names,
                applied,
                rule_ids,
                problems,
            )
        )
    if problems:
        raise InputError(problems)
    worst = max(verdicts, key=lambda v: VERDICTS.index(v.verdict))
    # The approval is for the lines that may go ahead, once redesigned where they must be.
    going = [v for v in verdicts if v.verdict != DO_NOT_PROCEED] or verdicts
    riskiest = max(going, key=lambda v: RATINGS.index(v.residual))
    verdict, reasons = _package_verdict(verdicts, worst.verdict)
    data = proposal.data
    return ProposalAssessment(
        id=str(data["id"]),
        title=str(data["title"]),
        file=proposal.path,
        sponsor=str(data.get("sponsor", "")),
        summary=" ".join(str(data.get("summary") or "").split()),
        as_of=proposal.as_of,
        checked_on=on,
        decision_file=decisions.path if decisions else "",
        country=country,
        lines=tuple(verdicts),
        verdict=verdict,
        reasons=reasons,
        residual=riskiest.residual,
        approval=approvals.level(riskiest.residual).approval,
        package_conditions=_package_conditions(country),
        triggers=tuple(Trigger(t.id, TRIGGER_KINDS[t.id], t.then) for t in approvals.triggers),
        levels=tuple(
            (lv.residual, lv.approval, lv.review_months, lv.mandatory) for lv in approvals.levels
        ),
        waiver_authority=approvals.waiver_authority,
    )


def _package_verdict(lines: Sequence[LineVerdict], worst: str) -> tuple[str, tuple[str, ...]]:
    stopped = [v for v in lines if v.verdict == DO_NOT_PROCEED]
    redesign = [v for v in lines if v.verdict == REDESIGN]
    conditioned = [v for v in lines if v.verdict == CONDITIONS]
    reasons = []
    if stopped and len(stopped) < len(lines):
        reasons.append(
            f"{_listed(stopped)} should not proceed: the package may go ahead only without "
            f"{'it' if len(stopped) == 1 else 'them'}."
        )
        verdict = REDESIGN
    else:
        verdict = worst
        if stopped:
            reasons.append("No line can proceed.")
    if redesign:
        reasons.append(f"{_listed(redesign)} must be redesigned before approval.")
    if conditioned:
        reasons.append(f"{_listed(conditioned)} may proceed only under the conditions listed.")
    clear = [v for v in lines if v.verdict == PROCEED]
    if clear:
        reasons.append(f"{_listed(clear)} may proceed as proposed.")
    return verdict, tuple(reasons)


def _listed(lines: Sequence[LineVerdict]) -> str:
    names = [f"line {v.number} ({v.title})" if v.title else f"line {v.number}" for v in lines]
    names[0] = names[0][0].upper() + names[0][1:]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _package_conditions(country: Assessment) -> tuple[str, ...]:
    """The country's conditions and bars that concern no one institution: they bind every
    line of the package."""
    out: dict[str, None] = {}
    for f in sorted(
        (f for f in country.findings if f.effect in ("risk", "gate") and not f.units),
        key=lambda f: (-RATINGS.index(f.severity), f.rule_id),
    ):
        for r in f.recommend:
            if r.by == "agency" and r.stance in ("withhold", "condition"):
                out.setdefault(" ".join(r.text.split()), None)
    return tuple(out)


def _line(
    index: int,
    line: Mapping[str, object],
    proposal: Proposal,
    approvals: Approvals,
    ruleset: RuleSet,
    country: Assessment,
    country_findings: list[Finding],
    country_gates: list[Finding],
    own: list[Finding],
    parents: Mapping[str, str],
    names: Mapping[str, str],
    applied: Mapping[tuple[str, str], list[DecisionEntry]],
    rule_ids: set[str],
    problems: list[Problem],
) -> LineVerdict:
    line_id = str(line["id"])
    recipient = str(line["recipient"])
    ancestors = _ancestors(recipient, parents)
    below = _descendants(recipient, parents)
    reach = {recipient, *ancestors, *below}

    def bearing(f: Finding) -> str | None:
        if recipient in f.units:
            return "recipient"
        if set(f.units) & set(ancestors):
            return "parent"
        if set(f.units) & below:
            return "unit"
        return None

    gates: list[LineGate] = []
    for g in [*(f for f in own if f.effect == "gate"), *country_gates]:
        about = "line" if g in own else ("country" if g.scope == "country" else bearing(g))
        if about is None:
            continue
        bars = about in ("line", "country", "recipient", "parent")
        gates.append(LineGate(g, bars, _decision(applied, g, reach), about))
    found: list[tuple[Finding, str]] = [(f, "line") for f in own if f.effect == "risk"]
    found += [(f, about) for f in country_findings if (about := bearing(f)) is not None]
    where = proposal.doc.location(("lines", index))
    mitigations_raw = list(line.get("mitigations") or ())  # type: ignore[call-overload]
    named: dict[str, list[int]] = {}
    for m, item in enumerate(mitigations_raw, start=1):
        for rule_id in item.get("addresses") or ():
            named.setdefault(str(rule_id), []).append(m)
            if rule_id not in rule_ids:
                fix = (
                    f"write the rule id as rules list shows it: '{str(rule_id).upper()}'"
                    if str(rule_id).upper() in rule_ids
                    else did_you_mean(
                        rule_id, sorted(rule_ids), "name a rule id from 'ssa-risk rules list'"
                    )
                )
                problems.append(
                    proposal.doc.problem(
                        ("lines", index, "mitigations", m - 1, "addresses"),
                        f"'{rule_id}' is not a rule of {ruleset.directory}",
                        fix,
                    )
                )
    steps = approvals.mitigation_steps
    # One risk per rule, about the nearest subject: the line, then the recipient, then the
    # force it belongs to, then its units.
    nearest: dict[str, tuple[Finding, str]] = {}
    for f, about in sorted(
        found,
        key=lambda x: (_NEAREST.index(x[1]), -RATINGS.index(x[0].severity), -x[0].points),
    ):
        nearest.setdefault(f.rule_id, (f, about))
    risks = []
    for f, about in sorted(
        nearest.values(),
        key=lambda x: (-RATINGS.index(x[0].severity), -x[0].points, x[0].rule_id),
    ):
        answered = tuple(named.get(f.rule_id, ()))
        residual = _step(f.severity, steps) if answered else f.severity
        risks.append(
            LineRisk(f, about, f.severity, residual, answered, _decision(applied, f, reach))
        )
    # Residual risk is the heaviest risk after mitigations: each risk is answered on its own.
    inherent = max((r.inherent for r in risks), key=RATINGS.index, default=RATINGS[0])
    residual = max((r.residual for r in risks), key=RATINGS.index, default=RATINGS[0])
    level = approvals.level(residual)
    needed = approvals.rank(level.approval) or 0
    risks = [
        r
        if r.decision is None or (approvals.rank(r.decision.authority) or 0) >= needed
        else replace(r, confirm_by=level.approval)
        for r in risks
    ]
    kinds = {str(item["kind"]) for item in mitigations_raw}
    activity = str(line["activity"])
    missing = tuple(k for k in level.mandatory if k not in kinds and approvals.applies(k, activity))
    mitigations = []
    for m, item in enumerate(mitigations_raw, start=1):
        answers = tuple(dict.fromkeys(r.finding.title for r in risks if m in r.answered_by))
        addressed = [str(a) for a in item.get("addresses") or ()]
        if answers:
            flag = ""
        elif not addressed:
            flag = "it names no risk it addresses"
        else:
            flag = (
                f"it names {', '.join(addressed)}, which "
                f"{'is not a risk' if len(addressed) == 1 else 'are not risks'} of this line"
            )
        loc = proposal.doc.location(("lines", index, "mitigations", m - 1))
        mitigations.append(
            LineMitigation(
                m,
                str(item["kind"]),
                " ".join(str(item["text"]).split()),
                answers,
                flag,
                loc.file if loc else proposal.path,
                loc.line if loc else None,
            )
        )
    recipient_name = names.get(recipient) or words_of(recipient)
    conditions = _line_conditions(risks, gates, missing, names)
    verdict, reasons = _verdict(
        risks,
        gates,
        residual,
        missing,
        approvals,
        country,
        recipient_name,
        ruleset.scoring.insufficient.rating,
    )
    # Reviews count from the line's start (a fiscal year starts in October of the year
    # before), or from the proposal's date if that is later; they run to the line's end.
    reviews: list[str] = []
    date = max(proposal.as_of[:7], f"{int(str(line['from_fy'])) - 1:04d}-10")
    end = f"{int(str(line['to_fy'])):04d}-09"
    # A line that is not to proceed has nothing to review.
    while len(reviews) < 40 and verdict != DO_NOT_PROCEED:
        date = _add_months(date, level.review_months)
        if date > end:
            break
        reviews.append(date)
    detail = line.get("equipment") or line.get("training")
    return LineVerdict(
        number=index + 1,
        id=line_id,
        title=str(line.get("title", "")),
        # "surveillance equipment", "officer training", "institution building"
        activity=f"{words_of(detail)} {activity}" if detail else words_of(activity),
        recipient=recipient,
        recipient_name=recipient_name,
        amount_usd=int(str(line["amount_usd"])),
        from_fy=int(str(line["from_fy"])),
        to_fy=int(str(line["to_fy"])),
        objectives=tuple(" ".join(str(o).split()) for o in line.get("objectives") or ()),  # type: ignore[attr-defined]
        benchmarks=tuple(" ".join(str(b).split()) for b in line.get("benchmarks") or ()),  # type: ignore[attr-defined]
        risks=tuple(risks),
        gates=tuple(gates),
        mitigations=tuple(mitigations),
        conditions=conditions,
        missing_mandatory=missing,
        inherent=inherent,
        residual=residual,
        approval=level.approval,
        review_months=level.review_months,
        reviews=tuple(reviews),
        verdict=verdict,
        reasons=reasons,
        file=where.file if where else proposal.path,
        line=where.line if where else None,
    )


def _line_conditions(
    risks: Sequence[LineRisk],
    gates: Sequence[LineGate],
    missing: Sequence[str],
    names: Mapping[str, str],
) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for gate in gates:
        if not gate.bars and gate.decision is None:
            barred = ", ".join(names.get(u, words_of(u)) for u in gate.finding.units)
            out.setdefault(f"Exclude {barred} from the line: {gate.finding.title.lower()}.", None)
    for kind in missing:
        out.setdefault(
            f"Add {words_of(kind)}: mandatory at this residual risk and not proposed.", None
        )
    for risk in risks:
        if risk.decision is not None:
            continue
        # A condition made for another unit than the recipient says whose it is.
        owners = [names.get(u, words_of(u)) for u in risk.finding.units]
        whose = (
            capitalised(" and ".join(owners)) + ": "
            if risk.about in ("parent", "unit") and owners
            else ""
        )
        for r in risk.finding.recommend:
            # A withholding the line's mitigations answer is replaced by them (vetting the
            # unit, for a force with bad units); conditions bind whatever answers them.
            if r.stance == "withhold" and risk.answered_by and risk.about != "recipient":
                continue
            if r.stance in ("withhold", "condition") and r.by in ("agency", "programme"):
                out.setdefault(whose + " ".join(r.text.split()), None)
    return tuple(out)


def _verdict(
    risks: Sequence[LineRisk],
    gates: Sequence[LineGate],
    residual: str,
    missing: Sequence[str],
    approvals: Approvals,
    country: Assessment,
    recipient: str,
    insufficient: str,
) -> tuple[str, tuple[str, ...]]:
    barring = [g for g in gates if g.bars and g.decision is None]
    if country.overall == insufficient:
        return DO_NOT_PROCEED, (
            f"The country assessment is rated {insufficient}: complete the profile and "
            "reassess before deciding on any line.",
        )
    if barring:
        return DO_NOT_PROCEED, tuple(
            f"A gate bars it: {g.finding.title}"
            + ("." if g.about == "line" else f" ({_about(g.finding)}).")
            for g in barring
        )
    if RATINGS.index(residual) >= RATINGS.index(approvals.do_not_proceed_at):
        heaviest = "; ".join(r.finding.title for r in risks if r.residual == residual)
        return DO_NOT_PROCEED, (
            f"Its residual risk is {residual} after the proposed mitigations ({heaviest}); no "
            "line at that level proceeds.",
        )
    # An acceptance by an authority junior to the line's level does not count until confirmed.
    open_risks = [r for r in risks if r.decision is None or r.confirm_by]
    limit = RATINGS.index(approvals.redesign_unaddressed_at)
    unanswered = [r for r in open_risks if not r.answered_by and RATINGS.index(r.inherent) >= limit]
    # Withholding from the recipient itself is not answered by a mitigation, only by
    # acceptance; withholding from the force it belongs to is answered by one (vetting the
    # unit, for instance), as the law bars units, not whole forces.
    withheld = [
        r
        for r in open_risks
        if any(rec.stance == "withhold" for rec in r.finding.recommend)
        and (r.about in ("line", "recipient") or (r.about == "parent" and not r.answered_by))
    ]
    reasons = []
    if unanswered:
        reasons.append(
            "No proposed mitigation answers "
            + ("this risk" if len(unanswered) == 1 else "these risks")
            + ": "
            + "; ".join(f"{r.finding.title} ({r.inherent})" for r in unanswered)
            + "."
        )
    for r in withheld:
        if r not in unanswered:
            whom = recipient if r.about in ("line", "recipient") else "the force it belongs to"
            reasons.append(
                f"{r.finding.title}: the assessment recommends withholding assistance from "
                f"{whom}, which a mitigation cannot answer; only the approving authority can "
                "accept it."
                if r.about in ("line", "recipient")
                else f"{r.finding.title}: the assessment recommends withholding assistance from "
                f"{whom} and no proposed mitigation answers it."
            )
    for r in open_risks:
        if r.confirm_by and r in unanswered + withheld:
            reasons.append(
                f"{r.finding.title} is accepted by {r.decision.authority if r.decision else ''}, "
                f"junior to {r.confirm_by}, which this line needs: it counts once confirmed."
            )
    if reasons:
        return REDESIGN, tuple(reasons)
    excluded = [g for g in gates if not g.bars and g.decision is None]
    for g in excluded:
        reasons.append(f"It must exclude {_about(g.finding)}: {g.finding.title.lower()}.")
    if open_risks or missing or excluded or any(r.decision for r in risks):
        if risks:
            reasons.append(_tally(risks, residual))
        if missing:
            reasons.append(
                "Mandatory at this residual risk and not proposed: "
                + ", ".join(words_of(k) for k in missing)
                + "."
            )
        if open_risks or missing or excluded:
            return CONDITIONS, tuple(reasons)
        return PROCEED, tuple(reasons)
    return PROCEED, ("No risk bears on it and no condition binds it.",)


def _tally(risks: Sequence[LineRisk], residual: str) -> str:
    """How a line's risks stand: answered, accepted, unanswered, and which set its residual."""
    accepted = [r for r in risks if r.decision is not None and not r.confirm_by]
    answered = [r for r in risks if r.answered_by and r not in accepted]
    left = [r for r in risks if not r.answered_by and r not in accepted]
    parts = []
    if answered:
        parts.append(f"proposed mitigations answer {len(answered)}")
    if accepted:
        parts.append(f"the decision record accepts {len(accepted)}")
    if left:
        parts.append(f"{len(left)} {'is' if len(left) == 1 else 'are'} not answered")
    setting = [r.finding.title for r in risks if r.residual == residual]
    head = "1 risk bears on it" if len(risks) == 1 else f"{len(risks)} risks bear on it"
    return (
        f"{head}: {', '.join(parts)}. Residual risk {residual}, set by " + "; ".join(setting) + "."
    )


def _decisions(
    decisions: Decisions | None,
    proposal: Proposal,
    approvals: Approvals,
    country: Sequence[Finding],
    lines: Sequence[Finding],
    on: str,
    problems: list[Problem],
) -> dict[tuple[str, str], list[DecisionEntry]]:
    """Each decision applied to the findings it names, keyed by (rule id, subject); an entry
    with `unit:` applies only to lines that reach that unit (see _applies)."""
    out: dict[tuple[str, str], list[DecisionEntry]] = {}
    if decisions is None:
        return out
    line_ids = [str(line["id"]) for line in proposal.lines]
    institutions = [
        str(i["id"]) for i in proposal.profile.data.get("institutions") or () if "id" in i
    ]
    found = {f.rule_id for f in (*country, *lines)}
    seen: dict[tuple[str, str | None, str | None], int] = {}
    for entry in decisions.entries:

        def problem(field: str, message: str, fix: str, index: int = entry.index) -> None:
            problems.append(decisions.doc.problem(("decisions", index, field), message, fix))

        key = (entry.finding.upper(), entry.unit, entry.line_id)
        if key in seen:
            problem(
                "finding",
                f"{entry.finding} is decided twice (also entry {seen[key] + 1})",
                "keep one entry per finding, unit and line",
            )
            continue
        seen[key] = entry.index
        if _expired(entry.expires, on):
            problem(
                "expires",
                f"the {_kind_words(entry.kind)} of {entry.finding} expired on {entry.expires}, "
                f"before {on}, the date it is checked on",
                "renew it with a new expiry date and approval, or remove it",
            )
        if _expired(on, entry.approved):
            problem(
                "approved",
                f"the {_kind_words(entry.kind)} of {entry.finding} was approved on "
                f"{entry.approved}, after {on}, the date it is checked on",
                f"check the record on {entry.approved} or later (--on, or the record's as_of)",
            )
        if approvals.rank(entry.authority) is None:
            problem(
                "authority",
                f"'{entry.authority}' is not an approval level of approvals.yaml",
                did_you_mean(
                    entry.authority,
                    [lv.approval for lv in approvals.levels],
                    "name one of: " + "; ".join(lv.approval for lv in approvals.levels),
                ),
            )
        if entry.unit is not None and entry.unit not in institutions:
            problem(
                "unit",
                f"'{entry.unit}' is not an institution of {proposal.profile.path}",
                did_you_mean(entry.unit, institutions, "name one of: " + ", ".join(institutions)),
            )
            continue
        if entry.line_id is not None and entry.line_id not in line_ids:
            problem(
                "line",
                f"the proposal has no line '{entry.line_id}'",
                did_you_mean(entry.line_id, line_ids, "name one of: " + ", ".join(line_ids)),
            )
            continue
        if entry.finding not in found and entry.finding.upper() in found:
            problem(
                "finding",
                f"'{entry.finding}' is written in lower case",
                f"write the rule id as rules list shows it: '{entry.finding.upper()}'",
            )
            continue
        matches = [f for f in (*country, *lines) if _names(entry, f, lines)]
        if not matches:
            problem("finding", *_no_match(entry, country, lines, found))
            continue
        for f in matches:
            if entry.kind == "waiver" and f.effect != "gate":
                problem(
                    "kind",
                    f"{entry.finding} is a risk, not a gate: there is nothing to waive",
                    "record it as accepted_risk",
                )
                break
            if entry.kind == "accepted_risk" and f.effect == "gate":
                problem(
                    "kind",
                    f"{entry.finding} is a gate: a bar cannot be accepted as a risk",
                    "record a waiver, under the authority the law gives, or drop the line",
                )
                break
            needed = approvals.waiver_authority
            if entry.kind == "waiver" and (approvals.rank(entry.authority) or 0) < (
                approvals.rank(needed) or 0
            ):
                problem(
                    "authority",
                    f"a gate may be waived only by {needed} or above (approvals.yaml "
                    f"waiver_authority), not by {entry.authority}",
                    f"have the waiver approved by {needed}, or drop the line",
                )
                break
            out.setdefault((f.rule_id, f.subject), []).append(entry)
    return out


def _no_match(
    entry: DecisionEntry, country: Sequence[Finding], lines: Sequence[Finding], found: set[str]
) -> tuple[str, str]:
    """Why an entry names no finding, and the fix."""
    if entry.finding not in found:
        return (
            f"{entry.finding} is not a finding of this assessment",
            did_you_mean(
                entry.finding,
                sorted(found),
                "remove the entry if the risk has gone, or correct the rule id",
            ),
        )
    if entry.line_id is not None and any(f.rule_id == entry.finding for f in country):
        units = sorted({u for f in country if f.rule_id == entry.finding for u in f.units})
        fix = f"name its unit with 'unit: {units[0]}'" if units else "leave out 'line:'"
        return (f"{entry.finding} is a finding about the country, not about a line", fix)
    about = f"unit '{entry.unit}'" if entry.unit else f"line '{entry.line_id}'"
    return (
        f"{entry.finding} is not a finding about {about} in this assessment",
        "remove the entry if the risk has gone, or correct the unit or line",
    )


def _applies(entry: DecisionEntry, reach: set[str]) -> bool:
    """Whether an entry applies to a line that reaches these units (its recipient, the force
    it belongs to, its units): an entry narrowed to a unit applies only where the line
    reaches that unit."""
    return entry.unit is None or entry.unit in reach


def _decision(
    applied: Mapping[tuple[str, str], list[DecisionEntry]], f: Finding, reach: set[str]
) -> DecisionEntry | None:
    return next((e for e in applied.get((f.rule_id, f.subject), ()) if _applies(e, reach)), None)


def _names(entry: DecisionEntry, f: Finding, lines: Sequence[Finding]) -> bool:
    if f.rule_id != entry.finding:
        return False
    if entry.unit is not None:
        return entry.unit in f.units
    if entry.line_id is not None:
        return f in lines and f.subject == entry.line_id
    return True


def _kind_words(kind: str) -> str:
    return "waiver" if kind == "waiver" else "acceptance of the risk"
