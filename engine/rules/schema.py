"""The schemas of rule files and of scoring.yaml, written as Python like the profile schema.

`make schema` exports them to `engine/schemas/rules.schema.json` and `scoring.schema.json`,
the files editors use to autocomplete and check rule files; a test keeps each identical to
its definition here. A schema holds the shape of a file: its keys, their types and allowed
values. What depends on other conditions, other files or the profile (names bound with `as:`,
joins, signals, the fields of each fact kind, the engine's limits, narratives) is checked in
parser.py and loader.py.
"""

from __future__ import annotations

import json

from ssa_risk.profile.facts import FACT_KINDS, field_schemas
from ssa_risk.profile.schema import ONE_LINE_PATTERN, Node, described, enum
from ssa_risk.rules.model import EFFECTS, RECOMMEND_BY, RECOMMEND_STANCES, SEVERITIES
from ssa_risk.rules.operators import REGISTRY
from ssa_risk.rules.scoring import RATINGS

# Rule ids appear in reports, messages and the engine's own rule names (where `$start` and
# `$sentinel` are internal rules): short, upper-case, like CMR-04 or PLAN-M1.
RULE_ID_PATTERN = "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
MAX_RULE_ID = 32
# Names bound with `as:` become engine binding names and template variables; names starting
# with `_` are the engine's own.
NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_]*$"
LENS_ID_PATTERN = "^[a-z][a-z0-9_]*$"
NAME: Node = {"$ref": "#/$defs/name"}
# Text that holds something besides spaces; line breaks are folded into spaces when read.
TEXT: Node = {"type": "string", "pattern": "\\S"}
MAX_EXAMPLE_NAME = 60

_SEVERITY_HELP = {
    "low": "worth noting; no change to the assistance needed",
    "moderate": "calls for safeguards",
    "high": "calls for conditions on the assistance",
    "critical": "on its own puts the lens at the top of the scale",
}
_EFFECT_HELP = {
    "risk": "a finding that raises its lens's score by its severity's points (the default)",
    "mitigation": "a measure in the assistance's design that lowers its lens's residual score",
    "protective": (
        "a condition in the country that lowers its lens's score (civilian oversight "
        "restored, peaceful alternations of power); severity is its strength"
    ),
    "gate": "a hard bar on assistance, to the country or to one unit (see 'scope')",
}


# One action: plain text (counted as by: agency, stance: condition, and warned about by
# `rules lint`), or a mapping that says who acts and what kind of action it is. `pattern`
# applies to text only, `properties` and `required` to mappings only.
RECOMMENDATION: Node = {
    "type": ["string", "object"],
    "description": "One action: 'do:' (the text), 'by:' (who acts) and 'stance:' (what kind "
    "of action). Plain text counts as by: agency, stance: condition.",
    "pattern": "\\S",
    "additionalProperties": False,
    "required": ["do", "by", "stance"],
    "properties": {
        "do": described(TEXT, "The action, in a sentence."),
        "by": enum("Who must act.", **RECOMMEND_BY),
        "stance": enum("What kind of action it is.", **RECOMMEND_STANCES),
    },
}


def _fact_kinds() -> Node:
    """Every fact kind a condition may match, described by where its facts come from."""
    where = {kind: path for path, kind in FACT_KINDS.items()}
    help_ = {}
    for kind in field_schemas():
        path = where.get(kind)
        if kind == "line":
            help_[kind] = "each line of a proposal (rules of the proposal-line lens only)"
        elif path is None:
            help_[kind] = "a signal, as 'signal: NAME' tests it"
        elif not path:
            help_[kind] = "the profile as a whole (country, as_of)"
        elif path[-1] == "*":
            help_[kind] = f"each entry of {'.'.join(path[:-1])}"
        else:
            help_[kind] = f"the {'.'.join(path)} section"
    return enum("Kind of fact the condition matches.", **help_)


def _where() -> Node:
    test: Node = {
        "description": (
            "The field's value (the field must equal it), or tests by operator, e.g. "
            "{gte: 40} or {in: [rising, dominant]}; {eq: {ref: name.field}} compares with a "
            "field of a fact bound earlier with 'as:'."
        ),
        "properties": {
            op.name: {"description": op.help or f"the '{op.name}' test"} for op in REGISTRY.values()
        },
        "propertyNames": {"title": "operator", "enum": list(REGISTRY)},
    }
    return {
        "type": "object",
        "description": (
            "Field name → test; every test must hold. A fact has the fields of its profile "
            "section (the profile schema) and the derived fields listed in the README."
        ),
        "additionalProperties": test,
    }


