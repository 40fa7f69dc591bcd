"""The policy-editable approvals table (`rules/approvals.yaml`): how a proposal's lines are
judged once their risks are known.

It names the rule file whose rules judge proposal lines (its lens is not a country lens and
is never scored with them), maps each line's residual risk to the approval level it needs, how
often it is reviewed and which kinds of mitigation are mandatory, sets where a line's verdict
turns to "redesign" or "do not proceed", and lists the events that call for reassessment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from ssa_risk.base.choices import VERDICTS as VERDICTS
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.validator import schema_problems, schema_validator
from ssa_risk.profile.proposal_schema import ACTIVITY, MITIGATION_KIND
from ssa_risk.profile.schema import IDENT, LINE, PROSE, enum
from ssa_risk.rules.scoring import RATINGS

if TYPE_CHECKING:
    import jsonschema

# The events a newer snapshot may show that call for reassessment of an approved package;
# approvals.yaml lists those its policy watches, with what to do when one occurs.
TRIGGER_KINDS = {
    "coup": "A coup or coup attempt",
    "emergency": "A new state of emergency",
    "gross_violation": "Credible reports of a gross violation of human rights by an assisted unit",
    "plan_expired": "An action plan that has expired or lapsed",
}
SCHEMA_PATH = SCHEMA_DIR / "approvals.schema.json"


@dataclass(frozen=True)
class Level:
    """What a line of a given residual risk needs."""

    residual: str  # one of RATINGS
    approval: str  # who must approve it
    review_months: int  # months between reviews once it starts
    mandatory: tuple[str, ...]  # mitigation kinds it must carry


@dataclass(frozen=True)
class Trigger:
    id: str  # one of TRIGGER_KINDS
    then: str  # what to do when it occurs


@dataclass(frozen=True)
class Approvals:
    lens: str  # the lens of the rule file whose rules judge proposal lines
    mitigation_steps: int  # severity steps a risk drops when a proposed mitigation answers it
    levels: tuple[Level, ...]  # one per rating, low to critical
    do_not_proceed_at: str  # residual risk at which a line does not proceed
    redesign_unaddressed_at: str  # an unanswered risk this severe or worse calls for redesign
    triggers: tuple[Trigger, ...]
    # A mandatory mitigation kind asked only of lines of these activities (absent: of all).
    mandatory_for: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    waiver_authority: str = ""  # the most junior level that may waive a gate

    def applies(self, kind: str, activity: str) -> bool:
        """Whether a mandatory mitigation of this kind is asked of a line of this activity."""
        return activity in self.mandatory_for.get(kind, (activity,))

    def level(self, residual: str) -> Level:
        return next(level for level in self.levels if level.residual == residual)

    def rank(self, approval: str) -> int | None:
        """How senior an approval level is (0: the most junior); None: not a level."""
        names = [level.approval for level in self.levels]
        return names.index(approval) if approval in names else None


_RATING = enum(
    "A risk level.",
    low="low",
    moderate="moderate",
    high="high",
    critical="critical",
)


def approvals_schema_definition() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ssa-risk.invalid/schemas/approvals.json",
        "title": "SSA Risk approvals table",
        "description": "How proposal lines are judged, approved, reviewed and reassessed.",
        "type": "object",
        "additionalProperties": False,
        "required": ["lens", "levels", "verdicts", "triggers"],
        "properties": {
            "lens": {
                **IDENT,
                "description": "The lens of the rule file whose rules judge proposal lines.",
            },
            "mitigation_steps": {
                "type": "integer",
                "minimum": 0,
                "maximum": 3,
                "description": "Severity steps a risk drops when a proposed mitigation answers "
                "it (default 1).",
            },
            "levels": {
                "type": "array",
                "minItems": 4,
                "maxItems": 4,
                "description": "One entry per residual risk, low to critical.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["residual", "approval", "review_months"],
                    "properties": {
                        "residual": _RATING,
                        "approval": {**LINE, "description": "Who must approve such a line."},
                        "review_months": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 60,
                            "description": "Months between reviews once the line starts.",
                        },
                        "mandatory": {
                            "type": "array",
                            "items": MITIGATION_KIND,
                            "description": "Kinds of mitigation such a line must carry.",
                        },
                    },
                },
            },
            "waiver_authority": {
                **LINE,
                "description": "The most junior approval level that may waive a gate (one of "
                "the levels' approvals; default: the most senior).",
            },
            "mandatory_for": {
                "type": "object",
                "description": "Mandatory mitigation kinds asked only of lines of the listed "
                "activities (a kind not listed here is asked of every line).",
                "propertyNames": {"enum": MITIGATION_KIND["enum"]},
                "additionalProperties": {"type": "array", "minItems": 1, "items": ACTIVITY},
            },
            "verdicts": {
                "type": "object",
                "description": "Where a line's verdict turns to redesign or do not proceed.",
                "additionalProperties": False,
                "required": ["do_not_proceed_at", "redesign_unaddressed_at"],
                "properties": {
                    "do_not_proceed_at": {
                        **_RATING,
                        "description": "Residual risk at which a line does not proceed.",
                    },
                    "redesign_unaddressed_at": {
                        **_RATING,
                        "description": "A risk this severe or worse that no proposed "
                        "mitigation answers calls for the line's redesign.",
                    },
                },
            },
            "triggers": {
                "type": "array",
                "description": "Events that call for reassessment, with what to do.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "then"],
                    "properties": {
                        "id": enum("The event.", **TRIGGER_KINDS),
                        "then": {**PROSE, "description": "What to do when it occurs."},
                    },
                },
            },
        },
    }


def approvals_schema_json() -> str:
    return json.dumps(approvals_schema_definition(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return schema_validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def load_approvals(doc: Document) -> Approvals:
    """Read approvals.yaml, checked against its schema; raise InputError listing every problem."""
    problems = [problem for _, problem in schema_problems(doc, _validator())]
    data: Mapping[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    levels = data.get("levels")
    if isinstance(levels, list) and len(levels) == len(RATINGS):
        for i, (item, rating) in enumerate(zip(levels, RATINGS, strict=True)):
            if isinstance(item, dict) and item.get("residual") != rating:
                problems.append(
                    doc.problem(
                        ("levels", i, "residual"),
                        f"level {i + 1} is for residual risk '{item.get('residual')}', where "
                        f"'{rating}' belongs",
                        "list one level per residual risk in the order low, moderate, high, "
                        "critical",
                    )
                )
        months = [i.get("review_months") for i in levels if isinstance(i, dict)]
        numbers = [m for m in months if isinstance(m, int)]
        if len(numbers) == len(RATINGS) and numbers != sorted(numbers, reverse=True):
            problems.append(
                doc.problem(
                    ("levels",),
                    "review_months must not grow as residual risk rises",
                    "review a riskier line at least as often as a less risky one",
                )
            )
    names = [i.get("approval") for i in data.get("levels") or () if isinstance(i, dict)]
    waiver = data.get("waiver_authority")
    if isinstance(waiver, str) and waiver not in names:
        problems.append(
            doc.problem(
                ("waiver_authority",),
                f"'{waiver}' is not the approval of any level",
                did_you_mean(waiver, names, "name one of the levels' approvals"),
            )
        )
    seen: dict[str, int] = {}
    for i, item in enumerate(data.get("triggers") or ()):
        trigger = item.get("id") if isinstance(item, dict) else None
        if isinstance(trigger, str) and trigger in seen:
            problems.append(
                doc.problem(
                    ("triggers", i, "id"),
                    f"trigger '{trigger}' is listed twice (also entry {seen[trigger] + 1})",
                    "keep one entry per trigger",
                )
            )
        elif isinstance(trigger, str):
            seen[trigger] = i
    if problems:
        raise InputError(problems)
    verdicts = data["verdicts"]
    return Approvals(
        lens=str(data["lens"]),
        mitigation_steps=int(data.get("mitigation_steps", 1)),
        levels=tuple(
            Level(
                str(item["residual"]),
                str(item["approval"]),
                int(item["review_months"]),
                tuple(str(k) for k in item.get("mandatory") or ()),
            )
            for item in data["levels"]
        ),
        do_not_proceed_at=str(verdicts["do_not_proceed_at"]),
        redesign_unaddressed_at=str(verdicts["redesign_unaddressed_at"]),
        triggers=tuple(
            Trigger(str(t["id"]), " ".join(str(t["then"]).split())) for t in data["triggers"]
        ),
        waiver_authority=str(data.get("waiver_authority") or data["levels"][-1]["approval"]),
        mandatory_for={
            str(k): tuple(str(a) for a in v) for k, v in (data.get("mandatory_for") or {}).items()
        },
    )


def missing_approvals(shown: str) -> Problem:
    """The problem of assessing a proposal under a rule set without approvals.yaml."""
    return Problem(
        f"{shown}/approvals.yaml",
        None,
        None,
        "this rule set has no approvals table, which proposals are judged by",
        "add approvals.yaml to the rules folder (see the bundled rules/approvals.yaml)",
    )
