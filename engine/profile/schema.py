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
# The handling marking of a report whose profile gives no `classification`.
DEFAULT_CLASSIFICATION = "UNCLASSIFIED — FOR REVIEW"
FLAG: Node = {"type": "boolean"}
IDENT: Node = {
    "type": "string",
    "pattern": "^[a-z][a-z0-9_-]*$",
    "description": "Short lower-case name: letters, digits, '_' or '-'.",
}
SOURCE_REFS: Node = {"$ref": "#/$defs/source_refs"}


def described(node: Node, description: str) -> Node:
    return {**node, "description": description}


# A field no rule reads by design (a name, a note, prose, an id, a year that only labels):
# `rules test --coverage` does not list it among the fields no rule reads.
DESCRIPTIVE = "x-descriptive"


def descriptive(node: Node, description: str | None = None) -> Node:
    """`node` marked as descriptive only (see DESCRIPTIVE), with a description if given."""
    out = {**node, DESCRIPTIVE: True}
    if description is not None:
        out["description"] = description
    return out


CONFIDENCE = enum(
    "How far the sources support the value.",
    low="a single or weak source, or an estimate",
    moderate="credible sources, some uncertainty",
    high="well documented by several credible sources",
)


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
            "confidence": described(
                CONFIDENCE,
                "How far the sources support the facts in this object as a whole (absent: "
                "not stated).",
            ),
            "field_confidence": {
                "type": "object",
                "description": "Confidence in single fields, where it differs from 'confidence'.",
                "propertyNames": {"enum": fields},
                "additionalProperties": CONFIDENCE,
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
    "neighbour_coups": (("civil_military", "neighbour_coups"), 100),
    "frameworks": (("assistance", "frameworks"), 20),
    "other_donors": (("assistance", "other_donors"), 50),
    "foreign_forces": (("foreign_forces",), 50),
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
    special_forces="elite units (give parent: when they serve under the army or the police)",
    intelligence="an intelligence or internal security service",
    presidency="the head of state's office as a security actor",
    militia="an armed group outside the national chain of command (a militia, a party's or a "
    "region's force)",
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
        "military_rule_years": {
            "type": "integer",
            "minimum": 0,
            "maximum": 300,
            "description": "Years the armed forces have governed since independence.",
        },
        "peaceful_alternations": {
            "type": "integer",
            "minimum": 0,
            "maximum": 100,
            "description": (
                "Peaceful transfers of power to a rival party or leader through elections "
                "since independence."
            ),
        },
        "last_peaceful_alternation": descriptive(
            YEAR, "Year of the latest peaceful transfer of power through elections."
        ),
        "gained_from_democracy": described(
            FLAG, "The military's budget, standing or autonomy grew under democratic rule."
        ),
        "military_economic_role": level(
            "The military's business interests (companies, land, contracts)."
        ),
        "constitutional_privileges": enum(
            "Roles and privileges the constitution reserves to the military (guardian role, "
            "reserved seats, immunity, veto).",
            none="no reserved role or privilege",
            limited="a few, narrow privileges",
            extensive="a guardian role or privileges that shield it from civilian control",
        ),
        "army_grievances": level(
            "Grievances in the ranks: pay, equipment, casualties, blame put on civilians."
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
                        "Result.",
                        succeeded="power changed hands",
                        failed="an attempt was made and failed",
                        foiled="a plot uncovered before it was carried out",
                        alleged="a plot claimed by the government or press, not established",
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
                    "note": descriptive(PROSE),
                },
                ("year", "kind"),
            ),
            "Coups and attempts, with years.",
            "coups",
        ),
        "neighbour_coups": array(
            obj(
                "A coup or coup attempt in a neighbouring state (contagion).",
                {
                    "country": descriptive(LINE, "The neighbouring state."),
                    "year": YEAR,
                    "outcome": enum(
                        "Result.",
                        succeeded="power changed hands",
                        failed="an attempt was made and failed",
                    ),
                },
                ("country", "year"),
            ),
            "Coups and attempts in neighbouring states, with years.",
            "neighbour_coups",
        ),
    },
)