def _condition(binds: bool) -> Node:
    properties: Node = {
        "fact": _fact_kinds(),
        "signal": described(
            NAME,
            "A signal another rule concludes (its 'conclude:'): holds when that rule fired.",
        ),
    }
    if binds:
        properties["as"] = described(
            NAME,
            "Name for the matched fact, used in joins ({ref: name.field}), 'subject:' and "
            "'because'.",
        )
    properties["where"] = described(
        {"$ref": "#/$defs/where"}, "Tests on the fact's fields: field name → value or tests."
    )
    return {
        "type": "object",
        "description": (
            "A fact of one kind whose fields pass every test under 'where', or a signal."
            if binds
            else "A fact or signal that must be absent. It binds no name."
        ),
        "additionalProperties": False,
        "properties": properties,
        "anyOf": [{"required": ["fact"]}, {"required": ["signal"]}],
        # `required` holds for anything but a mapping; `type` keeps `not` to mappings.
        "allOf": [
            {"not": {"type": "object", "required": ["fact", "signal"]}},
            {"not": {"type": "object", "required": ["signal", "where"]}},
        ],
    }


def _conditions(binds: bool, description: str) -> Node:
    return {
        "type": "array",
        "minItems": 1,
        "description": description,
        "items": {"$ref": "#/$defs/condition" if binds else "#/$defs/absent_condition"},
    }


WHEN: Node = {
    "type": "object",
    "description": "When the rule holds: 'all' and 'any' say what must be there, 'none' what "
    "must not.",
    "additionalProperties": False,
    "properties": {
        "all": _conditions(True, "Conditions that must all hold."),
        "any": _conditions(
            True, "Conditions of which at least one must hold (each is tried on its own)."
        ),
        "none": _conditions(False, "Conditions none of which may hold."),
    },
    "anyOf": [{"required": ["all"]}, {"required": ["any"]}],
}

CITATION: Node = {
    "type": "object",
    "description": "A work the rule rests on.",
    "additionalProperties": False,
    "required": ["ref"],
    "properties": {
        "ref": described({"type": "string"}, "A key of references.yaml."),
        "at": {
            "type": ["string", "integer"],
            "description": "Where in the work: a section, a page.",
        },
    },
}

EXAMPLE: Node = {
    "type": "object",
    "description": "A small profile on which the rule must fire, or stay silent "
    "(run by `ssa-risk rules test` and the test suite).",
    "additionalProperties": False,
    "required": ["expect", "profile"],
    "properties": {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_EXAMPLE_NAME,
            "pattern": ONE_LINE_PATTERN,
            "description": "Short name shown with the example's test results.",
        },
        "expect": enum(
            "What the rule must do on this profile.",
            fires="the rule fires",
            silent="the rule stays silent",
        ),
        "profile": {
            "type": "object",
            "description": "Profile sections the example needs; they are laid over a minimal "
            "valid profile and checked against the profile schema when the example runs.",
        },
        "lines": {
            "type": "array",
            "description": "Proposal lines the example needs (rules of the proposal-line lens): "
            "each checked against the proposal schema when the example runs; recipients are "
            "institutions of the example's profile.",
            "items": {"type": "object"},
        },
        "note": described(TEXT, "Why the example fires or stays silent, for readers."),
    },
}

RULE: Node = {
    "type": "object",
    "description": "One rule: when its conditions hold, it reports a finding, concludes a "
    "signal for other rules, or both.",
    "additionalProperties": False,
    "required": ["id", "title", "when", "cite"],
    "properties": {
        "id": {
            "type": "string",
            "pattern": RULE_ID_PATTERN,
            "maxLength": MAX_RULE_ID,
            "description": "Unique id, upper-case letters and digits in parts joined by "
            "hyphens, e.g. CMR-04.",
        },
        "title": described(TEXT, "What the rule finds, in a line."),
        "severity": enum(
            "How serious a finding is. A rule without severity reports nothing: it only "
            "concludes a signal.",
            **{s: _SEVERITY_HELP[s] for s in SEVERITIES},
        ),
        "effect": enum(
            "What a finding does to the rating.", **{e: _EFFECT_HELP[e] for e in EFFECTS}
        ),
        "scope": enum(
            "For gates: what the bar covers.",
            country="all assistance to the country (the default)",
            unit="assistance to one unit, named by 'subject:'",
        ),
        "when": WHEN,
        "conclude": described(
            NAME,
            "A signal this rule concludes when it fires, for other rules to test.",
        ),
        "subject": described(
            NAME,
            "The name (bound with 'as:') of the fact the finding is about, e.g. the unit a "
            "unit gate bars.",
        ),
        "because": described(
            TEXT,
            "Why it matters, for the report. May use {{ name.field }} of names bound with "
            "'as:', {{ country }} and {{ as_of }}.",
        ),
        "recommend": {
            "type": "array",
            "description": "What to do about it; a risk with a severity needs at least one.",
            "items": RECOMMENDATION,
        },
        "cite": {
            "type": "array",
            "minItems": 1,
            "description": "The works the rule rests on.",
            "items": CITATION,
        },
        "examples": {
            "type": "array",
            "description": "Profiles on which the rule must fire or stay silent.",
            "items": EXAMPLE,
        },
    },
}


