"""The profile schema, written as Python so that its repeated parts are written once.

`make schema` exports it to `engine/schemas/profile.schema.json`, the file editors use to
autocomplete and check profiles; a test keeps the two identical. Enumerations carry a
description per value in `enumDescriptions` (read by editors, ignored by validators).
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_VERSION = 1

Node = dict[str, Any]


def enum(description: str, **values: str) -> Node:
    return {
        "description": description,
        "enum": list(values),
        "enumDescriptions": list(values.values()),
    }


def level(description: str) -> Node:
    return enum(
        description, none="absent", low="low", moderate="moderate", high="high", severe="severe"
    )


TREND = enum(
    "Direction over the last few years.",
    rising="increasing",
    stable="no clear change",
    declining="decreasing",
)
STATUS = enum(
    "State of an institution or reform area.",
    absent="nothing in place",
    weak="exists on paper, little effect",
    partial="working in part",
    effective="working as intended",
)
ROLE = enum(
    "Political weight and its direction.",
    none="no political role",
    marginal="kept away from politics",
    stable="an established role, not changing",
    rising="growing political weight",
    dominant="holds or arbitrates power",
    declining="losing political weight",
)
CENTRE = enum(
    "Where coercive power sits.",
    interior_ministry="the interior ministry and its services",
    armed_forces="the military",
    presidency="the head of state's own forces",
    shared="no single centre",
)
YEAR: Node = {"type": "integer", "minimum": 1800, "maximum": 2100, "description": "A year."}
PCT: Node = {"type": "number", "minimum": 0, "maximum": 100}
# A quadrillion dollars is about ten times world GDP, so a larger amount is a typing mistake;
# every amount up to it (and their sums) stays exact as a floating-point number (below 2**53).
MAX_USD = 10**15
USD: Node = {
    "type": "integer",
    "minimum": 0,
    "maximum": MAX_USD,
    "description": "Amount in U.S. dollars.",
}
# Names, ids, titles and codes go into headings and table cells, where a line break would
# start a new heading or row: they must be one line. Only prose (summaries, notes, roles) may
# span lines. In JSON Schema, as in ECMA-262, `$` is the end of the text.
ONE_LINE_PATTERN = "^[^\n\r\u0085\u2028\u2029]*$"
LINE: Node = {"type": "string", "minLength": 1, "pattern": ONE_LINE_PATTERN}
PROSE: Node = {"type": "string", "minLength": 1}
FLAG: Node = {"type": "boolean"}
IDENT: Node = {
    "type": "string",
    "pattern": "^[a-z][a-z0-9_-]*$",
    "description": "Short lower-case name: letters, digits, '_' or '-'.",
}
SOURCE_REFS: Node = {"$ref": "#/$defs/source_refs"}


def described(node: Node, description: str) -> Node:
    return {**node, "description": description}


def obj(description: str, properties: dict[str, Node], required: tuple[str, ...] = ()) -> Node:
    """An object whose facts can cite sources, as a whole or field by field."""
    fields = sorted(k for k, v in properties.items() if not _nested(v))
    node: Node = {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "properties": {
            **properties,
            "sources": described(SOURCE_REFS, "Sources for the facts in this object."),
            "field_sources": {
                "type": "object",
                "description": "Sources for single fields, where they differ from 'sources'.",
                "propertyNames": {"enum": fields},
                "additionalProperties": SOURCE_REFS,
            },
        },
    }
    if required:
        node["required"] = list(required)
    return node


def _nested(node: Node) -> bool:
    items = node.get("items")
    return node.get("type") == "object" or (
        isinstance(items, dict) and items.get("type") == "object"
    )


# The most entries a profile may hold in each list, so that an assessment's time and memory
# stay bounded (measured in benchmarks/bench_profile_size.py; figures in the README). Real
# profiles hold a few dozen at most. Name → (YAML path of the list, limit).
LIST_LIMITS: dict[str, tuple[tuple[str, ...], int]] = {
    "sources": (("sources",), 500),
    "coups": (("civil_military", "coups"), 100),
    "institutions": (("institutions",), 100),
    "rivalries": (("rivalries",), 20),
    "reform_areas": (("reform", "areas"), 50),
    "threats": (("threats",), 50),
    "abuses": (("human_rights", "abuses"), 500),
    "programmes": (("assistance", "programmes"), 1000),
    "period_totals": (("assistance", "period_totals"), 100),
}


def array(item: Node, description: str, limit: str | None = None) -> Node:
    node: Node = {"type": "array", "description": description, "items": item}
    if limit is not None:
        node["maxItems"] = LIST_LIMITS[limit][1]
    return node


INSTITUTION_KIND = enum(
    "What kind of security institution.",
    armed_forces="the military under the defence ministry",
    interior_forces="police, gendarmerie or national guard under the interior ministry",
    presidential_guard="a guard or force answering to the head of state",
    special_forces="elite units with their own chain of command",
    intelligence="an intelligence or internal security service",
    presidency="the head of state's office as a security actor",
    militia="an armed group outside the formal chain of command",
)

CIVIL_MILITARY = obj(
    "How the military was born, where coercive power sat, coups, and the military's role.",
    {
        "military_origin": enum(
            "How the armed forces came into being.",
            liberation_struggle="won independence or founded the state",
            post_independence="created by the state after independence",
            colonial_successor="inherited from the colonial army",
            revolutionary="born of a revolution or civil war",
        ),
        "historical_coercive_centre": CENTRE,
        "current_coercive_centre": CENTRE,
        "military_political_role": ROLE,
        "military_held_power": described(FLAG, "Has the military ever governed?"),
        "returned_to_civilian_oversight": described(
            YEAR, "Year the military returned to civilian oversight after a political role."
        ),
        "support_for_military_rule_pct": described(
            PCT, "Share of the public that supports military rule (survey)."
        ),
        "coups": array(
            obj(
                "A coup or coup attempt.",
                {
                    "year": YEAR,
                    "kind": enum(
                        "What kind of seizure.",
                        military="the armed forces took power",
                        palace="an insider removed the head of state",
                        attempt="a failed or foiled attempt",
                        self_coup="the incumbent suspended the constitutional order",
                    ),
                    "outcome": enum(
                        "Result.", succeeded="power changed hands", failed="the attempt failed"
                    ),
                    "military_role": enum(
                        "The military's part in it.",
                        decisive="decided the outcome",
                        supporting="took part",
                        none="no part",
                    ),
                    "elected_government_deposed": FLAG,
                    "elected_government_since": described(
                        YEAR,
                        "Year a democratically elected government took office after the coup "
                        "(when coup restrictions on assistance to the government lift).",
                    ),
                    "note": PROSE,
                },
                ("year", "kind"),
            ),
            "Coups and attempts, with years.",
            "coups",
        ),
    },
)

INSTITUTION = obj(
    "A security institution.",
    {
        "id": described(IDENT, "Short name other sections use to refer to it."),
        "name": LINE,
        "kind": INSTITUTION_KIND,
        "role": described(PROSE, "What it does, in a sentence."),
        "budget_trend": TREND,
        "public_trust": level("Public trust in the institution."),
        "oversight": STATUS,
        "political_role": ROLE,
        "human_rights_record": enum(
            "Its record on human rights.",
            good="no credible reports of abuse",
            mixed="isolated credible reports",
            poor="repeated credible reports",
            very_poor="systematic abuse",
        ),
        "receives_assistance": described(FLAG, "Does it receive foreign security assistance?"),
        "new_force_since": described(YEAR, "Year it was created, if recently."),
    },
    ("id", "name", "kind"),
)

RIVALRY = obj(
    "Two institutions that compete for resources, prestige or control.",
    {
        "between": {
            "type": "array",
            "items": IDENT,
            "minItems": 2,
            "maxItems": 2,
            "description": "The two institution ids.",
        },
        "intensity": level("How intense the competition is."),
        "assistance_is_currency": described(
            FLAG, "Access to foreign assistance is part of what they compete over."
        ),
    },
    ("between", "intensity"),
)

REFORM = obj(
    "Security sector reform overall and by area.",
    {
        "status": enum(
            "Security sector reform overall.",
            absent="not attempted",
            deadlocked="blocked by political conflict",
            stalled="started, no longer advancing",
            progressing="advancing",
            consolidated="largely achieved",
        ),
        "trend": TREND,
        "areas": array(
            obj(
                "One reform area.",
                {
                    "area": enum(
                        "Reform area.",
                        legislative_oversight="parliament's oversight of the security sector",
                        transparency="openness of budgets and structures",
                        accountability_and_justice="accountability for abuses",
                        corruption="freedom from corruption",
                        civilian_control="civilian control of the security forces",
                    ),
                    "status": STATUS,
                    "trend": TREND,
                },
                ("area", "status"),
            ),
            "Reform areas, each with its status and trend.",
            "reform_areas",
        ),
    },
)

POLITICAL_CONTEXT = obj(
    "The political setting assistance lands in.",
    {
        "transition_phase": enum(
            "Where the country stands politically.",
            authoritarian="closed regime",
            early_transition="first years after a regime change",
            consolidation="building democratic institutions",
            consolidated="stable democracy",
            backsliding="reversing democratic gains",
        ),
        "polarisation": level("Political polarisation."),
        "executive_centralisation": described(
            TREND, "Is control of the security sector being drawn into the executive?"
        ),
        "constitutional_checks": enum(
            "Checks on the executive.",
            strong="effective",
            weakening="being eroded",
            weak="ineffective",
        ),
        "emergency_powers_in_force": FLAG,
        "emergency_powers_since": YEAR,
        "counter_terrorism_law_year": YEAR,
        "satisfaction_with_democracy": level("Public satisfaction with democracy."),
    },
)

THREAT = obj(
    "A security threat.",
    {
        "kind": enum(
            "Kind of threat.",
            terrorism="terrorist attacks",
            insurgency="armed insurgency",
            spillover="conflict spilling over from a neighbour",
            organised_crime="organised crime and trafficking",
            foreign_fighters="citizens fighting abroad and returning",
        ),
        "origin": LINE,
        "level": level("Threat level."),
        "trend": TREND,
        "public_priority_pct": described(
            PCT, "Share of the public naming it the country's top problem (survey)."
        ),
    },
    ("kind", "level"),
)

HUMAN_RIGHTS = obj(
    "Documented abuses by unit, and vetting.",
    {
        "vetting": enum(
            "Human-rights vetting of recipient units.",
            none="no vetting",
            partial="some units vetted",
            systematic="all recipients vetted",
        ),
        "abuses": array(
            obj(
                "Credible reports of abuse by one institution.",
                {
                    "unit": described(IDENT, "Institution id (see institutions)."),
                    "kind": enum(
                        "Kind of abuse.",
                        torture="torture or ill-treatment",
                        extrajudicial_killing="unlawful killings",
                        enforced_disappearance=(
                            "causing the disappearance of persons by abduction and clandestine "
                            "detention"
                        ),
                        rape="rape or other sexual violence by members of the force",
                        prolonged_detention="prolonged detention without charges and trial",
                        arbitrary_targeting="arbitrary arrest or targeting",
                        abuses_in_operations="abuses during security operations",
                        repression_of_dissent="repression of protest or dissent",
                    ),
                    "since": YEAR,
                    "under_emergency_powers": FLAG,
                    "credible": described(FLAG, "Credible information of gross violations."),
                    "remediated": described(
                        FLAG, "Effective steps taken to bring those responsible to justice."
                    ),
                },
                ("unit", "kind"),
            ),
            "Documented abuses, one entry per institution and kind.",
            "abuses",
        ),
    },
)

FRAMEWORK = obj(
    "The joint planning framework for assistance (e.g. a bilateral country action plan).",
    {
        "name": LINE,
        "signed": YEAR,
        "duration_years": {"type": "integer", "minimum": 1, "maximum": 100},
        "joint_objectives": FLAG,
        "sequenced_benchmarks": FLAG,
        "assessment_line_of_effort": FLAG,
        "political_buy_in": enum(
            "Whose political leadership backs it.",
            none="neither side",
            patron_only="the patron only",
            partner_only="the partner only",
            both_sides="both sides",
        ),
    },
    ("name", "signed"),
)

PROGRAMME = obj(
    "One assistance programme over a span of fiscal years.",
    {
        "id": described(IDENT, "Optional short name, so later snapshots can refer to it."),
        "name": LINE,
        "code": LINE,
        "kind": enum(
            "Kind of programme.",
            financing_grant="grants to buy equipment and services (e.g. FMF)",
            sale="purchases by the partner (e.g. FMS)",
            train_and_equip="training and equipment for operations",
            education_and_training="officer education and exchanges",
            law_enforcement="police and justice assistance",
            counter_terrorism="counter-terrorism assistance",
            peacekeeping="training and equipment for peace operations (e.g. GPOI, EIPC)",
            maritime_security="coast guard, navy and port security assistance",
            counter_narcotics="counter-drug assistance",
            equipment="equipment transfers",
            institution_building="defence institution building",
            other="other",
        ),
        "focus": enum(
            "What it builds.",
            operational="operational capability",
            institutional="institutions and human capital",
            mixed="both",
        ),
        "recipient": described(IDENT, "Institution id (see institutions)."),
        "from_fy": YEAR,
        "to_fy": YEAR,
        "by_year": array(USD, "Amounts per fiscal year, from from_fy to to_fy."),
        "total_usd": USD,
    },
    ("name", "kind", "from_fy", "to_fy"),
)

ASSISTANCE = obj(
    "The assistance the country receives and how it is planned.",
    {
        "patron": described(LINE, "The patron this profile's programmes come from."),
        "other_donors": {
            "type": "array",
            "items": LINE,
            "description": "Other countries or bodies providing security assistance.",
        },
        "relationship_status": enum(
            "Stage of the partnership.",
            new="just beginning",
            fresh_start="reset after a break or transition",
            established="long-standing",
            entitlement="seen by the partner as owed",
        ),
        "major_non_nato_ally_since": YEAR,
        "portfolio_focus": enum(
            "Balance of the portfolio.",
            operational="mostly operational capability",
            mixed="balanced",
            institutional="mostly institution and human-capital building",
        ),
        "donor_coordination": enum(
            "Coordination among donors.",
            none="each donor acts alone",
            weak="occasional deconfliction",
            coordinated="a working coordination mechanism",
        ),
        "shopping_list_behaviour": described(
            FLAG,
            "The partner picks capabilities from competing donors without a needs assessment.",
        ),
        "absorptive_capacity": level("Capacity to absorb and sustain what is delivered."),
        "fms_usd": described(USD, "Foreign Military Sales: what the partner buys (a period)."),
        "fmf_usd": described(USD, "Foreign Military Financing: grants received (same period)."),
        "framework": FRAMEWORK,
        "programmes": array(
            PROGRAMME, "Programmes by fiscal years, recipient and amount.", "programmes"
        ),
        "period_totals": array(
            obj(
                "A declared total for a span of fiscal years, checked against the programmes.",
                {"from_fy": YEAR, "to_fy": YEAR, "total_usd": USD},
                ("from_fy", "to_fy", "total_usd"),
            ),
            "Totals as published, checked against the sum of the programmes.",
            "period_totals",
        ),
    },
)

INDICATORS = obj(
    "External scores, each as published for the year nearest to as_of.",
    {
        "vdem_military_dimension": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "V-Dem military dimension index (0 low to 1 high military role).",
        },
        "vdem_physical_violence": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "V-Dem physical violence index (0 worst to 1 best).",
        },
        "fsi_security_apparatus": {
            "type": "number",
            "minimum": 0,
            "maximum": 10,
            "description": "Fragile States Index C1 security apparatus (0 best to 10 worst).",
        },
        "fsi_factionalised_elites": {
            "type": "number",
            "minimum": 0,
            "maximum": 10,
            "description": "Fragile States Index C2 factionalised elites (0 best to 10 worst).",
        },
        "fsi_human_rights": {
            "type": "number",
            "minimum": 0,
            "maximum": 10,
            "description": "Fragile States Index P3 human rights (0 best to 10 worst).",
        },
        "political_terror_scale": {
            "type": "integer",
            "minimum": 1,
            "maximum": 5,
            "description": "Political Terror Scale (1 best to 5 worst).",
        },
        "freedom_house_status": enum(
            "Freedom House status.", free="Free", partly_free="Partly Free", not_free="Not Free"
        ),
        "global_terrorism_index": {
            "type": "number",
            "minimum": 0,
            "maximum": 10,
            "description": "Global Terrorism Index score (0 no impact to 10 highest).",
        },
        "year": described(YEAR, "Year the scores refer to."),
    },
)

SOURCE = {
    "type": "object",
    "description": "A document the profile's facts come from.",
    "additionalProperties": False,
    "required": ["id", "title"],
    "properties": {
        "id": IDENT,
        "title": LINE,
        "publisher": LINE,
        "date": described(LINE, "Publication date as written, e.g. 2020-07."),
        "kind": enum(
            "Kind of document.",
            case_study="a case study",
            research_brief="a research brief or report",
            dataset="a dataset or index",
            news="news reporting",
            official="an official document",
            other="other",
        ),
        "pages": LINE,
        "url": LINE,
    },
}


def profile_schema_definition() -> Node:
    """The whole profile schema as a dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://ssa-risk.invalid/schemas/profile-{SCHEMA_VERSION}.json",
        "title": "SSA Risk country profile",
        "description": (
            "One partner country at one date: the facts a political-risk assessment of "
            "security assistance rests on."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["schema_version", "country", "iso3", "as_of", "sources"],
        "properties": {
            "schema_version": {
                "const": SCHEMA_VERSION,
                "description": "Version of this schema the profile is written for.",
            },
            "extends": {
                "type": "string",
                "pattern": "^[^/\\\\]+\\.yaml$",
                "description": (
                    "An earlier snapshot in the same folder whose facts this one inherits; "
                    "fields written here replace the inherited ones."
                ),
            },
            "country": LINE,
            "iso3": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "description": "ISO 3166-1 alpha-3 country code, e.g. TUN.",
            },
            "as_of": {
                "type": "string",
                "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$",
                "description": "Date the profile describes, YYYY-MM or YYYY-MM-DD.",
            },
            "authors": {"type": "array", "items": LINE},
            "summary": described(PROSE, "A few sentences on the country at this date."),
            "sources": {
                "type": "array",
                "minItems": 1,
                "maxItems": LIST_LIMITS["sources"][1],
                "items": SOURCE,
            },
            "civil_military": CIVIL_MILITARY,
            "institutions": array(
                INSTITUTION, "The country's security institutions.", "institutions"
            ),
            "rivalries": array(RIVALRY, "Rivalries between institutions.", "rivalries"),
            "reform": REFORM,
            "political_context": POLITICAL_CONTEXT,
            "threats": array(THREAT, "Threats: level and trend.", "threats"),
            "human_rights": HUMAN_RIGHTS,
            "assistance": ASSISTANCE,
            "indicators": INDICATORS,
        },
        "$defs": {
            "source_refs": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Ids from the profile's sources list.",
            }
        },
    }


def profile_schema_json() -> str:
    """The schema as the JSON text stored in the repository."""
    return json.dumps(profile_schema_definition(), indent=2, ensure_ascii=False) + "\n"
