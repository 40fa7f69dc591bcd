"""The schemas of proposal files and decision files, written as Python like the profile's.

A proposal is a package of assistance for one country: lines, each an activity for one
recipient unit of the country profile it names, for an amount over fiscal years, with its
objectives, benchmarks and the mitigations proposed against the risks it runs. A decision file
records the risks an approving authority accepted and the gates it waived, each until a date.
`make schema` exports both to `engine/schemas/`; a test keeps them identical.
"""

from __future__ import annotations

import json
from typing import Any

from ssa_risk.profile.schema import (
    DESCRIPTIVE,
    IDENT,
    LINE,
    PROSE,
    USD,
    YEAR,
    Node,
    described,
    descriptive,
    enum,
)

PROPOSAL_VERSION = 1
DECISION_VERSION = 1
DATE: Node = {
    "type": "string",
    "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$",
    "description": "A date, YYYY-MM or YYYY-MM-DD.",
}
RULE_ID: Node = {
    "type": "string",
    "pattern": "^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$",
    "description": "A rule id, as `ssa-risk rules list` shows it (letters, digits and "
    "hyphens, e.g. HR-01).",
}
MAX_LINES = 50
MAX_ITEMS = 30

ACTIVITY = enum(
    "What the line provides.",
    training="training or education of the recipient's personnel",
    equipment="equipment transfers (say which in 'equipment')",
    advisory="advisers embedded with or mentoring the recipient",
    financing="money for the recipient's own purchases or running costs",
    institution_building="building ministries and their management: planning, budgeting, "
    "oversight, personnel",
)
EQUIPMENT = enum(
    "What equipment a line provides (lethal: weapons_and_munitions and armed_platforms).",
    weapons_and_munitions="small arms, heavy weapons and their ammunition",
    armed_platforms="armed aircraft, vessels or vehicles",
    vehicles="unarmed vehicles, aircraft and boats",
    surveillance="sensors, radar, cameras and border surveillance systems",
    communications="radios, networks and command systems",
    protective="body armour, helmets, medical and other protective equipment",
    crowd_control="riot-control and crowd-control equipment",
)
LETHAL_EQUIPMENT = ("weapons_and_munitions", "armed_platforms")
TRAINING = enum(
    "Whom and what a training line trains.",
    officer="officer education: staff and war colleges, leadership, exchanges",
    tactical="tactical and special-operations training of units",
    basic="basic and enlisted training",
    human_rights="human rights, the law of armed conflict and civil-military relations",
    technical="maintenance, logistics and other technical skills",
)
MITIGATION_KIND = enum(
    "What kind of mitigation it is (approvals.yaml may make some kinds mandatory).",
    vetting="human-rights vetting of the recipient unit and its members",
    end_use_monitoring="checks that equipment stays with the recipient and is used as agreed",
    reform_benchmark="release tied to a reform benchmark the partner must meet",
    human_rights_training="human-rights and law-of-armed-conflict training in the line",
    civilian_oversight="support to the ministry, parliament or inspectorate overseeing the unit",
    phased_release="delivery in tranches, each released after a review",
    third_party_monitoring="monitoring by a party other than the recipient and the donor",
    balance_review="a review of the balance between rival institutions before each tranche",
    other="another measure (say what in 'text')",
)

MITIGATION: Node = {
    "type": "object",
    "description": "A measure proposed against named risks of the line.",
    "additionalProperties": False,
    "required": ["kind", "text"],
    "properties": {
        "kind": MITIGATION_KIND,
        "text": descriptive(PROSE, "What is done, by whom, and when."),
        "addresses": {
            "type": "array",
            "maxItems": MAX_ITEMS,
            "items": RULE_ID,
            "description": "The risks it addresses: ids of the rules whose findings it answers "
            "(a mitigation that names none is flagged in the report).",
        },
    },
}

