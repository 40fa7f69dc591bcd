"""SSA Risk: the library behind the `ssa-risk` command.

Each stage of the pipeline is a module with plain data in and out:
yamlsrc (safe YAML with line numbers) → profile (validate) → facts → rules (load) →
compiler (to a durable_rules ruleset) → evaluate → assessment (score) → render → output.
"""

from __future__ import annotations

__version__ = "0.1.0"
