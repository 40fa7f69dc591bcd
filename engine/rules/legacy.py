"""Rule files written before graded scores, recognised so that they get one clear message.

Before graded scores, scoring.yaml listed its lenses as a list of ids (now each lens is a
mapping with its weight and points) and rated a lens by its worst finding (`lens_rating`).
Read under the current schema, such a file gives a dozen problems that hide the one cause.
"""

from __future__ import annotations

from ssa_risk.base.errors import Problem
from ssa_risk.base.source import Document

LEGACY_SCORING_MESSAGE = (
    "scoring.yaml is in the format before graded scores (lenses as a list of ids, lens_rating)"
)
LEGACY_SCORING_FIX = (
    "rewrite it in the current form: see the README section 'How findings become a "
    "judgement' and the bundled rules/scoring.yaml"
)


def legacy_scoring_problem(doc: Document) -> Problem | None:
    """The one problem of a scoring.yaml written before graded scores (its `lenses` a list of
    ids, or a `lens_rating` key), at the first of those it has; None for any other file."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    lenses = data.get("lenses")
    if isinstance(lenses, list) and lenses and all(isinstance(x, str) for x in lenses):
        return doc.problem(("lenses",), LEGACY_SCORING_MESSAGE, LEGACY_SCORING_FIX)
    if "lens_rating" in data:
        return doc.problem(("lens_rating",), LEGACY_SCORING_MESSAGE, LEGACY_SCORING_FIX)
    return None
