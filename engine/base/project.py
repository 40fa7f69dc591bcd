"""Where the default rules, templates and profiles are."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RULES = REPO_ROOT / "rules"
DEFAULT_TEMPLATES = REPO_ROOT / "templates"
DEFAULT_PROFILES = REPO_ROOT / "profiles"
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"  # published JSON Schemas
