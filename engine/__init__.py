"""SSA Risk: the library behind the `ssa-risk` command (import name `ssa_risk`).

Sub-packages follow the data flow, each importing only from those before it:
base (problems, safe files and YAML, sandbox) → profile (snapshots, schema, validation, facts)
→ rules (model, rule files, narratives, scoring) → evaluation (compile, durable_rules, the
independent evaluator) → assessment (model, building, timelines, the assessor) → comparison
(diff, impact, git) → reports (render, charts, writes) → toolkit (authoring text) → api.

Scripts and notebooks use `from ssa_risk import api`. This module imports nothing, so that
every layer can read `__version__` without importing the layers above it.
"""

from __future__ import annotations

__version__ = "0.1.0"