# The fields of one line. Rules read a line as a `line` fact with these fields (the lists
# become counts: see profile/proposal.py), so this node also tells the rules' checks and
# `rules test --coverage` what a `line` fact holds.
LINE_ITEM: Node = {
    "type": "object",
    "description": "One line of the package: an activity for one recipient unit.",
    "additionalProperties": False,
    "required": ["id", "activity", "recipient", "amount_usd", "from_fy", "to_fy"],
    "properties": {
        "id": descriptive(
            IDENT,
            "The line's short name, unique in the proposal: lower-case letters, digits, '_' "
            "or '-', starting with a letter.",
        ),
        "title": descriptive(LINE, "The line in a few words."),
        "activity": ACTIVITY,
        "equipment": EQUIPMENT,
        "training": TRAINING,
        "recipient": described(
            IDENT, "The institution or sub-unit that receives it (an id in the profile)."
        ),
        "amount_usd": described(USD, "Total amount over the line's years, in U.S. dollars."),
        "from_fy": described(YEAR, "First fiscal year."),
        "to_fy": described(YEAR, "Last fiscal year."),
        "objectives": descriptive(
            {"type": "array", "maxItems": MAX_ITEMS, "items": LINE},
            "What the line is for, each a result that can be checked.",
        ),
        "benchmarks": {
            "type": "array",
            "maxItems": MAX_ITEMS,
            "items": LINE,
            "description": "Reform benchmarks the partner must meet for the line to continue.",
        },
        "mitigations": {
            "type": "array",
            "maxItems": MAX_ITEMS,
            "items": MITIGATION,
            "description": "Measures proposed against the line's risks.",
        },
    },
}


def proposal_schema_definition() -> Node:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://ssa-risk.invalid/schemas/proposal-{PROPOSAL_VERSION}.json",
        "title": "SSA Risk proposal",
        "description": "A package of security assistance for one country, line by line.",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema_version", "id", "title", "profile", "lines"],
        "properties": {
            "schema_version": {
                DESCRIPTIVE: True,
                "const": PROPOSAL_VERSION,
                "description": "Version of this schema the proposal is written for.",
            },
            "id": described(
                IDENT,
                "The proposal's short name: lower-case letters, digits, '_' or '-', starting "
                "with a letter.",
            ),
            "title": descriptive(LINE, "The proposal's title."),
            "profile": {
                "type": "string",
                "pattern": "^[^\n\r]*\\.yaml$",
                "description": "The country profile it rests on, relative to this file.",
            },
            "as_of": described(
                DATE,
                "Date of the proposal, YYYY-MM or YYYY-MM-DD (default: the profile's as_of); a "
                "line's reviews count from it if it starts earlier.",
            ),
            "sponsor": descriptive(LINE, "Who proposes it."),
            "summary": descriptive(PROSE, "What the package is for, in a few sentences."),
            "lines": {
                "type": "array",
                "description": "The package's lines, each an activity for one recipient.",
                "minItems": 1,
                "maxItems": MAX_LINES,
                "items": LINE_ITEM,
            },
        },
    }


DECISION_KIND = enum(
    "What the authority decided.",
    accepted_risk="the risk of a finding is accepted as it stands",
    waiver="a gate is set aside under an authority the law gives",
)
DECISION_ITEM: Node = {
    "type": "object",
    "description": "One accepted risk or waiver.",
    "additionalProperties": False,
    "required": ["finding", "kind", "justification", "authority", "approved", "expires"],
    "properties": {
        "finding": described(RULE_ID, "The finding's rule id, e.g. HR-01."),
        "unit": described(IDENT, "Only the finding about this institution (an id in the profile)."),
        "line": described(IDENT, "Only the finding about this line of the proposal."),
        "kind": DECISION_KIND,
        "justification": described(PROSE, "Why the risk is accepted or the gate waived."),
        "authority": described(LINE, "Who approved it: an approval level in approvals.yaml."),
        "approved": described(DATE, "When it was approved, YYYY-MM or YYYY-MM-DD."),
        "expires": described(
            DATE, "When it lapses, YYYY-MM or YYYY-MM-DD; after this date it is an error."
        ),
    },
}


def decision_schema_definition() -> Node:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://ssa-risk.invalid/schemas/decision-{DECISION_VERSION}.json",
        "title": "SSA Risk decision record",
        "description": "Risks accepted and gates waived for one proposal, each until a date.",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema_version", "proposal", "decisions"],
        "properties": {
            "schema_version": {
                "const": DECISION_VERSION,
                "description": "Version of this schema the record is written for.",
            },
            "proposal": {
                "type": "string",
                "pattern": "^[^\n\r]*\\.yaml$",
                "description": "The proposal file it decides on, relative to this file.",
            },
            "as_of": described(
                DATE,
                "The record's date, YYYY-MM or YYYY-MM-DD: each entry must have been approved "
                "by it and be in force on it (default: the proposal's date).",
            ),
            "decisions": {
                "type": "array",
                "description": "The accepted risks and waivers, one entry each.",
                "maxItems": 200,
                "items": DECISION_ITEM,
            },
        },
    }


def _json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def proposal_schema_json() -> str:
    return _json(proposal_schema_definition())


def decision_schema_json() -> str:
    return _json(decision_schema_definition())
