"""The report's conditions and recommendations: each recommendation once, tied to the risks it
addresses, grouped by who must act, with conflicts settled by a stated precedence.

Precedence, strongest first: a gate's bar, then a recommendation to withhold, then conditions,
then engagement. A recommendation to engage a unit (train, fund, equip it) is set aside, and
the report says so, when a gate bars that unit or the whole government, or when another
recommendation made for a risk of that unit is to withhold assistance from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssa_risk.assessment.model import Assessment, Finding
from ssa_risk.rules.scoring import RATINGS

# Who acts, in the order the report lists them.
ACTORS = (
    ("partner", "The partner government and its forces"),
    ("agency", "The assisting agency (decisions to fund, condition, vet or withhold)"),
    ("programme", "The programme team (design, delivery, monitoring and evaluation)"),
)
STANCES = ("withhold", "condition", "engage", "monitor")

PRECEDENCE = (
    "Where recommendations conflict, a gate's bar comes first, then a recommendation to "
    "withhold assistance, then conditions, then engagement: a recommendation to train, fund "
    "or equip a unit is set aside while a gate bars that unit or the government, or while "
    "another recommendation for the same unit's risks is to withhold assistance from it."
)


@dataclass(frozen=True)
class Condition:
    number: int
    text: str
    by: str
    stance: str
    severity: str  # the heaviest risk it addresses
    addresses: tuple[Finding, ...]  # the findings that recommend it, heaviest first


@dataclass(frozen=True)
class SetAside:
    text: str
    addresses: tuple[Finding, ...]
    because: str  # why, in words


@dataclass(frozen=True)
class Conditions:
    groups: tuple[tuple[str, str, tuple[Condition, ...]], ...]  # actor id, heading, conditions
    set_aside: tuple[SetAside, ...]
    precedence: str

    def numbers_for(self, findings: list[Finding]) -> tuple[int, ...]:
        """The numbers of the conditions these findings recommend, in order."""
        return tuple(
            c.number
            for _, _, group in self.groups
            for c in group
            if any(f is g for f in c.addresses for g in findings)
        )

    @property
    def count(self) -> int:
        return sum(len(group) for _, _, group in self.groups)


def _rank(f: Finding) -> tuple[int, int, float]:
    return (0 if f.effect == "gate" else 1, -RATINGS.index(f.severity), -f.points)


def conditions(a: Assessment) -> Conditions:
    """Every recommendation of the assessment's risk findings and gates, merged by text."""
    merged: dict[str, tuple[str, str, list[Finding]]] = {}
    for f in sorted(
        (f for f in a.findings if f.effect in ("risk", "gate")), key=lambda f: _rank(f)
    ):
        for r in f.recommend:
            text = " ".join(getattr(r, "text", r).split())  # SHIM
            if text not in merged:
                merged[text] = (getattr(r, "by", "agency"), getattr(r, "stance", "condition"), [])
            merged[text][2].append(f)
    barred = {u for g in a.gates if g.scope == "unit" for u in g.units}
    country_bar = next((g for g in a.gates if g.scope == "country"), None)
    withheld = {
        u
        for by, stance, found in merged.values()
        if stance == "withhold"
        for f in found
        for u in f.units
    }
    kept: list[tuple[str, str, str, list[Finding]]] = []
    set_aside: list[SetAside] = []
    for text, (by, stance, found) in merged.items():
        units = frozenset(u for f in found for u in f.units)
        because = ""
        if stance == "engage":
            if country_bar is not None:
                because = f"a gate bars all assistance to the government ({country_bar.title})"
            elif units & barred:
                because = f"a gate bars assistance to {_listed(a, units & barred)}"
            elif units & withheld:
                because = (
                    f"another recommendation is to withhold assistance from "
                    f"{_listed(a, units & withheld)}"
                )
        if because:
            set_aside.append(SetAside(text, tuple(found), because))
        else:
            kept.append((text, by, stance, found))
    groups = []
    number = 0
    for actor, heading in ACTORS:
        mine = sorted(
            (k for k in kept if k[1] == actor),
            key=lambda k: (_rank(k[3][0]), STANCES.index(k[2]), k[0]),
        )
        if not mine:
            continue
        items = []
        for text, by, stance, found in mine:
            number += 1
            items.append(Condition(number, text, by, stance, found[0].severity, tuple(found)))
        groups.append((actor, heading, tuple(items)))
    return Conditions(tuple(groups), tuple(set_aside), PRECEDENCE)


def _listed(a: Assessment, units: frozenset[str]) -> str:
    return " and ".join(sorted(a.name_of(u) for u in units))
