"""Check a parsed YAML document against a JSON Schema; each error becomes a Problem.

Profiles, rule files and scoring.yaml are checked this way, so their messages read alike:
`file:line:col: where: problem — fix`, where the wording depends only on the kind of error
and on the schema (an unknown key gets a did-you-mean, an enum lists its values).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from ssa_risk.base.errors import Problem
from ssa_risk.base.source import Document, YamlPath, format_path
from ssa_risk.base.suggest import did_you_mean

# jsonschema is imported when a validator is first made: a valid document is recognised by
# quick_check (below), so a run that meets no problem never needs it (it takes tens of ms).
if TYPE_CHECKING:
    import jsonschema

# How a message names a place in the document: `institutions[0].kind`, or `rule CMR-04: when`.
Namer = Callable[[YamlPath], str]

_LINE_BREAK = re.compile("[\n\r\u0085\u2028\u2029]")


def plain_name(path: YamlPath) -> str:
    return format_path(path) or "(top level)"


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    # Python's `$` also matches before a final line break; ECMA-262's (JSON Schema's) does not.
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """`pattern` with ECMA-262's `$`, so that 'TUN' followed by a line break is no iso3."""
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        import jsonschema

        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator_class() -> Any:
    import jsonschema.validators

    return jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, {"pattern": _pattern}
    )


def schema_validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator for `schema` (draft 2020-12, with ECMA-262 patterns).

    `enumDescriptions` documents enum values for editors; validators ignore it.
    """
    validator: jsonschema.Draft202012Validator = _validator_class()(schema)
    return validator


def error_path(err: jsonschema.ValidationError) -> YamlPath:
    return tuple(err.absolute_path)


def error_problems(
    doc: Document, err: jsonschema.ValidationError, name: Namer = plain_name
) -> list[tuple[YamlPath, Problem]]:
    """The problems one schema error stands for, each with the path it points at."""
    path = error_path(err)
    field = name(path)
    schema = err.schema if isinstance(err.schema, dict) else {}

    def one(message: str, fix: str, at: YamlPath = path) -> list[tuple[YamlPath, Problem]]:
        return [(at, doc.problem(at, message, fix))]

    if err.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        out = []
        for key in extra:
            fix = did_you_mean(key, allowed, f"allowed keys: {', '.join(allowed)}")
            at = (*path, key)
            out.append((at, doc.problem(at, f"{name(at)}: unknown key '{key}'", fix)))
        return out
    # A missing key is reported at the mapping that lacks it, and stands for the key's path.
    if err.validator == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else "?"
        return one(
            f"{field}: missing required field '{missing}'", f"add '{missing}:'", (*path, missing)
        )
    if err.validator == "enum" and "propertyNames" in err.relative_schema_path:
        # A key that names something from a fixed list: a field, an operator.
        noun = str(schema.get("title", "field"))
        allowed_names = [str(v) for v in schema.get("enum", ())]
        return one(
            f"{field}: unknown {noun} '{err.instance}'",
            did_you_mean(err.instance, allowed_names, f"use one of: {', '.join(allowed_names)}"),
            (*path, str(err.instance)),
        )
    if err.validator == "enum":
        allowed_values = [str(v) for v in schema.get("enum", ())]
        listed = ", ".join(allowed_values)
        hint = did_you_mean(err.instance, allowed_values, "")
        return one(
            f"{field}: '{err.instance}' is not an allowed value",
            f"{hint} (one of: {listed})" if hint else f"use one of: {listed}",
        )
    if err.validator == "type":
        want = _article(schema.get("type"))
        got = _type_name(err.instance)
        return one(f"{field}: expected {want}, got {got}", f"write {want}")
    if err.validator == "maxItems":
        count = len(err.instance) if isinstance(err.instance, list) else 0
        return one(
            f"{field}: {count:,} entries, over the limit of {err.validator_value:,}",
            "keep the entries that matter for the assessment (the limit keeps an assessment's "
            "time and memory bounded), or merge entries that say the same thing",
        )
    if err.validator == "minItems" and err.validator_value == 1:
        return one(f"{field}: the list is empty", "list at least one entry")
    if err.validator == "minItems":
        count = len(err.instance) if isinstance(err.instance, list) else 0
        return one(
            f"{field}: {count} entries, fewer than {err.validator_value}",
            f"list at least {err.validator_value}",
        )
    if err.validator == "uniqueItems" and isinstance(err.instance, list):
        return _repeated(doc, err.instance, path, name)
    if err.validator in ("minimum", "maximum"):
        bound = "at least" if err.validator == "minimum" else "at most"
        return one(
            f"{field}: {_number(err.instance)} is out of range",
            f"use a value {bound} {_number(err.validator_value)}",
        )
    if err.validator == "maxLength":
        size = len(err.instance) if isinstance(err.instance, str) else 0
        return one(
            f"{field}: {size:,} characters, over the limit of {err.validator_value:,}",
            "shorten it",
        )
    if err.validator == "pattern" and _LINE_BREAK.search(str(err.instance)):
        return one(
            f"{field}: must be one line",
            "write it on one line (a summary or note field can span lines)",
        )
    if err.validator == "pattern" and not str(err.instance).strip():
        return one(f"{field}: is empty", "write the text")
    if err.validator == "pattern":
        return one(
            f"{field}: '{err.instance}' is not in the expected form",
            str(schema.get("description", "")).rstrip(".") or f"match {err.validator_value}",
        )
    if err.validator == "anyOf" and (names := _required_names(err.validator_value)):
        return one(
            f"{field}: needs {' or '.join(repr(n) for n in names)}",
            f"add {' or '.join(repr(f'{n}:') for n in names)}",
            (*path, names[0]),
        )
    if err.validator == "not" and (names := _required_names([err.validator_value])):
        return one(
            f"{field}: {' and '.join(repr(n) for n in names)} cannot be used together",
            "keep one of them",
            (*path, names[-1]),
        )
    if err.validator == "const":
        return one(f"{field}: must be {err.validator_value}", "fix the value")
    return one(f"{field}: {err.message}", "fix the value")


def _required_names(schemas: object) -> list[str]:
    """The key names of subschemas that only require keys of a mapping (as `anyOf` or `not`
    use them: "needs 'a' or 'b'", "not 'a' with 'b'"); else []."""
    if not isinstance(schemas, list):
        return []
    names: list[str] = []
    for sub in schemas:
        if not isinstance(sub, dict) or set(sub) - {"type"} != {"required"}:
            return []
        names += [str(n) for n in sub["required"]]
    return names


def _repeated(
    doc: Document, items: list[Any], path: YamlPath, name: Namer
) -> list[tuple[YamlPath, Problem]]:
    """`uniqueItems`: every entry that repeats an earlier one, at its own line."""
    out = []
    for j, item in enumerate(items):
        if item in items[:j]:
            at = (*path, j)
            message = f"{name(at)}: '{item}' is listed twice (also entry {items.index(item)})"
            out.append((at, doc.problem(at, message, "list each entry once")))
    return out


def _number(value: object) -> str:
    """Large whole numbers with thousands separators, as amounts are shown elsewhere."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000_000:
        return f"{value:,}"
    return str(value)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty value)"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return f"text ('{value}')"


