"""The published schemas of rule files and scoring.yaml: generated, usable by editors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from ssa_risk.rules.schema import rules_schema_json, scoring_schema_json
from ssa_risk.rules.scoring import SCHEMA_PATH as SCORING_SCHEMA_PATH
from ssa_risk.rules.validation import RULES_SCHEMA_PATH
from tests.helpers import DEFAULT_RULES

PUBLISHED = [(RULES_SCHEMA_PATH, rules_schema_json), (SCORING_SCHEMA_PATH, scoring_schema_json)]


@pytest.mark.parametrize(("path", "generate"), PUBLISHED, ids=lambda v: getattr(v, "stem", ""))
def test_published_schema_is_generated_from_its_definition(path, generate):
    assert path.read_text(encoding="utf-8") == generate(), "run: make schema"


def _properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property and named definition of a schema, with where it sits."""
    if isinstance(node, dict):
        for group in ("properties", "$defs"):
            for name, sub in node.get(group, {}).items():
                yield f"{where}/{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{where}/{i}")


@pytest.mark.parametrize("path", [p for p, _ in PUBLISHED], ids=lambda p: p.stem)
def test_schema_is_valid_and_every_property_has_help_for_editors(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    undescribed = [where for where, node in _properties(schema, "") if "description" not in node]
    assert undescribed == []


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(DEFAULT_RULES.glob("*.yaml")) if p.name != "references.yaml"],
    ids=lambda p: p.stem,
)
def test_bundled_rule_file_names_its_schema_for_editors(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    schema = "scoring" if path.name == "scoring.yaml" else "rules"
    assert first == f"# yaml-language-server: $schema=../engine/schemas/{schema}.schema.json"
    published = SCORING_SCHEMA_PATH if schema == "scoring" else RULES_SCHEMA_PATH
    assert (path.parent / first.split("=", 1)[1]).resolve() == published.resolve()
