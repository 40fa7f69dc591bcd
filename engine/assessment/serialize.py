"""The Assessment's own JSON form, both ways (with a published schema), a country's Timeline,
and validation results.

Saved JSON is read back into the typed Assessment, so that reports, timelines, diffs and
impact all work on one model whether an assessment was made now or read from a file.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from functools import cache
from typing import TYPE_CHECKING, Any

from ssa_risk.assessment.model import Assessment, frozen
from ssa_risk.assessment.timeline import Timeline
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document, line_column, parse_yaml
from ssa_risk.base.validator import error_problems, schema_validator
from ssa_risk.rules.model import DEFAULT_BY, DEFAULT_STANCE, canonical_recommend, wording_digest

if TYPE_CHECKING:
    import jsonschema

ASSESSMENT_SCHEMA_VERSION = 3
# Versions read: 2 is 3 without recommendation tags (its recommendations read as by: agency,
# stance: condition, as plain text in a rule file does).
READ_VERSIONS = (2, 3)
ASSESSMENT_SCHEMA_PATH = SCHEMA_DIR / "assessment.schema.json"
# A saved assessment echoes the facts of a profile of at most 2 MB, with its evidence.
MAX_JSON_BYTES = 64 * 1024 * 1024


def assessment_dict(assessment: Assessment) -> dict[str, Any]:
    """Plain data, fields in a fixed order, ready for json.dumps."""
    body = dataclasses.asdict(assessment)
    if not body["watch"]:  # made on request only: absent, as before it existed, when not asked
        del body["watch"]
    if body["uncertainty"] is None:  # absent, as in assessments saved before it existed
        del body["uncertainty"]
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


def assessment_from_json(text: str, label: str) -> Assessment:
    """The Assessment saved as `text` (by `ssa-risk assess --format json`), checked against the
    published schema; InputError naming `label` if it is anything else."""
    data = check_assessment(parse_assessment_json(text, label), label, text)
    return _typed(Assessment, {k: v for k, v in data.items() if k not in _ENVELOPE})


_ENVELOPE = ("schema_version", "kind")


MAX_JSON_DEPTH = 64  # an assessment nests about 8 levels deep
_MAX_DIGITS = 18
_JSON_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|NaN|-?Infinity'
    r"|-?[0-9]+(?P<frac>\.[0-9]+)?(?P<exp>[eE][-+]?[0-9]+)?"
)
_SAVED = "pass an assessment written by 'ssa-risk assess --format json'"
_AGAIN = "write it again with 'ssa-risk assess --format json'"


def parse_assessment_json(text: str, label: str) -> Any:
    """Parse a saved assessment's JSON text, refusing what Python's json would let through
    or crash on: nesting too deep, NaN and Infinity, numbers too large."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        word = token.group()
        problem = None
        if word in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                problem = f"nesting deeper than {MAX_JSON_DEPTH} levels"
        elif word in "]}":
            depth -= 1
        elif word[0] == '"':
            continue
        elif word in ("NaN", "Infinity", "-Infinity"):
            problem = f"{word} is not a JSON number"
        elif token.group("frac") is None and token.group("exp") is None:
            if len(word.lstrip("-").lstrip("0")) > _MAX_DIGITS:
                problem = f"number {word[:20]}… has more than {_MAX_DIGITS} digits"
        elif float(word) in (float("inf"), float("-inf")):
            problem = f"number {word[:20]} is too large"
        if problem is not None:
            line, column = line_column(text, token.start())
            raise InputError([Problem(label, line, column, problem, _SAVED)])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(label, exc.lineno, exc.colno, f"not valid JSON ({exc.msg})", _SAVED)]
        ) from None
    except (RecursionError, ValueError) as exc:  # not expected after the scan above
        raise InputError([Problem(label, None, None, f"cannot be read ({exc})", _SAVED)]) from None