TYPE_NAMES = {  # a JSON Schema type in words
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _article(want: object) -> str:
    if isinstance(want, list):
        names = [TYPE_NAMES.get(str(w), str(w)) for w in want]
        return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)
    return TYPE_NAMES.get(str(want), str(want))


def schema_problems(
    doc: Document, validator: jsonschema.Draft202012Validator, name: Namer = plain_name
) -> list[tuple[YamlPath, Problem]]:
    """Every schema problem in `doc`, each with the path it points at."""
    return [
        found for err in validator.iter_errors(doc.data) for found in error_problems(doc, err, name)
    ]


# --- A quick "is it valid?" -----------------------------------------------------------------
#
# jsonschema walks the whole schema on a valid document too (`is_valid` costs as much as
# `iter_errors`), and most documents are valid. `quick_check` compiles a schema into nested
# functions that only answer "valid"; the error messages still come from the validator above.
# It is conservative: whatever it is not sure of (a keyword it does not know, a value of a
# type JSON does not have, a float where an integer is asked for) it calls not valid, and the
# caller then asks the full validator, so the answer never differs from jsonschema's.

Check = Callable[[Any], bool]

# The types a JSON document's values other than objects and arrays can have.
JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_NOT_CHECKED = frozenset(
    {"$id", "$schema", "$defs", "$comment", "title", "description", "examples", "default"}
    | {"enumDescriptions", "x-descriptive"}
)
_TYPE_CHECKS: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) is int or type(v) is float,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}


class _Unsupported(Exception):
    """The schema uses something quick_check does not compile."""


# Types whose check above is exact for JSON data (True if and only if jsonschema agrees):
# "integer" is not (jsonschema counts 1.0 as an integer).
_EXACT_TYPES = frozenset({"object", "array", "string", "boolean", "null"})


