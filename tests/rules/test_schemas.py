"""The published schemas of rule files, scoring.yaml, approvals.yaml, proposals and decision
records: generated, usable by editors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from ssa_risk.profile.proposal import DECISION_SCHEMA, PROPOSAL_SCHEMA
from ssa_risk.profile.proposal_schema import decision_schema_json, proposal_schema_json
from ssa_risk.rules.approvals import SCHEMA_PATH as APPROVALS_SCHEMA_PATH
from ssa_risk.rules.approvals import approvals_schema_json
from ssa_risk.rules.schema import rules_schema_json, scoring_schema_json
from ssa_risk.rules.scoring import SCHEMA_PATH as SCORING_SCHEMA_PATH
from ssa_risk.rules.validation import RULES_SCHEMA_PATH
from tests.helpers import DEFAULT_RULES

PUBLISHED = [
    (RULES_SCHEMA_PATH, rules_schema_json),
    (SCORING_SCHEMA_PATH, scoring_schema_json),
    (APPROVALS_SCHEMA_PATH, approvals_schema_json),
    (PROPOSAL_SCHEMA, proposal_schema_json),
    (DECISION_SCHEMA, decision_schema_json),
]
OWN_SCHEMA = {"scoring.yaml": SCORING_SCHEMA_PATH, "approvals.yaml": APPROVALS_SCHEMA_PATH}


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
    published = OWN_SCHEMA.get(path.name, RULES_SCHEMA_PATH)
    assert first == f"# yaml-language-server: $schema=../engine/schemas/{published.name}"
    assert (path.parent / first.split("=", 1)[1]).resolve() == published.resolve()
