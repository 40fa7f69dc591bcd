"""Machine-readable output: validation results as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .errors import Problem

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