INSTITUTION = obj(
    "A security institution.",
    {
        "id": descriptive(IDENT, "Short name other sections use to refer to it."),
        "name": descriptive(LINE),
        "kind": INSTITUTION_KIND,
        "parent": described(
            IDENT,
            "Id of the institution this unit belongs to, for a sub-unit (the Leahy laws name "
            "units, not whole ministries).",
        ),
        "role": descriptive(PROSE, "What it does, in a sentence."),
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
        "favoured_by_ruler": described(
            FLAG,
            "Better paid, equipped or placed than the regular forces, answering to the ruler "
            "(counterbalancing).",
        ),
        "commanders_trained_by_patron": described(
            FLAG, "Its senior commanders were trained by the assisting state."
        ),
        "factionalism": level("Splits within the force: factions, mutinies, rival commanders."),
        "battlefield_losses": level("Recent losses in combat."),
        "strength_vs_army": enum(
            "For a force outside the national army (a militia, a regional or party force): its "
            "armed strength against the army's.",
            weaker="no match for the army",
            comparable="a match for the army: it could hold its own against it",
            stronger="better armed or more effective than the army",
        ),
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
        "government_origin": enum(
            "How the government in office came to power.",
            elected="formed by credible elections",
            disputed_election="elections widely judged not credible",
            military="a junta or military-led transition",
            unelected="a ruler or party not chosen in competitive elections",
        ),
        "elections_due": described(YEAR, "Year of the next national elections."),
        "term_limit_evasion": described(
            FLAG, "The incumbent extended, removed or evaded term limits (e.g. a third term)."
        ),
        "emergency_scope": enum(
            "Where the emergency powers apply.",
            national="the whole country",
            regional="one or more regions",
            local="a few localities",
        ),
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
        "origin": descriptive(LINE, "Where it comes from, as a label."),
        "level": level("Threat level."),
        "trend": TREND,
        "state_performance": enum(
            "How the security forces fare against this threat.",
            gaining="the forces are gaining ground",
            stalemate="neither side is gaining",
            losing="the forces are losing ground",
        ),
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
    "A joint planning framework for assistance (e.g. a bilateral country action plan).",
    {
        "name": descriptive(LINE),
        "status": enum(
            "Whether it is in force at as_of.",
            active="in force and used",
            lapsed="expired or no longer used",
            planned="agreed or announced, not yet in force",
        ),
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

FOCUS = enum(
    "What it builds.",
    operational="operational capability",
    institutional="institutions and human capital",
    mixed="both",
)

PROGRAMME = obj(
    "One assistance programme over a span of fiscal years.",
    {
        "id": descriptive(IDENT, "Optional short name, so later snapshots can refer to it."),
        "name": descriptive(LINE),
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
        "focus": FOCUS,
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
        "patron": descriptive(LINE, "The patron this profile's programmes come from."),
        "other_donors": array(
            obj(
                "Another country or body providing security assistance.",
                {
                    "name": descriptive(LINE),
                    "annual_usd": described(USD, "Its assistance per year, in U.S. dollars."),
                    "focus": FOCUS,
                },
                ("name",),
            ),
            "Other countries or bodies providing security assistance.",
            "other_donors",
        ),
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
        "frameworks": array(
            FRAMEWORK, "Joint planning frameworks, each with its status.", "frameworks"
        ),
        "resourcing_tied_to_assessment": described(
            FLAG, "Funding decisions follow the results of assessments."
        ),
        "partner_cost_share_pct": described(
            PCT, "Share of programme costs the partner bears (burden sharing)."
        ),
        "partner_ownership": enum(
            "How far the partner owns the programmes.",
            none="designed and run by the patron",
            limited="the partner is consulted",
            shared="designed and run jointly",
            partner_led="the partner leads, the patron supports",
        ),
        "one_voice": described(
            FLAG, "The patron's agencies present one coordinated position to the partner."
        ),
        "transparency_agreement": described(
            FLAG, "The partner gives the patron access to security budgets and end use."
        ),
        "programmes": array(
            PROGRAMME, "Programmes by fiscal years, recipient and amount.", "programmes"
        ),
        "period_totals": array(
            obj(
                "A declared total for a span of fiscal years, checked against the programmes.",
                {
                    "from_fy": descriptive(YEAR),
                    "to_fy": descriptive(YEAR),
                    "total_usd": descriptive(USD, "Checked by validate against the programmes."),
                },
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
        "year": descriptive(YEAR, "Year the scores refer to."),
    },
)

FOREIGN_FORCE = obj(
    "Foreign forces in the country.",
    {
        "country": descriptive(LINE, "The state (or company's home state) they come from."),
        "kind": enum(
            "What they are there for.",
            base="a permanent or long-term base",
            training_mission="a training or advisory mission",
            combat_deployment="forces deployed for combat operations",
            private_military="a private military company",
        ),
        "since": descriptive(YEAR, "Year they arrived."),
    },
    ("country", "kind"),
)

SOURCE = {
    "type": "object",
    "description": "A document the profile's facts come from.",
    "additionalProperties": False,
    "required": ["id", "title"],
    "properties": {
        "id": descriptive(IDENT),
        "title": descriptive(LINE),
        "publisher": descriptive(LINE),
        "date": descriptive(LINE, "Publication date as written, e.g. 2020-07."),
        "kind": descriptive(
            enum(
                "Kind of document.",
                case_study="a case study",
                research_brief="a research brief or report",
                dataset="a dataset or index",
                news="news reporting",
                official="an official document",
                other="other",
            )
        ),
        "pages": descriptive(LINE),
        "url": descriptive(LINE),
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
                DESCRIPTIVE: True,
                "const": SCHEMA_VERSION,
                "description": "Version of this schema the profile is written for.",
            },
            "extends": {
                DESCRIPTIVE: True,
                "type": "string",
                "pattern": "^[^/\\\\]+\\.yaml$",
                "description": (
                    "An earlier snapshot in the same folder whose facts this one inherits; "
                    "fields written here replace the inherited ones."
                ),
            },
            "country": descriptive(LINE, "The partner country's name."),
            "iso3": {
                DESCRIPTIVE: True,
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "description": "ISO 3166-1 alpha-3 country code, e.g. TUN.",
            },
            "as_of": {
                DESCRIPTIVE: True,
                "type": "string",
                "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$",
                "description": "Date the profile describes, YYYY-MM or YYYY-MM-DD.",
            },
            "authors": descriptive({"type": "array", "items": LINE}, "Who wrote this snapshot."),
            "summary": descriptive(PROSE, "A few sentences on the country at this date."),
            "classification": descriptive(
                LINE,
                "Handling marking printed at the top and bottom of the report and on every page "
                f"of its PDF (default: {DEFAULT_CLASSIFICATION}).",
            ),
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
            "foreign_forces": array(
                FOREIGN_FORCE,
                "Foreign forces, bases and contractors in the country.",
                "foreign_forces",
            ),
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
    exported = with_uncertain_forms(profile_schema_definition())
    return json.dumps(exported, indent=2, ensure_ascii=False) + "\n"


# Uncertain values. Any number field may be written as a range ({low: 35, high: 55}, with an
# optional most_likely) and any enumeration field as weighted alternatives ({values: {rising:
# 0.6, stable: 0.4}}). The exported schema offers both forms to editors; the reader resolves
# them (profile/uncertain.py) before it validates, against the schema without them.
UNCERTAIN = "x-uncertain"
_NOT_UNCERTAIN = {"confidence", "schema_version"}


def _uncertain_form(node: Node) -> Node | None:
    """The range or alternatives form a leaf field may take instead of its value."""
    if "enum" in node:
        return {
            "type": "object",
            "description": "Alternative values with weights (positive, adding up to 1).",
            "additionalProperties": False,
            "required": ["values"],
            "properties": {
                "values": {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"enum": node["enum"]},
                    "additionalProperties": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 1,
                    },
                }
            },
        }
    if node.get("type") in ("number", "integer"):
        bound = {k: node[k] for k in ("type", "minimum", "maximum") if k in node}
        return {
            "type": "object",
            "description": "A range: low and high (low at most high), and optionally the "
            "most likely value between them.",
            "additionalProperties": False,
            "required": ["low", "high"],
            "properties": {"low": bound, "high": bound, "most_likely": bound},
        }
    return None


def with_uncertain_forms(node: Any, key: str | None = None) -> Any:
    """`node` with every number and enumeration field also accepting its uncertain form."""
    if isinstance(node, list):
        return [with_uncertain_forms(n) for n in node]
    if not isinstance(node, dict):
        return node
    form = _uncertain_form(node) if key is not None and key not in _NOT_UNCERTAIN else None
    if form is not None:
        return {UNCERTAIN: True, "anyOf": [node, form]}
    out: Node = {}
    for k, v in node.items():
        if k == "properties" and isinstance(v, dict):
            out[k] = {name: with_uncertain_forms(n, name) for name, n in v.items()}
        else:
            out[k] = with_uncertain_forms(v)
    return out


def certain_schema(node: Any) -> Any:
    """The schema without the uncertain forms (undoes with_uncertain_forms)."""
    if isinstance(node, list):
        return [certain_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get(UNCERTAIN) is True:
        return certain_schema(node["anyOf"][0])
    return {k: certain_schema(v) for k, v in node.items()}
