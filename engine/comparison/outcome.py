"""The outcome file of a backtest case: what happened after the date of the case's profile.

A case is a folder holding `profile.yaml` (the country as an analyst could have described it
at a date) and `outcome.yaml` (what then happened, kept apart so the rules never see it).
`make schema` exports the schema below to `engine/schemas/outcome.schema.json`, the file
editors use to check outcome files; a test keeps the two identical.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document, load_yaml
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.validator import schema_problems, schema_validator
from ssa_risk.profile.schema import LINE, PROSE, Node, described
from ssa_risk.rules.model import RuleSet
from ssa_risk.rules.schema import LENS_ID_PATTERN

if TYPE_CHECKING:
    import jsonschema

OUTCOME_SCHEMA_PATH = SCHEMA_DIR / "outcome.schema.json"
DATE_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$"

_LENS: Node = {
    "type": "string",
    "pattern": LENS_ID_PATTERN,
    "description": "A lens id of the rule set, e.g. civil_military.",
}


def outcome_schema_definition() -> Node:
    """The schema of one outcome.yaml as a dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ssa-risk.invalid/schemas/outcome.json",
        "title": "SSA Risk backtest outcome",
        "description": (
            "What happened after the date of a backtest case's profile, and which lenses a "
            "careful analyst should have flagged then. Kept apart from profile.yaml so that "
            "the rules never see it."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["case", "happened", "event", "date", "lens", "flag", "sources"],
        "properties": {
            "case": described(LINE, "The case in one line, e.g. Thailand before the 2014 coup."),
            "happened": {
                "type": "boolean",
                "description": (
                    "true: the adverse outcome occurred (a positive case); false: it did not "
                    "over the period watched (a control)."
                ),
            },
            "event": described(
                PROSE,
                "What happened; for a control, what did not happen, and over which period.",
            ),
            "date": {
                "type": "string",
                "pattern": DATE_PATTERN,
                "description": (
                    "The event's date (for a control, the end of the period watched), "
                    "YYYY-MM or YYYY-MM-DD."
                ),
            },
            "lens": described(_LENS, "The lens that should foresee this kind of event."),
            "flag": {
                "type": "array",
                "uniqueItems": True,
                "description": (
                    "The lenses a careful analyst should have rated high (or worse) at the "
                    "profile's date; an empty list for a control with nothing to flag."
                ),
                "items": _LENS,
            },
            "sources": {
                "type": "array",
                "minItems": 1,
                "description": "Public sources for the outcome.",
                "items": {
                    "type": "object",
                    "description": "One public source.",
                    "additionalProperties": False,
                    "required": ["title"],
                    "properties": {
                        "title": described(LINE, "Title of the document."),
                        "publisher": described(LINE, "Who published it."),
                        "date": described(LINE, "Publication date as written, e.g. 2014-05."),
                        "url": described(LINE, "Where to read it."),
                    },
                },
            },
            "notes": described(PROSE, "Anything else a reader of the case should know."),
        },
    }


def outcome_schema_json() -> str:
    """The outcome schema as the JSON text stored in the repository."""
    return json.dumps(outcome_schema_definition(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return schema_validator(json.loads(OUTCOME_SCHEMA_PATH.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class OutcomeSource:
    title: str
    publisher: str
    date: str
    url: str


@dataclass(frozen=True)
class Outcome:
    """One outcome.yaml, checked."""

    file: str
    case: str
    happened: bool
    event: str
    date: str
    lens: str
    flag: tuple[str, ...]
    sources: tuple[OutcomeSource, ...]


def outcome_problems(doc: Document, ruleset: RuleSet) -> list[Problem]:
    """Every problem in a parsed outcome file: YAML, schema, and lenses the rules lack."""
    shape = doc.not_a_mapping(
        "an outcome file", "write the fields case, happened, event, date, lens, flag and sources"
    )
    if shape is not None:
        return [shape]
    problems = list(doc.problems)
    read = {(p.file, p.line) for p in doc.problems}
    problems += [
        problem
        for _, problem in schema_problems(doc, _validator())
        if (problem.file, problem.line) not in read
    ]
    lenses = [lens.id for lens in ruleset.lenses]
    places: list[tuple[tuple[str | int, ...], Any]] = [(("lens",), doc.data.get("lens"))]
    flag = doc.data.get("flag")
    if isinstance(flag, list):
        places += [(("flag", i), value) for i, value in enumerate(flag)]
    for path, value in places:
        if isinstance(value, str) and value and value not in lenses:
            field = path[0] if len(path) == 1 else f"flag[{path[1]}]"
            problems.append(
                doc.problem(
                    path,
                    f"{field}: '{value}' is not a lens of the rules in {ruleset.directory}",
                    did_you_mean(value, lenses, f"use one of: {', '.join(lenses)}"),
                )
            )
    return problems


def load_outcome(path: Path, shown: str, ruleset: RuleSet) -> tuple[Outcome, Document]:
    """Read and check one outcome.yaml; InputError lists every problem in it."""
    doc = load_yaml(path, shown, lenient=True)
    return outcome_of(doc, ruleset), doc


def outcome_of(doc: Document, ruleset: RuleSet) -> Outcome:
    """The outcome a parsed outcome.yaml holds, checked against `ruleset`'s lenses;
    InputError lists every problem in it."""
    problems = outcome_problems(doc, ruleset)
    if problems:
        raise InputError(problems)
    data: dict[str, Any] = doc.data
    sources = tuple(
        OutcomeSource(s["title"], s.get("publisher", ""), str(s.get("date", "")), s.get("url", ""))
        for s in data["sources"]
    )
    return Outcome(
        doc.path,
        data["case"],
        data["happened"],
        " ".join(data["event"].split()),
        str(data["date"]),
        data["lens"],
        tuple(data["flag"]),
        sources,
    )
