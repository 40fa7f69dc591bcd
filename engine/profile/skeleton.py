"""A commented profile skeleton for `ssa-risk new-profile`, generated from the schema.

The skeleton validates as written: the required fields are filled in, and every optional
section is present as comments that say what it holds and which values are allowed.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from ssa_risk.base.errors import InputError
from ssa_risk.base.files import resolved
from ssa_risk.base.paths import display_path, project_root
from ssa_risk.base.source import parse_yaml
from ssa_risk.profile.reader import SCHEMA_PATH, validate_document
from ssa_risk.profile.schema import SCHEMA_VERSION, profile_schema_definition

_REQUIRED = ("schema_version", "country", "iso3", "as_of", "authors", "sources")
# Per-field citations and confidence: explained once at the top, not repeated in every object.
_PER_FIELD = ("field_sources", "field_confidence")


def slug(country: str) -> str:
    """'Côte d'Ivoire' → 'cote-d-ivoire': the folder name for a country's snapshots."""
    plain = unicodedata.normalize("NFKD", country).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "country"


def profile_skeleton(
    country: str, iso3: str, as_of: str, authors: tuple[str, ...], target: Path
) -> str:
    """The skeleton text for a profile that will be written to `target`."""
    props = profile_schema_definition()["properties"]
    lines = [
        *schema_lines(target, SCHEMA_PATH),
        f"# {' '.join(country.split())} as of {as_of}. Fill in what your sources say and cite them"
        " by id; leave",
        "# out what they do not say. Uncomment a section to use it. Check the file with:",
        f"#   ssa-risk validate {display_path(target)}",
        f"schema_version: {SCHEMA_VERSION}",
        f"country: {_quote(country)}",
        f"iso3: {_quote(iso3)}",
        f"as_of: {_quote(as_of)}",
        f"authors: [{', '.join(_quote(a) for a in authors)}]",
        "",
        "# The documents this profile draws on. Every fact cites them by id, either for a",
        "# whole object (sources: [id]) or for single fields (field_sources: {field: [id]}).",
        "# How far the sources support a value: confidence: low, moderate or high for an",
        "# object, field_confidence: {field: low} for single fields; leave out: not stated.",
        "sources:",
        "  - id: source-1",
        "    title: Replace with the title of the first source you cite",
        "    # publisher: ...",
        "    # date: YYYY-MM",
    ]
    for name, node in props.items():
        if name in _REQUIRED or name in ("extends", "summary"):
            continue
        lines.append("")
        lines.append(f"# {name}: {node.get('description', '')}")
        lines.extend(_commented(name, node, 0))
    lines += [
        "",
        "# To avoid copying an earlier snapshot, start this file with 'extends: <file>.yaml';",
        "# fields written here then replace the inherited ones (see README, Profiles).",
    ]
    return "\n".join(lines) + "\n"


def schema_lines(target: Path, schema: Path) -> list[str]:
    """The line that names the schema for editors, relative to the new file, when the schema
    is a file of the project the profile is written into (a checkout of ssa-risk): a path
    into an installed package would break once the file is committed, or the package
    installed elsewhere. Otherwise a comment says how to add it (`what`: the file's kind)."""
    real_schema, real_target = resolved(schema), resolved(target)
    root = project_root(real_target.parent)
    installed = "site-packages" in real_schema.parts  # even in a virtualenv in the project
    if root is not None and real_schema.is_relative_to(root) and not installed:
        reference = os.path.relpath(real_schema, real_target.parent)
        return [f"# yaml-language-server: $schema={Path(reference).as_posix()}", "#"]
    return [
        "# For editors to check this file as you type, start it with a yaml-language-server",
        f"# $schema comment naming {schema.name} (in the schemas folder of the ssa_risk",
        "# package; see README, Profiles).",
        "#",
    ]


def _commented(name: str, node: dict[str, Any], depth: int, item: bool = False) -> list[str]:
    pad = "  " * depth
    dash = "- " if item else ""
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        items = node["items"]
        if items.get("type") == "object":
            out = [f"# {pad}{dash}{name}:"]
            fields = [(k, v) for k, v in items["properties"].items() if k not in _PER_FIELD]
            for i, (key, child) in enumerate(fields):
                out.extend(_commented(key, child, depth + 1 + (i > 0), item=(i == 0)))
            return out
        return [f"# {pad}{dash}{name}: []{_hint(node)}"]
    if node.get("type") == "object" and "properties" in node:
        out = [f"# {pad}{dash}{name}:"]
        for key, child in node["properties"].items():
            if key not in _PER_FIELD:
                out.extend(_commented(key, child, depth + 1))
        return out
    return [f"# {pad}{dash}{name}:{_hint(node)}"]


def _hint(node: dict[str, Any]) -> str:
    parts = []
    if "enum" in node:
        parts.append("one of " + ", ".join(str(v) for v in node["enum"]))
    elif node.get("$ref"):
        parts.append("source ids")
    elif node.get("type") == "boolean":
        parts.append("true or false")
    elif node.get("type") in ("integer", "number"):
        low, high = node.get("minimum"), node.get("maximum")
        parts.append("a number" + (f" {low}-{high}" if low is not None and high else ""))
    description = node.get("description")
    if description and "enum" not in node:
        parts.insert(0, description.rstrip("."))
    return f"  # {' — '.join(parts)}" if parts else ""


def _quote(text: str) -> str:
    # JSON strings are valid YAML, and quoting keeps words like "No" or "Null" as text.
    return json.dumps(text, ensure_ascii=False)


def checked_skeleton(
    country: str, iso3: str, as_of: str, authors: tuple[str, ...], target: Path, today: date
) -> str:
    """The skeleton, or InputError if these options would not give a valid profile."""
    text = profile_skeleton(country, iso3, as_of, authors, target)
    doc = parse_yaml(text, display_path(target))
    problems = list(doc.problems) + validate_document(doc, today)
    if problems:
        raise InputError(problems)
    return text
