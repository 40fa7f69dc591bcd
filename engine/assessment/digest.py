"""What the report's body says about the findings: one entry per point, the few facts that
carry each, numbered references, and an annex that keeps everything.

The Assessment keeps every finding apart, as the rules produced them: diffs and scores need
them so. A reader needs one statement per point. Here a rule that fired for several subjects
(abuses by two units) becomes one point, and a finding whose facts are all facts of a heavier
finding in the same lens (public support for military rule, on its own and alongside a rising
military) is folded into it as "on the same facts". Nothing is dropped: the annex lists every
finding with all its evidence, and each body entry names its annex item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ssa_risk.assessment.model import Assessment, Evidence, Finding, LensResult
from ssa_risk.base.words import counted
from ssa_risk.profile.facts import KEY_FIELDS, words_of
from ssa_risk.rules.narrative import USD_SUFFIX, usd

# Facts shown in the body for each finding; the annex has the rest.
SHOWN_FACTS = 3


# The profile's list sections, by the noun a reader counts them with.
_NOUNS = {
    "institutions": "institution",
    "programmes": "programme",
    "abuses": "abuse record",
    "rivalries": "rivalry",
    "threats": "threat",
    "areas": "reform area",
    "coups": "coup",
    "frameworks": "framework",
}


@dataclass(frozen=True)
class Reference:
    """One work in the report's numbered list of sources."""

    number: int
    key: str
    text: str  # author, title, publisher as written
    date: str = ""
    pages: str = ""


@dataclass(frozen=True)
class Entry:
    """A finding as the body shows it."""

    finding: Finding
    annex: int  # its item in the evidence annex
    cites: tuple[tuple[int, str], ...]  # (reference number, section or page)


@dataclass(frozen=True)
class Point:
    """One point the report makes."""

    lead: Entry
    subjects: tuple[Entry, ...]  # the same rule about further subjects
    same_facts: tuple[Entry, ...]  # other rules' findings resting on facts of this one
    facts: tuple[Evidence, ...] = ()  # the few facts that carry the lead and its subjects, once
    more: str = ""  # what the annex has besides: "1 more institution and 13 more programmes"

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (self.lead, *self.subjects)

    @property
    def findings(self) -> list[Finding]:
        return [e.finding for e in (self.lead, *self.subjects, *self.same_facts)]


@dataclass(frozen=True)
class AnnexItem:
    number: int
    finding: Finding
    evidence: tuple[Evidence, ...]  # every fact, signals expanded to the facts they rest on


@dataclass(frozen=True)
class Digest:
    points: dict[str, tuple[Point, ...]]  # lens id → its points, risks first
    references: tuple[Reference, ...]
    annex: tuple[AnnexItem, ...]
    # Each reference's number by its key (from `references`): source_numbers asks for each
    # fact the body shows.
    numbers: dict[str, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", {r.key: r.number for r in self.references})

    def of(self, lens: LensResult) -> tuple[Point, ...]:
        return self.points.get(lens.id, ())


def value_text(e: Evidence) -> str:
    """A fact's value as a reader writes it: yes/no, words, dollars; "not recorded" for a
    field the profile leaves out (a rule may need it missing: `exists: false`)."""
    v = e.value
    if v is None:
        return "not recorded"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | float) and e.path.endswith(USD_SUFFIX):
        return usd(v)
    if isinstance(v, tuple):
        return ", ".join(words_of(x) for x in v)
    if isinstance(v, str):
        return words_of(v)
    return str(v)


def digest(a: Assessment) -> Digest:
    """The body's points, references and annex for one assessment."""
    traces: dict[str, tuple[Evidence, ...]] = {}
    for trace in a.signals:
        traces[trace.name] = traces.get(trace.name, ()) + trace.evidence
    references = _references(a)
    numbers = {r.key: r.number for r in references}
    annex: list[AnnexItem] = []
    entries: dict[int, Entry] = {}
    carrying: dict[int, tuple[Evidence, ...]] = {}  # each finding's, worked out once
    for lens in a.lenses:
        for f in lens.findings + lens.protective + lens.mitigations:
            evidence = _expanded(f.evidence, traces)
            carrying[id(f)] = _carrying(evidence)
            annex.append(AnnexItem(len(annex) + 1, f, evidence))
            entries[id(f)] = _entry(f, len(annex), numbers)
    points = {
        lens.id: _points(lens, entries, carrying)
        for lens in a.lenses
        if lens.findings or lens.protective or lens.mitigations
    }
    return Digest(points, references, tuple(annex))


def _expanded(
    evidence: tuple[Evidence, ...], traces: dict[str, tuple[Evidence, ...]]
) -> tuple[Evidence, ...]:
    """Evidence with each signal replaced by the facts it was concluded from (once each)."""
    out: list[Evidence] = []
    seen: set[Evidence] = set()

    def add(e: Evidence, depth: int) -> None:
        if e.fact_kind == "signal":
            if depth < 8:
                for inner in traces.get(str(e.value), ()):
                    add(inner, depth + 1)
            return
        if e not in seen:
            seen.add(e)
            out.append(e)

    for e in sorted(evidence, key=lambda e: e.fact_kind == "signal"):
        add(e, 0)
    return tuple(out)


