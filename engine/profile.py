"""Load a country profile and check it against the profile schema and its own references."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from .errors import InputError, Problem
from .yamlsrc import Document, YamlPath, format_path, load_yaml

SCHEMA_PATH = Path(__file__).parent / "schemas" / "profile.schema.json"


@dataclass(frozen=True)
class Profile:
    """A validated profile: its data and the source map back to the file."""

    doc: Document

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def country(self) -> str:
        return str(self.data["country"])

    @property
    def as_of(self) -> str:
        return str(self.data["as_of"])

    @property
    def as_of_year(self) -> int:
        return int(self.as_of[:4])

    @property
    def path(self) -> str:
        return self.doc.path


@cache
def profile_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    # `enumDescriptions` documents enum values for editors; validators ignore it.
    return jsonschema.Draft202012Validator(profile_schema())


def load_profile(path: Path, label: str | None = None) -> Profile:
    """Read, parse and validate one profile; raise InputError listing every problem."""
    doc = load_yaml(path, label)
    problems = validate_document(doc)
    if problems:
        raise InputError(problems)
    return Profile(doc)


def validate_document(doc: Document) -> list[Problem]:
    """Every problem in a parsed profile, schema and cross-references alike."""
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return [
            doc.problem(
                (),
                f"a profile must be a mapping of fields, but this file holds {kind}",
                "start the file with 'schema_version: 1' and the profile's fields",
            )
        ]
    problems = [_schema_problem(doc, err) for err in _validator().iter_errors(doc.data)]
    if not problems:
        problems = _reference_problems(doc)
    return problems


def _schema_problem(doc: Document, err: jsonschema.ValidationError) -> Problem:
    path: YamlPath = tuple(err.absolute_path)
    field = format_path(path) or "(top level)"
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
        return doc.problem((*path, key), f"{format_path((*path, key))}: unknown key '{key}'", fix)
    if err.validator == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else "?"
        return doc.problem(
            path, f"{field}: missing required field '{missing}'", f"add '{missing}:'"
        )
    if err.validator == "enum":
        allowed_values = [str(v) for v in schema.get("enum", ())]
        return doc.problem(
            path,
            f"{field}: '{err.instance}' is not an allowed value",
            f"use one of: {', '.join(allowed_values)}",
        )
    if err.validator == "type":
        want = schema.get("type")
        got = _type_name(err.instance)
        return doc.problem(path, f"{field}: expected {_article(want)}, got {got}", "fix the value")
    if err.validator in ("minimum", "maximum"):
        bound = "at least" if err.validator == "minimum" else "at most"
        return doc.problem(
            path,
            f"{field}: {err.instance} is out of range",
            f"use a value {bound} {err.validator_value}",
        )
    if err.validator == "pattern":
        return doc.problem(
            path,
            f"{field}: '{err.instance}' is not in the expected form",
            schema.get("description") or f"match the pattern {err.validator_value}",
        )
    if err.validator == "const":
        return doc.problem(path, f"{field}: must be {err.validator_value}", "fix the value")
    return doc.problem(path, f"{field}: {err.message}", "fix the value")


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty value)"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return f"text ('{value}')"


def _article(want: object) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
    }
    return names.get(str(want), str(want))


def _reference_problems(doc: Document) -> list[Problem]:
    """Ids that must resolve: sources, institutions, and per-year amounts against their years."""
    data = doc.data
    problems: list[Problem] = []
    source_ids = [s["id"] for s in data.get("sources", [])]
    for i, sid in enumerate(source_ids):
        if sid in source_ids[:i]:
            problems.append(
                doc.problem(
                    ("sources", i, "id"),
                    f"sources[{i}].id: duplicate source id '{sid}'",
                    "give each source its own id",
                )
            )
    for path, value in _walk(data, ()):
        if path and path[-1] == "sources" and path != ("sources",) and isinstance(value, list):
            for j, ref in enumerate(value):
                if ref not in source_ids:
                    close = difflib.get_close_matches(str(ref), source_ids, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else "add it under 'sources:'"
                    problems.append(
                        doc.problem(
                            (*path, j),
                            f"{format_path((*path, j))}: unknown source id '{ref}'",
                            hint,
                        )
                    )
    inst_ids = [i["id"] for i in data.get("institutions", [])]
    refs: list[tuple[YamlPath, object]] = []
    for i, r in enumerate(data.get("rivalries", [])):
        refs += [(("rivalries", i, "between", j), p) for j, p in enumerate(r["between"])]
    for i, a in enumerate(data.get("human_rights", {}).get("abuses", [])):
        refs.append((("human_rights", "abuses", i, "unit"), a["unit"]))
    for i, p in enumerate(data.get("assistance", {}).get("programmes", [])):
        if "recipient" in p:
            refs.append((("assistance", "programmes", i, "recipient"), p["recipient"]))
    for path, ref in refs:
        if ref not in inst_ids:
            close = difflib.get_close_matches(str(ref), inst_ids, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "add it under 'institutions:'"
            problems.append(
                doc.problem(path, f"{format_path(path)}: unknown institution '{ref}'", hint)
            )
    for i, p in enumerate(data.get("assistance", {}).get("programmes", [])):
        base: YamlPath = ("assistance", "programmes", i)
        if p["to_fy"] < p["from_fy"]:
            problems.append(
                doc.problem(
                    (*base, "to_fy"),
                    f"{format_path((*base, 'to_fy'))}: ends ({p['to_fy']}) before it starts "
                    f"({p['from_fy']})",
                    "swap from_fy and to_fy",
                )
            )
        elif "by_year" in p and len(p["by_year"]) != p["to_fy"] - p["from_fy"] + 1:
            years = p["to_fy"] - p["from_fy"] + 1
            problems.append(
                doc.problem(
                    (*base, "by_year"),
                    f"{format_path((*base, 'by_year'))}: {len(p['by_year'])} amounts for "
                    f"{years} fiscal years ({p['from_fy']}-{p['to_fy']})",
                    "give one amount per fiscal year, 0 where nothing was provided",
                )
            )
        elif "by_year" in p and "total_usd" in p and sum(p["by_year"]) != p["total_usd"]:
            problems.append(
                doc.problem(
                    (*base, "total_usd"),
                    f"{format_path((*base, 'total_usd'))}: declared total {p['total_usd']:,} "
                    f"but the yearly amounts add up to {sum(p['by_year']):,}",
                    "correct the total or the yearly amounts",
                )
            )
    return problems


def _walk(value: Any, path: YamlPath) -> list[tuple[YamlPath, Any]]:
    out: list[tuple[YamlPath, Any]] = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _walk(v, (*path, i))
    return out