def _exact(schema: Any) -> bool:
    """Whether the quick check of `schema` is exact, not only sure when it says valid: then
    it may be negated (`not`). Only `type` (of the types above) and `required` qualify."""
    if not isinstance(schema, dict) or not set(schema) <= {"type", "required"}:
        return False
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return isinstance(kinds, list) and all(k in _EXACT_TYPES for k in kinds)


# What `_typed` compiles into one function, by the schema's `type`.
_TYPED_KEYWORDS = {
    "string": frozenset({"type", "minLength", "maxLength", "pattern", "enum"}),
    "integer": frozenset({"type", "minimum", "maximum"}),
    "number": frozenset({"type", "minimum", "maximum"}),
    "array": frozenset({"type", "items", "minItems", "maxItems"}),
    "object": frozenset(
        {"type", "properties", "required", "additionalProperties", "propertyNames"}
    ),
}
_INFINITY = float("inf")


def _typed(s: dict[str, Any], node: Callable[[Any], Check]) -> Check | None:
    """One function for a schema of one type and keywords that apply to it (the usual field:
    `{type: integer, minimum: 0, maximum: 100}`), which answers as the keywords' checks
    together would, in one call instead of one per keyword; None for any other schema."""
    kind = s.get("type")
    if not isinstance(kind, str) or kind not in _TYPED_KEYWORDS:
        return None
    if not {k for k in s if k not in _NOT_CHECKED} <= _TYPED_KEYWORDS[kind]:
        return None
    if kind == "string":
        return _typed_string(s)
    if kind in ("integer", "number"):
        low, high = s.get("minimum", -_INFINITY), s.get("maximum", _INFINITY)
        if not all(type(b) in (int, float) for b in (low, high)):
            return None
        if kind == "integer":
            return lambda v: type(v) is int and low <= v <= high
        return lambda v: (type(v) is int or type(v) is float) and low <= v <= high
    if kind == "array":
        return _typed_array(s, node)
    return _typed_object(s, node)


def _typed_string(s: dict[str, Any]) -> Check | None:
    shortest, longest = s.get("minLength", 0), s.get("maxLength", _INFINITY)
    search = _ecma_regex(s["pattern"]).search if "pattern" in s else None
    enum = s.get("enum")
    if enum is not None and not all(type(e) is str for e in enum):
        return None  # left to the keywords' own checks
    allowed = frozenset(enum) if enum is not None else None

    def string(v: Any) -> bool:
        if type(v) is not str or not shortest <= len(v) <= longest:
            return False
        if allowed is not None and v not in allowed:
            return False
        return search is None or search(v) is not None

    return string


def _typed_array(s: dict[str, Any], node: Callable[[Any], Check]) -> Check:
    shortest, longest = s.get("minItems", 0), s.get("maxItems", _INFINITY)
    each = node(s["items"]) if "items" in s else None

    def array(v: Any) -> bool:
        if type(v) is not list or not shortest <= len(v) <= longest:
            return False
        if each is not None:
            for item in v:
                if not each(item):
                    return False
        return True

    return array


def _typed_object(s: dict[str, Any], node: Callable[[Any], Check]) -> Check | None:
    props = {name: node(sub) for name, sub in s.get("properties", {}).items()}
    known = frozenset(props)
    required = tuple(s.get("required", ()))
    additional = s.get("additionalProperties", True)
    closed = additional is False
    extra = None if additional is True or closed else node(additional)
    names = node(s["propertyNames"]) if "propertyNames" in s else None

    def mapping(v: Any) -> bool:
        if type(v) is not dict or (closed and not v.keys() <= known):
            return False
        for name in required:
            if name not in v:
                return False
        for k, item in v.items():
            c = props.get(k)
            if c is not None:
                if not c(item):
                    return False
            elif extra is not None and not extra(item):
                return False
            if names is not None and not names(k):
                return False
        return True

    return mapping


def _json_only(v: Any) -> bool:
    """Only JSON's types, and objects keyed by text: anything else is for jsonschema. (Only
    containers are called for: one call per mapping or list, not one per value.)"""
    if type(v) is dict:
        if not all(type(k) is str for k in v):
            return False
        items: Any = v.values()
    elif type(v) is list:
        items = v
    else:
        return type(v) in JSON_SCALARS
    for item in items:
        kind = type(item)
        if kind is dict or kind is list:
            if not _json_only(item):
                return False
        elif kind not in JSON_SCALARS:
            return False
    return True


