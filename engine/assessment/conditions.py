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
from ssa_risk.rules.model import RECOMMEND_STANCES
from ssa_risk.rules.scoring import RATINGS

# Who acts, in the order the report lists them.
ACTORS = (
    ("partner", "The partner government and its forces"),
    ("agency", "The assisting agency (decisions to fund, condition, vet or withhold)"),
    ("programme", "The programme team (design, delivery, monitoring and evaluation)"),
)
STANCES = tuple(RECOMMEND_STANCES)

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

    @property
    def risks(self) -> tuple[str, ...]:
        """The titles of the risks it addresses, each once (one rule's subjects together)."""
        return tuple(dict.fromkeys(f.title for f in self.addresses))


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
            text = " ".join(r.text.split())
            if text not in merged:
                merged[text] = (r.by, r.stance, [])
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
    kept = {}
    aside: list[tuple[str, list[Finding], str, frozenset[str]]] = []
    for text, (by, stance, found) in merged.items():
        units = frozenset(u for f in found for u in f.units)
        if stance == "engage" and country_bar is not None:
            aside.append((text, found, "country", units))
        elif stance == "engage" and units & barred:
            aside.append((text, found, "gate", units & barred))
        elif stance == "engage" and units & withheld:
            aside.append((text, found, "withhold", units & withheld))
        else:
            kept[text] = (by, stance, found)
    groups = []
    numbers: dict[str, int] = {}
    for actor, heading in ACTORS:
        # What binds first (withhold, then conditions), the heaviest risk first within each.
        mine = sorted(
            (text for text, (by, _, _) in kept.items() if by == actor),
            key=lambda t: (STANCES.index(kept[t][1]), _rank(kept[t][2][0]), t),
        )
        items = []
        for text in mine:
            by, stance, found = kept[text]
            numbers[text] = len(numbers) + 1
            items.append(
                Condition(numbers[text], text, by, stance, found[0].severity, tuple(found))
            )
        if items:
            groups.append((actor, heading, tuple(items)))
    set_aside = []
    for text, found, why, units in aside:
        if why == "country":
            assert country_bar is not None
            because = f"a gate bars all assistance to the government ({country_bar.title})"
        elif why == "gate":
            because = f"a gate bars assistance to {_listed(a, units)}"
        else:
            # The withholding conditions about these units, by number.
            by_number = sorted(
                numbers[t]
                for t, (_, stance, withholding) in kept.items()
                if stance == "withhold" and units & {u for f in withholding for u in f.units}
            )
            which = "condition" if len(by_number) == 1 else "conditions"
            because = (
                f"{which} {_and([str(n) for n in by_number])} "
                f"{'withholds' if len(by_number) == 1 else 'withhold'} assistance from "
                f"{_listed(a, units)}"
            )
        set_aside.append(SetAside(text, tuple(found), because))
    return Conditions(tuple(groups), tuple(set_aside), PRECEDENCE)


def _listed(a: Assessment, units: frozenset[str]) -> str:
    return _and(sorted(a.name_of(u) for u in units))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
