"""JSON output: the Assessment and a country's Timeline (with a published schema), and
validation results."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.errors import Problem
from ssa_risk.base.project import SCHEMA_DIR

ASSESSMENT_SCHEMA_VERSION = 1
ASSESSMENT_SCHEMA_PATH = SCHEMA_DIR / "assessment.schema.json"  # also in diff


def assessment_dict(assessment: Assessment) -> dict[str, Any]:
    """Plain data, fields in a fixed order, ready for json.dumps."""
    body = dataclasses.asdict(assessment)
    return {"schema_version": ASSESSMENT_SCHEMA_VERSION, "kind": "assessment", **body}


def assessment_json(assessment: Assessment) -> str:
    return json.dumps(assessment_dict(assessment), indent=2, ensure_ascii=False) + "\n"


def timeline_json(timeline: Timeline) -> str:
    body = {
        "schema_version": ASSESSMENT_SCHEMA_VERSION,
        "kind": "timeline",
        "country": timeline.country,
        "changes": [dataclasses.asdict(c) for c in timeline.changes],
        "snapshots": [assessment_dict(a) for a in timeline.snapshots],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


VALIDATION_FORMAT_VERSION = 1


def validation_json(results: Sequence[tuple[str, Sequence[Problem]]]) -> str:
    """`ssa-risk validate --format json`: one entry per profile, every problem in it."""
    return json.dumps(
        {
            "format_version": VALIDATION_FORMAT_VERSION,
            "profiles": [
                {
                    "path": path,
                    "valid": not problems,
                    "problems": [
                        {
                            "file": p.file,
                            "line": p.line,
                            "column": p.column,
                            "message": p.message,
                            "fix": p.fix,
                        }
                        for p in problems
                    ],
                }
                for path, problems in results
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