def quick_check(schema: dict[str, Any]) -> Check | None:
    """A function that is True only for a document `schema` finds valid (False when it finds
    a problem or is not sure), or None if the schema uses what it cannot compile."""
    defs = schema.get("$defs", {})
    compiled: dict[str, Check] = {}
    compiling: set[str] = set()

    def ref(target: str) -> Check:
        name = target.removeprefix("#/$defs/")
        if name == target or name not in defs:
            raise _Unsupported(target)
        if name in compiling:  # a definition that refers to itself: looked up when called
            return lambda v: compiled[name](v)
        if name not in compiled:
            compiling.add(name)
            compiled[name] = node(defs[name])
            compiling.discard(name)
        return compiled[name]

    def node(s: Any) -> Check:
        if s is True:
            return lambda v: True
        if s is False or not isinstance(s, dict):
            return lambda v: False
        fused = _typed(s, node)
        if fused is not None:
            return fused
        checks = [keyword(s, key, value) for key, value in s.items() if key not in _NOT_CHECKED]
        if len(checks) == 1:
            return checks[0]
        if len(checks) == 2:
            first, second = checks
            return lambda v: first(v) and second(v)

        # Loops, not all(generator), here and below: they run for every value of a profile.
        def check(v: Any) -> bool:
            for c in checks:  # noqa: SIM110 (a loop is faster than all() here)
                if not c(v):
                    return False
            return True

        return check

    def keyword(s: dict[str, Any], key: str, value: Any) -> Check:
        if key == "$ref":
            return ref(value)
        if key == "type":
            names = [value] if isinstance(value, str) else value
            tests = [_TYPE_CHECKS[n] for n in names]
            if len(tests) == 1:
                return tests[0]
            return lambda v: any(t(v) for t in tests)
        if key in ("enum", "const"):
            values = value if key == "enum" else [value]
            if not all(type(e) in JSON_SCALARS for e in values):
                raise _Unsupported(key)
            if all(type(e) is str for e in values):  # the usual enum: one call, one lookup
                strings = frozenset(values)
                return lambda v: type(v) is str and v in strings
            allowed = {(type(e), e) for e in values}
            return lambda v: type(v) in JSON_SCALARS and (type(v), v) in allowed
        if key in ("minimum", "maximum"):
            bound = value
            if key == "minimum":
                return lambda v: type(v) not in (int, float) or v >= bound
            return lambda v: type(v) not in (int, float) or v <= bound
        if key == "minLength":
            return lambda v: type(v) is not str or len(v) >= value
        if key == "maxLength":
            return lambda v: type(v) is not str or len(v) <= value
        if key == "pattern":
            regex = _ecma_regex(value)
            return lambda v: type(v) is not str or regex.search(v) is not None
        if key == "minItems":
            return lambda v: type(v) is not list or len(v) >= value
        if key == "maxItems":
            return lambda v: type(v) is not list or len(v) <= value
        if key == "required":
            names = list(value)
            return lambda v: type(v) is not dict or all(n in v for n in names)
        if key == "properties":
            props = {name: node(sub) for name, sub in value.items()}

            def properties(v: Any) -> bool:
                if type(v) is not dict:
                    return True
                for k, item in v.items():
                    c = props.get(k)
                    if c is not None and not c(item):
                        return False
                return True

            return properties
        if key == "additionalProperties":
            known = set(s.get("properties", {}))
            if "patternProperties" in s:
                raise _Unsupported(key)
            if value is False:  # the common case: no other field is allowed
                return lambda v: type(v) is not dict or v.keys() <= known
            extra = node(value)

            def additional(v: Any) -> bool:
                if type(v) is not dict:
                    return True
                for k, item in v.items():  # noqa: SIM110 (a loop is faster than all() here)
                    if k not in known and not extra(item):
                        return False
                return True

            return additional
        if key == "propertyNames":
            names_check = node(value)
            return lambda v: type(v) is not dict or all(names_check(k) for k in v)
        if key == "items":
            each = node(value)

            def items(v: Any) -> bool:
                if type(v) is not list:
                    return True
                for item in v:  # noqa: SIM110 (a loop is faster than all() here)
                    if not each(item):
                        return False
                return True

            return items
        if key == "anyOf":
            # One branch sure to pass is enough; (oneOf would need the others sure to fail,
            # which a check that may answer "not sure" cannot tell.)
            branches = [node(sub) for sub in value]
            return lambda v: any(b(v) for b in branches)
        if key == "not" and _exact(value):
            inner = node(value)
            return lambda v: not inner(v)
        if key == "allOf":
            parts = [node(sub) for sub in value]
            return lambda v: all(p(v) for p in parts)
        raise _Unsupported(key)

    try:
        root = node(schema)
    except (_Unsupported, KeyError, TypeError):
        return None
    return lambda document: _json_only(document) and root(document)
