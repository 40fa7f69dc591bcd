"""Problems found in profiles, as the JSON of `ssa-risk validate --format json`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ssa_risk.base.errors import Problem

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
                        p.as_json("file", "line", "column", "message", "fix") for p in problems
                    ],
                }
                for path, problems in results
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