def check_assessment(data: Any, label: str, text: str = "") -> dict[str, Any]:
    """The JSON of an assessment of this schema version, or InputError saying what it is.

    With the JSON's `text`, schema problems name their line and column.
    """
    if isinstance(data, dict) and data.get("kind") == "timeline":
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    "is a timeline (a country folder's report); diff takes the assessment of "
                    "one snapshot",
                    "write one with 'ssa-risk assess FILE --format json'",
                )
            ]
        )
    if not isinstance(data, dict) or data.get("kind") != "assessment":
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    "is not an assessment written by ssa-risk",
                    "pass a profile, or a file from 'ssa-risk assess --format json'",
                )
            ]
        )
    version = data.get("schema_version")
    if version is None:
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    "is an assessment without 'schema_version'",
                    f"{_AGAIN} (it writes schema_version {ASSESSMENT_SCHEMA_VERSION})",
                )
            ]
        )
    if version not in READ_VERSIONS or isinstance(version, bool):
        shown = json.dumps(version, ensure_ascii=False)[:40]
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"is an assessment of schema_version {shown}; this version of ssa-risk "
                    f"reads schema_version {' or '.join(str(v) for v in READ_VERSIONS)}",
                    "re-run 'ssa-risk assess --format json' with this version of ssa-risk, "
                    f"or compare with the version that writes schema_version {shown}",
                )
            ]
        )
    current: dict[str, Any] = _from_version_2(data) if version == 2 else data
    errors = list(_validator().iter_errors(current))
    if errors:
        doc = _located(current, label, text)
        raise InputError(problem for err in errors for _, problem in error_problems(doc, err))
    problem = _damaged(current)
    if problem is not None:
        raise InputError(
            [Problem(label, None, None, f"is not a complete assessment ({problem})", _AGAIN)]
        )
    return current


def _from_version_2(data: dict[str, Any]) -> dict[str, Any]:
    """A version 2 assessment in version 3's form: each recommendation, plain text, becomes
    {text, by: agency, stance: condition}, in the findings (gates and each lens's findings,
    mitigations and protective factors) and in the rule definitions (whose wording hashes
    are computed again, so that an untagged rule reads as unchanged). What is not in the
    expected shape is left for the schema to report."""
    out = dict(data, schema_version=3)
    if isinstance(out.get("gates"), list):
        out["gates"] = [_tagged_finding(f) for f in out["gates"]]
    if isinstance(out.get("lenses"), list):
        out["lenses"] = [_tagged_lens(lens) for lens in out["lenses"]]
    if isinstance(out.get("rules"), list):
        out["rules"] = [_tagged_digest(r) for r in out["rules"]]
    return out


def _tagged_lens(lens: Any) -> Any:
    if not isinstance(lens, dict):
        return lens
    out = dict(lens)
    for key in ("findings", "mitigations", "protective"):
        if isinstance(out.get(key), list):
            out[key] = [_tagged_finding(f) for f in out[key]]
    return out


def _tagged_finding(finding: Any) -> Any:
    if not isinstance(finding, dict) or not isinstance(finding.get("recommend"), list):
        return finding
    recommend = [
        {"text": r, "by": DEFAULT_BY, "stance": DEFAULT_STANCE} if isinstance(r, str) else r
        for r in finding["recommend"]
    ]
    return dict(finding, recommend=recommend)


def _tagged_digest(rule: Any) -> Any:
    if not isinstance(rule, dict) or not isinstance(rule.get("definition"), str):
        return rule
    try:
        definition = json.loads(rule["definition"])
    except (ValueError, RecursionError):
        return rule  # reported as damaged
    if not isinstance(definition, dict) or "recommend" not in definition:
        return rule
    definition["recommend"] = canonical_recommend(definition["recommend"])
    text = json.dumps(definition, sort_keys=True)
    return dict(rule, definition=text, wording_sha256=wording_digest(text))


def _located(data: Any, label: str, text: str) -> Document:
    """`data` with the line and column of each value in `text`, as far as they can be found.

    JSON is YAML, so the YAML reader that locates every value of a profile locates these
    too; JSON it cannot read (over its limits) leaves the problems without a line.
    """
    try:
        locations = parse_yaml(text, label).locations if text else {}
    except InputError:
        locations = {}
    return Document(label, data, locations, ((label, text),))


def _damaged(data: dict[str, Any]) -> str | None:
    """What the schema cannot see: text that cannot be written, rule definitions that are not
    the JSON of a rule."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
        elif isinstance(value, str) and _SURROGATE.search(value):
            return f"{where}: text holds an unpaired surrogate, which no file can hold"
    for i, rule in enumerate(data.get("rules", [])):
        try:
            definition = json.loads(rule["definition"])
        except (ValueError, RecursionError):
            definition = None
        if not isinstance(definition, dict):
            return f"rules[{i}].definition: is not the JSON of a rule"
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(ASSESSMENT_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema_validator(schema)


_T = typing.TypeVar("_T")


def _typed(cls: type[_T], data: dict[str, Any]) -> _T:
    """A model dataclass from its JSON form (already checked against the schema)."""
    hints = _hints(cls)
    values = {
        f.name: _value(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _value(hint: Any, value: Any) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _typed(hint, value)
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], v) for v in value)
        return tuple(_value(a, v) for a, v in zip(args, value, strict=True))
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        [inner] = [a for a in typing.get_args(hint) if a is not type(None)]
        return _value(inner, value)
    return frozen(value)