def _field(e: Evidence) -> str:
    return e.path.rsplit(".", 1)[-1]


def _carrying(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """The facts that carry a finding: what it tested, not which entry it is."""
    tested = tuple(e for e in evidence if e.fact_kind != "absent" and _field(e) not in KEY_FIELDS)
    return tested or tuple(e for e in evidence if e.fact_kind != "absent")


def _entry(f: Finding, annex: int, numbers: dict[str, int]) -> Entry:
    cites = tuple((numbers[c.ref], c.at or "") for c in f.cites if c.ref in numbers)
    return Entry(f, annex, cites)


def summarised(
    evidence: tuple[Evidence, ...], limit: int = SHOWN_FACTS
) -> tuple[tuple[Evidence, ...], str]:
    """The few facts that carry a finding, and what is left, in words ("23 more
    programmes"). One entry of a list is shown, not every programme; all the fields of a shown
    entry may be."""
    return _summarised(_carrying(evidence), limit)


def _summarised(
    carrying: tuple[Evidence, ...], limit: int = SHOWN_FACTS
) -> tuple[tuple[Evidence, ...], str]:
    shown: list[Evidence] = []
    entries: set[str] = set()
    lists: set[str] = set()
    rest: list[Evidence] = []
    for e in carrying:
        group, entry = _group(e), _entry_path(e)
        if len(shown) < limit and (not group or entry in entries or group not in lists):
            shown.append(e)
            entries.add(entry)
            lists.add(group)
        else:
            rest.append(e)
    return tuple(shown), _more(rest, entries)


def _entry_path(e: Evidence) -> str:
    return e.path.rsplit(".", 1)[0]


def _group(e: Evidence) -> str:
    """The list a fact belongs to ('programmes'), or '' for a single object's field."""
    head = _entry_path(e)
    if "[" not in head:
        return ""
    return head.rsplit("[", 1)[0].rsplit(".", 1)[-1]


def _more(rest: list[Evidence], shown_entries: set[str]) -> str:
    if not rest:
        return ""
    by_noun: dict[str, set[str]] = {}
    loose = 0
    for e in rest:
        noun = _NOUNS.get(_group(e))
        if noun is None or _entry_path(e) in shown_entries:
            loose += 1
        else:
            by_noun.setdefault(noun, set()).add(_entry_path(e))
    parts = [counted(len(entries), f"more {noun}") for noun, entries in sorted(by_noun.items())]
    if loose:
        parts.append(counted(loose, "more fact"))
    return " and ".join(parts)


def _points(
    lens: LensResult, entries: dict[int, Entry], carrying: dict[int, tuple[Evidence, ...]]
) -> tuple[Point, ...]:
    """`carrying`: the facts that carry each finding (by id), signals expanded."""
    points: list[tuple[Entry, list[Entry], list[Entry]]] = []
    by_rule: dict[str, int] = {}
    for group in (lens.findings, lens.protective, lens.mitigations):
        # The heaviest first (in the group's order among equals, as sorted() keeps it), so
        # that a point leads with its strongest statement.
        ranked = sorted(group, key=lambda f: -f.points)
        keys: list[frozenset[str]] = []
        start = len(points)
        for f in ranked:
            entry = entries[id(f)]
            if f.rule_id in by_rule and by_rule[f.rule_id] >= start:
                points[by_rule[f.rule_id]][1].append(entry)
                continue
            key = frozenset(e.path for e in carrying[id(f)])
            home = next(
                (
                    start + i
                    for i, other in enumerate(keys)
                    if f.effect != "gate"
                    and points[start + i][0].finding.effect != "gate"
                    and key
                    and (key <= other or other <= key)
                ),
                None,
            )
            if home is not None:
                points[home][2].append(entry)
                continue
            by_rule[f.rule_id] = len(points)
            points.append((entry, [], []))
            keys.append(key)
    out = []
    for lead, subjects, same in points:
        # Each subject's own facts, then what they share, once.
        facts: dict[Evidence, None] = {}
        more = []
        for entry in (lead, *subjects):
            shown, rest = _summarised(carrying[id(entry.finding)])
            facts.update(dict.fromkeys(shown))
            more += [rest] if rest and rest not in more else []
        out.append(Point(lead, tuple(subjects), tuple(same), tuple(facts), "; ".join(more)))
    return tuple(out)


def _references(a: Assessment) -> tuple[Reference, ...]:
    """The profile's sources, then the further works the findings' rules cite, numbered."""
    out: list[Reference] = []
    for s in a.sources:
        text = s.title + (f". {s.publisher}" if s.publisher else "")
        out.append(Reference(len(out) + 1, s.id, text, s.date, s.pages))
    known = {r.key for r in out}
    for f in a.findings:
        for c in f.cites:
            if c.ref not in known:
                known.add(c.ref)
                out.append(Reference(len(out) + 1, c.ref, c.text.rstrip(".")))
    return tuple(out)


def source_numbers(e: Evidence, d: Digest) -> tuple[int, ...]:
    """The reference numbers of a fact's sources."""
    numbers = d.numbers
    return tuple(numbers[s] for s in e.sources if s in numbers)