def rules_schema_definition() -> Node:
    """The schema of one rule file (a lens and its rules) as a dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ssa-risk.invalid/schemas/rules.json",
        "title": "SSA Risk rule file",
        "description": "One lens of the assessment: the question it asks and the rules that "
        "answer it.",
        "type": "object",
        "additionalProperties": False,
        "required": ["lens", "rules"],
        "properties": {
            "lens": {
                "type": "object",
                "description": "The lens the rules of this file belong to.",
                "additionalProperties": False,
                "required": ["id", "title", "question"],
                "properties": {
                    "id": {
                        "type": "string",
                        "pattern": LENS_ID_PATTERN,
                        "description": "Lens id, as listed in scoring.yaml: lower-case "
                        "letters, digits and '_'.",
                    },
                    "title": described(TEXT, "Heading of the lens in reports."),
                    "question": described(TEXT, "The question the lens answers."),
                },
            },
            "rules": {
                "type": "array",
                "minItems": 1,
                "description": "The lens's rules.",
                "items": RULE,
            },
        },
        "$defs": {
            "name": {
                "type": "string",
                "pattern": NAME_PATTERN,
                "description": "One word: letters, digits and '_', starting with a letter.",
            },
            "condition": _condition(True),
            "absent_condition": _condition(False),
            "where": _where(),
        },
    }


COUNT: Node = {"type": "integer", "minimum": 0}


def _rating(description: str) -> Node:
    return {"description": description, "enum": list(RATINGS)}


def _share(description: str) -> Node:
    return {"type": "number", "minimum": 0, "maximum": 1, "description": description}


SCORE: Node = {"type": "number", "minimum": 0, "maximum": 100}
POINTS: Node = {"type": "number", "minimum": 0, "maximum": 100}


def scoring_schema_definition() -> Node:
    """The schema of scoring.yaml as a dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ssa-risk.invalid/schemas/scoring.json",
        "title": "SSA Risk scoring table",
        "description": "How findings become lens scores, bands and an overall rating.",
        "type": "object",
        "additionalProperties": False,
        "required": ["lenses", "points", "lens_bands", "insufficient_evidence", "overall"],
        "properties": {
            "lenses": {
                "type": "array",
                "minItems": 1,
                "description": "Every lens, in report order; each needs a rule file.",
                "items": {
                    "type": "object",
                    "description": "A lens, its weight in the overall score and the evidence "
                    "it needs.",
                    "additionalProperties": False,
                    "required": ["id", "requires"],
                    "properties": {
                        "id": {
                            "type": "string",
                            "pattern": LENS_ID_PATTERN,
                            "description": "A lens id (the 'lens: id:' of a rule file).",
                        },
                        "weight": {
                            "type": "number",
                            "minimum": 0,
                            "maximum": 100,
                            "description": "Weight in the overall score (default 1; 0 for a "
                            "context lens).",
                        },
                        "context": {
                            "type": "boolean",
                            "description": "Shown as context for the other lenses, never "
                            "averaged into the overall score (e.g. the threat).",
                        },
                        "requires": {
                            "type": "array",
                            "minItems": 1,
                            "description": "Evidence the lens needs, every entry written in the "
                            "profile, or the lens is 'not assessed'. An entry is a fact kind "
                            "('reform'), a field ('political_context.transition_phase') or a "
                            "value ('programme.kind=sale'); 'a or b' accepts either.",
                            "items": {
                                "type": "string",
                                "pattern": "^[a-z][a-z0-9_. =-]*$",
                                "description": "A fact kind, kind.field or kind.field=value; "
                                "alternatives joined by ' or '.",
                            },
                        },
                    },
                },
            },
            "points": {
                "type": "object",
                "description": "Points a finding of each severity adds to its lens score.",
                "additionalProperties": False,
                "required": list(RATINGS),
                "properties": {
                    r: described(POINTS, f"Points of a {r} finding (0-100).") for r in RATINGS
                },
            },
            "lens_score": {
                "type": "object",
                "description": "How a lens score is built from its findings' points.",
                "additionalProperties": False,
                "properties": {
                    "further_findings": _share(
                        "Share of each risk finding's points added after the heaviest, "
                        "which counts in full (default 0.35)."
                    ),
                    "protective": _share(
                        "Share of protective findings' points subtracted (default 1)."
                    ),
                    "mitigation": _share("Share of mitigations' points subtracted (default 1)."),
                },
            },
            "lens_bands": {
                "type": "object",
                "description": "The score at which each band starts (low starts at 0).",
                "additionalProperties": False,
                "required": list(RATINGS[1:]),
                "properties": {
                    r: described(SCORE, f"The score at which a lens is rated {r}.")
                    for r in RATINGS[1:]
                },
            },
            "evidence": {
                "type": "object",
                "description": "How the age and confidence of evidence weigh.",
                "additionalProperties": False,
                "properties": {
                    "stale_after_years": described(
                        COUNT,
                        "Years before as_of after which a stated fact is stale (default 5).",
                    ),
                    "stale_weight": _share(
                        "What a finding resting on stale facts counts for (default 0.5)."
                    ),
                    "low_confidence_weight": _share(
                        "What a finding resting on low-confidence values counts for (default 0.6)."
                    ),
                    "portfolio_gap_years": described(
                        COUNT,
                        "Flag a portfolio whose last programme ends more than this many "
                        "fiscal years before as_of (default 3).",
                    ),
                },
            },
            "insufficient_evidence": {
                "type": "object",
                "description": "The overall result when too few lenses can be assessed.",
                "additionalProperties": False,
                "required": ["minimum_assessed_lenses", "rating"],
                "properties": {
                    "minimum_assessed_lenses": described(
                        COUNT, "Fewest weighted lenses that must be assessed for a rating."
                    ),
                    "rating": described(TEXT, "The overall result, as reports show it."),
                    "explanation": described(TEXT, "Why, for the report."),
                },
            },
            "confidence": {
                "type": "object",
                "description": "When an assessment earns high or moderate confidence; "
                "otherwise it is low (default: high with no lens not assessed and at most 0.1 "
                "of findings stale; moderate with at most 2 and 0.5).",
                "additionalProperties": False,
                "properties": {
                    level: {
                        "type": "object",
                        "description": f"What {level} confidence allows.",
                        "additionalProperties": False,
                        "properties": {
                            "not_assessed_at_most": described(
                                COUNT, "Most weighted lenses that may be not assessed."
                            ),
                            "stale_share_at_most": _share(
                                "Largest share of findings that may rest on stale facts."
                            ),
                        },
                    }
                    for level in ("high", "moderate")
                },
            },
            "overall": {
                "type": "array",
                "minItems": 1,
                "description": "Overall rating bands, most severe first: the first whose "
                "'when' holds applies; the last must have 'when: {}'.",
                "items": {
                    "type": "object",
                    "description": "An overall rating and when it applies.",
                    "additionalProperties": False,
                    "required": ["rating"],
                    "properties": {
                        "rating": described(TEXT, "The overall rating, as reports show it."),
                        "when": {
                            "type": "object",
                            "description": "What must hold for this band; {} matches "
                            "every assessment.",
                            "additionalProperties": False,
                            "properties": {
                                "gates_at_least": described(
                                    COUNT, "At least this many country-wide gates fired."
                                ),
                                "score_at_least": described(
                                    SCORE, "The overall score is at least this."
                                ),
                                "lenses_at_least": _rating(
                                    "At least 'count_at_least' lenses are rated this or worse."
                                ),
                                "count_at_least": described(
                                    COUNT, "How many lenses 'lenses_at_least' needs (default 1)."
                                ),
                            },
                        },
                        "explanation": described(TEXT, "Why this rating, for the report."),
                    },
                },
            },
        },
    }


def _json(node: Node) -> str:
    return json.dumps(node, indent=2, ensure_ascii=False) + "\n"


def rules_schema_json() -> str:
    """The rule-file schema as the JSON text stored in the repository."""
    return _json(rules_schema_definition())


def scoring_schema_json() -> str:
    """The scoring.yaml schema as the JSON text stored in the repository."""
    return _json(scoring_schema_definition())
