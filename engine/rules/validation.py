"""A rule file against the published rule-file schema, in words for rule authors.

Problems inside a rule name it by its id (`rule CMR-04: when.all[0]: ...`) when the id is
usable, else by its place (`rules[3]: ...`).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any

from ssa_risk.base.errors import Problem
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document, YamlPath, format_path
from ssa_risk.base.validator import (
    Check,
    Namer,
    error_path,
    error_problems,
    plain_name,
    quick_check,
    schema_validator,
)
from ssa_risk.rules.schema import MAX_RULE_ID, RULE_ID_PATTERN

if TYPE_CHECKING:
    import jsonschema

RULES_SCHEMA_PATH = SCHEMA_DIR / "rules.schema.json"  # from schema.py
_RULE_ID = re.compile(RULE_ID_PATTERN.removeprefix("^").removesuffix("$"))


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(RULES_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return schema_validator(_schema())


@cache
def _quick_check() -> Check | None:
    return quick_check(_schema())


def usable_id(value: object) -> str | None:
    """The rule id if it is one the schema allows, else None."""
    if isinstance(value, str) and len(value) <= MAX_RULE_ID and _RULE_ID.fullmatch(value):
        return value
    return None


def rule_file_problems(doc: Document) -> list[tuple[YamlPath, Problem]]:
    """Every way the file departs from the rule-file schema, each with the path it points at."""
    quick = _quick_check()
    if quick is not None and quick(doc.data):
        return []  # valid: the validator (below) is needed only to word problems
    name = _namer(doc.data)
    out: list[tuple[YamlPath, Problem]] = []
    for err in _validator().iter_errors(doc.data):
        path = error_path(err)
        if _is_rule_id(path) and err.validator in ("pattern", "maxLength"):
            out.append((path, _unusable_id(doc, path, err)))
        else:
            out += error_problems(doc, err, name)
    # Each problem inside a rule names the rule it concerns (for `rules lint --format json`).
    return [(at, replace(problem, rule=_rule_at(doc.data, at))) for at, problem in out]


def _rule_at(data: Any, path: YamlPath) -> str | None:
    """The usable id of the rule `path` points into, if any."""
    rules = data.get("rules") if isinstance(data, dict) else None
    if len(path) < 2 or path[0] != "rules" or not isinstance(path[1], int):
        return None
    item = rules[path[1]] if isinstance(rules, list) and path[1] < len(rules) else None
    return usable_id(item.get("id")) if isinstance(item, dict) else None


def _is_rule_id(path: YamlPath) -> bool:
    return len(path) == 3 and path[0] == "rules" and path[2] == "id"


def _unusable_id(doc: Document, path: YamlPath, err: jsonschema.ValidationError) -> Problem:
    rule_id = str(err.instance)
    shown = json.dumps(rule_id if len(rule_id) <= 40 else rule_id[:37] + "...")
    limit = err.schema.get("maxLength") if isinstance(err.schema, dict) else None
    if rule_id.startswith("$"):
        why = "ids starting with '$' are reserved for the engine's own rules"
    elif isinstance(limit, int) and len(rule_id) > limit:
        why = f"it is {len(rule_id)} characters, over the limit of {limit}"
    else:
        why = "an id is upper-case letters and digits, in parts joined by hyphens"
    return doc.problem(path, f"rule id {shown} is not usable: {why}", "write an id such as CMR-04")


def _namer(data: Any) -> Namer:
    def name(path: YamlPath) -> str:
        rule_id = _rule_at(data, path)
        if rule_id is not None:
            rest = format_path(path[2:])
            return f"rule {rule_id}" + (f": {rest}" if rest else "")
        return plain_name(path)

    return name
