"""The fixed choices and defaults the command line offers: formats, paper sizes, ratings,
verdicts and limits.

They live here, apart from the modules that use them, so that `ssa-risk --help` (and the
definition of every command) imports this small module and not the rules engine, the schemas
or the templates. The modules that own each choice import it from here.
"""

from __future__ import annotations

import os

# Report formats (ssa_risk.reports.*).
FORMATS = ("md", "html", "json")
IMPACT_FORMATS = ("md", "json")  # a table of flips per profile: no HTML page
# An assessment or a timeline is also written as a PDF (a diff or an impact is not).
ASSESS_FORMATS = (*FORMATS, "pdf")
BACKTEST_FORMATS = ("text", "json")
OVERVIEW_FORMATS = ("md", "html", "json", "pdf")
PROPOSAL_FORMATS = ("md", "html", "json", "pdf")
TIPPING_FORMATS = ("md", "json")
TRIGGERS_FORMATS = ("md", "json")

# PDF paper sizes (ssa_risk.reports.pdf).
PAPERS = ("a4", "letter")
DEFAULT_PAPER = "a4"

# Ratings, lowest first (ssa_risk.rules.scoring), and the one a backtest flags at by default.
RATINGS = ("low", "moderate", "high", "critical")
DEFAULT_FLAG_AT = "high"

# A proposal line's verdicts, mildest first (ssa_risk.rules.approvals).
VERDICTS = ("proceed", "proceed with conditions", "redesign", "do not proceed")

# The most values `tipping` changes at once (ssa_risk.comparison.tipping).
MAX_CHANGES = 2

# `assess --uncertainty N [--seed S]` (ssa_risk.assessment.uncertainty).
DEFAULT_SEED = 0
MAX_SAMPLES = 100_000


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return int(counter() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
