"""Hypothesis strategies for every kind of input the CLI reads, each producing a `Case`.

- `valid_profiles`: profiles built from the profile schema (enums, numbers at and beyond their
  bounds, lists of varying length, ids that refer to institutions and sources);
- `hostile_profiles`: the bundled Tunisia snapshots, mutated (bytes, odd YAML scalars, control
  characters, deep nesting, aliases, huge numbers, long strings, wrong types, `extends`);
- `rule_files`: the bundled rules, mutated (operators, values, ids, `matches:` and `in:`,
  many conditions, narratives with Jinja);
- `templates`: a mutated `report.md.j2` given with `--templates`;
- `saved_json`: an assessment saved with `--format json`, mutated, given to `ssa-risk diff`.

Branches that reach a known, not yet fixed bug are named in KNOWN_BUGS; the bounded test run
leaves them out (`known=False`) and `make fuzz` runs them all.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.fuzz.harness import REPO_ROOT, Case

PROFILES = REPO_ROOT / "profiles" / "tunisia"
RULES = REPO_ROOT / "rules"
TEMPLATES = REPO_ROOT / "templates"
SCHEMA = json.loads((REPO_ROOT / "engine/schemas/profile.schema.json").read_text())

# Mutation branches that hit a known, not yet fixed bug; the bounded run in `make test` skips
# them and `make fuzz --with-known` runs them. Empty: every bug the fuzzing found is fixed.
KNOWN_BUGS: set[str] = set()

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _read_dir(directory: Path, prefix: str) -> dict[str, bytes]:
    return {
        f"{prefix}/{p.name}": p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()
    }


SNAPSHOTS = _read_dir(PROFILES, "p")
RULE_FILES = _read_dir(RULES, "r")
TEMPLATE_FILES = _read_dir(TEMPLATES, "t")
LENS_FILES = sorted(
    k for k in RULE_FILES if k not in ("r/references.yaml", "r/scoring.yaml", "r/approvals.yaml")
)


def _dec(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _branches(known: bool, table: Iterable[str], prefix: str) -> list[str]:
    """The mutation branches of one table, less those reaching a known bug unless `known`."""
    return sorted(name for name in table if known or f"{prefix}:{name}" not in KNOWN_BUGS)


# ---------------------------------------------------------------- schema-valid profiles

IDENT = st.from_regex(r"[a-z][a-z0-9_-]{0,7}", fullmatch=True)
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
)
SKIPPED = {"extends", "field_sources", "sources", "period_totals", "schema_version"}


def _year_range(node: dict[str, Any], max_year: int) -> tuple[int, int] | None:
    if node.get("minimum") == 1800 and node.get("maximum") == 2100:
        return 1950, max_year
    return None


def from_schema(node: dict[str, Any], max_year: int, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values the schema node allows; numbers sometimes at or just past their bounds."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return from_schema(SCHEMA["$defs"][name], max_year, depth)
    if "anyOf" in node:
        # A value that may be uncertain (`x-uncertain`): its plain form comes first, the
        # range and the alternatives after; the profiles drawn here state plain values.
        return from_schema(node["anyOf"][0], max_year, depth)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "string":
        if node.get("pattern") == "^[a-z][a-z0-9_-]*$":
            return IDENT
        if node.get("pattern") == "^[A-Z]{3}$":
            return st.from_regex(r"[A-Z]{3}", fullmatch=True)
        return TEXT
    if kind in ("integer", "number"):
        low, high = node.get("minimum"), node.get("maximum")
        years = _year_range(node, max_year)
        if years:
            low, high = years
        inside: st.SearchStrategy[Any] = st.integers(
            int(low) if low is not None else -(10**6), int(high) if high is not None else 10**9
        )
        if kind == "number":
            inside = inside | st.floats(
                low if low is not None else -1e6,
                high if high is not None else 1e9,
                allow_nan=False,
                allow_infinity=False,
            )
        edges = [x for x in (low, high) if x is not None]
        beyond = [x - 1 for x in edges if x == low] + [x + 1 for x in edges if x == high]
        return st.one_of(
            inside,
            st.sampled_from(edges or [0]),
            st.sampled_from(beyond or [-1]).filter(lambda _: not years),
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        items = node.get("items", {"type": "string"})
        low = node.get("minItems", 0)
        return st.lists(
            from_schema(items, max_year, depth + 1),
            min_size=low,
            max_size=max(low, min(node.get("maxItems", 4), 4 if depth < 2 else 2)),
        )
    if kind == "object":
        props = node.get("properties", {})
        required = set(node.get("required", []))
        fixed = {k: from_schema(v, max_year, depth + 1) for k, v in props.items() if k in required}
        optional = {
            k: from_schema(v, max_year, depth + 1)
            for k, v in props.items()
            if k not in required and k not in SKIPPED
        }
        return st.fixed_dictionaries(fixed, optional=optional)
    return st.none()


@st.composite
def valid_profile_data(draw: Draw) -> dict[str, Any]:
    """A profile the schema accepts, with its references resolved (mostly)."""
    year = draw(st.integers(1990, 2025))
    month = draw(st.integers(1, 12))
    root = {k: v for k, v in SCHEMA["properties"].items() if k not in ("extends", "schema_version")}
    body = {k: v for k, v in SCHEMA.items() if k != "properties"}
    data: dict[str, Any] = draw(from_schema({**body, "properties": root}, year))
    data = {"schema_version": 1, **data, "as_of": f"{year}-{month:02d}"}
    sources = data["sources"]
    for n, source in enumerate(sources):
        source["id"] = f"{source['id']}{n}"
    source_ids = [s["id"] for s in sources]
    institutions = data.get("institutions", [])
    for n, inst in enumerate(institutions):
        inst["id"] = f"{inst['id']}{n}"
    inst_ids = [i["id"] for i in institutions] or ["nobody"]
    if not data.get("institutions"):
        data["institutions"] = [{"id": "nobody", "name": "Nobody", "kind": "armed_forces"}]

    def institution() -> str:
        return str(draw(st.sampled_from(inst_ids)))

    for rivalry in data.get("rivalries", []):
        rivalry["between"] = [institution() for _ in rivalry["between"]]
    for abuse in data.get("human_rights", {}).get("abuses", []):
        if "unit" in abuse:
            abuse["unit"] = institution()
    for programme in data.get("assistance", {}).get("programmes", []):
        if "recipient" in programme:
            programme["recipient"] = institution()
        start, end = sorted((programme["from_fy"], programme["to_fy"]))
        end = min(end, start + 4)
        programme["from_fy"], programme["to_fy"] = start, end
        if "by_year" in programme:
            amounts = [abs(int(a)) for a in programme["by_year"]][: end - start + 1]
            amounts += [0] * (end - start + 1 - len(amounts))
            programme["by_year"] = amounts
            programme["total_usd"] = sum(amounts)
    # Every object may cite sources; some do.
    for section in data.values():
        if isinstance(section, dict) and draw(st.booleans()):
            section["sources"] = draw(st.lists(st.sampled_from(source_ids), min_size=1, max_size=2))
    return data


def _assess_case(
    strategy: str, files: dict[str, bytes], profile: str, rules: str, fmt: str
) -> Case:
    """`ssa-risk assess PROFILE --rules RULES --format FMT --out-dir o`."""
    name = f"{Path(profile).parent.name}-{Path(profile).stem}.{fmt}"
    rules_dir = str(REPO_ROOT / "rules") if rules == "bundled" else rules
    return Case(
        strategy,
        files,
        ["assess", profile, "--rules", rules_dir, "--format", fmt, "--out-dir", "o"],
        outputs=[f"o/{name}"],
        cross_check=(profile, rules_dir),
        subject=profile,
    )


FORMATS = st.sampled_from(["md"] * 15 + ["json"] * 4 + ["html"])


@st.composite
def valid_profiles(draw: Draw, known: bool = True) -> Case:
    data = draw(valid_profile_data())
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode(
        "utf-8", "surrogateescape"
    )
    files = {"c/profile.yaml": text}
    if draw(st.integers(0, 4)) == 0:
        return Case(
            "valid_profiles",
            files,
            ["validate", "c/profile.yaml"],
            cross_check=("c/profile.yaml", str(RULES)),
            subject="c/profile.yaml",
        )
    return _assess_case("valid_profiles", files, "c/profile.yaml", "bundled", draw(FORMATS))


# ---------------------------------------------------------------- hostile profiles

ODD_SCALARS = [
    "1:30",
    "0x2F",
    "0o17",
    "017",
    "1e308",
    "-1e308",
    "1e309",
    ".inf",
    "-.inf",
    ".nan",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "~",
    "null",
    "''",
    '""',
    "2020-13-45",
    "2020-02-30",
    "+12",
    "1_000",
    "-0",
    "0.1e-400",
    "!!binary aGk=",
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!!float 1",
    "!!str",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "*undefined",
    "&anchor value",
    "{a: b}",
    "[1, 2]",
    "[]",
    "{}",
    "|",
    ">",
    "? complex",
    "2001-12-14t21:59:43.10-05:00",
    "12:30:45",
    '"\\ud800"',
    '"\\x00"',
    '"\\u0085"',
    "'\t'",
    "= ",
    "<<: {a: 1}",
    "- item",
    "%YAML 1.2",
    "---",
    "...",
    "@at",
    "`tick",
    "!local x",
]
CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0x2028, 0xFEFF)]


def _value_lines(text: str) -> list[int]:
    lines = text.split("\n")
    return [
        i
        for i, line in enumerate(lines)
        if ":" in line and not line.lstrip().startswith("#") and line.split(":", 1)[1].strip()
    ]


def _replace_value(text: str, draw: Draw, value: str) -> str:
    lines = text.split("\n")
    candidates = _value_lines(text) or [0]
    i = draw(st.sampled_from(candidates))
    key = lines[i].split(":", 1)[0] if ":" in lines[i] else lines[i]
    lines[i] = f"{key}: {value}"
    return "\n".join(lines)


def _m_byte_flip(data: bytes, draw: Draw) -> bytes:
    if not data:
        return b"\xff"
    pos = draw(st.integers(0, len(data) - 1))
    return data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1 :]


def _m_truncate(data: bytes, draw: Draw) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _m_odd_scalar(data: bytes, draw: Draw) -> bytes:
    return _replace_value(_dec(data), draw, draw(st.sampled_from(ODD_SCALARS))).encode(
        "utf-8", "surrogateescape"
    )


def _m_control(data: bytes, draw: Draw) -> bytes:
    text = _dec(data)
    pos = draw(st.integers(0, len(text)))
    char: str = draw(st.sampled_from(CONTROL))
    return (text[:pos] + char + text[pos:]).encode("utf-8", "surrogateescape")


def _m_deep(data: bytes, draw: Draw) -> bytes:
    depth = draw(st.sampled_from([8, 60, 63, 64, 65, 100, 1000, 20000]))
    shape = draw(st.sampled_from(["flow_list", "flow_map", "block"]))
    if shape == "flow_list":
        value = "[" * depth + "]" * depth
    elif shape == "flow_map":
        value = "{a: " * depth + "1" + "}" * depth
    else:
        value = "".join(f"\n{'  ' * (n + 1)}k{n}:" for n in range(min(depth, 400))) + " 1"
    return _replace_value(_dec(data), draw, value).encode("utf-8", "surrogateescape")


def _m_aliases(data: bytes, draw: Draw) -> bytes:
    width = draw(st.sampled_from([2, 9, 30]))
    levels = draw(st.integers(1, 9))
    bomb = ["a0: &a0 [lol]"]
    for n in range(1, levels + 1):
        bomb.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]")
    text = _dec(data)
    if draw(st.booleans()):
        return ("\n".join(bomb) + "\n" + text).encode("utf-8", "surrogateescape")
    return _replace_value(text, draw, "&x [1, *x]" if draw(st.booleans()) else "*a0").encode(
        "utf-8", "surrogateescape"
    )


def _m_huge_number(data: bytes, draw: Draw) -> bytes:
    digits = draw(st.sampled_from([20, 400, 4300, 4301, 5000, 100000]))
    sign = draw(st.sampled_from(["", "-"]))
    return _replace_value(_dec(data), draw, sign + "9" * digits).encode("utf-8", "surrogateescape")


def _m_long_string(data: bytes, draw: Draw) -> bytes:
    size = draw(st.sampled_from([300, 10_000, 200_000, 2_100_000]))
    char = draw(st.sampled_from(["x", "é", "🙂", " ", "{{"]))
    return _replace_value(_dec(data), draw, f'"{char * size}"').encode("utf-8", "surrogateescape")


def _m_wrong_type(data: bytes, draw: Draw) -> bytes:
    value = draw(st.sampled_from(["[a, b]", "{x: 1}", "12", "true", "3.5", "null", "'text'"]))
    return _replace_value(_dec(data), draw, value).encode("utf-8", "surrogateescape")


def _m_lines(data: bytes, draw: Draw) -> bytes:
    lines = _dec(data).split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    op = draw(st.sampled_from(["drop", "duplicate", "tab", "dedent", "swap"]))
    if op == "drop":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "tab":
        lines[i] = "\t" + lines[i].lstrip(" ")
    elif op == "dedent":
        lines[i] = lines[i].lstrip()
    else:
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def _m_encoding(data: bytes, draw: Draw) -> bytes:
    op = draw(st.sampled_from(["bom", "latin1", "utf16", "invalid", "crlf", "empty", "nul"]))
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "latin1":
        return _dec(data).replace("a", "é", 3).encode("latin-1", "replace")
    if op == "utf16":
        return _dec(data).encode("utf-16", "replace")
    if op == "invalid":
        pos = draw(st.integers(0, len(data)))
        return data[:pos] + b"\xc3\x28\xff" + data[pos:]
    if op == "crlf":
        return data.replace(b"\n", b"\r\n")
    if op == "empty":
        return b""
    return data + b"\x00"


def _m_extends(data: bytes, draw: Draw) -> bytes:
    target = draw(
        st.sampled_from(
            [
                "2020.yaml",
                "2010.yaml",
                "missing.yaml",
                "../p/2016.yaml",
                "/etc/passwd",
                "2013.yaml\x00",
                "''",
                "[2013.yaml]",
                "p",
                ".yaml",
                "2016.yml",
            ]
        )
    )
    text = "\n".join(line for line in _dec(data).split("\n") if not line.startswith("extends:"))
    return f"extends: {target}\n{text}".encode("utf-8", "surrogateescape")


PROFILE_MUTATIONS: dict[str, Callable[[bytes, Draw], bytes]] = {
    "byte_flip": _m_byte_flip,
    "truncate": _m_truncate,
    "odd_scalar": _m_odd_scalar,
    "control_char": _m_control,
    "deep_nesting": _m_deep,
    "aliases": _m_aliases,
    "huge_number": _m_huge_number,
    "long_string": _m_long_string,
    "wrong_type": _m_wrong_type,
    "lines": _m_lines,
    "encoding": _m_encoding,
    "extends": _m_extends,
}


@st.composite
def hostile_profiles(draw: Draw, known: bool = True) -> Case:
    target = draw(st.sampled_from(sorted(SNAPSHOTS)))
    data = SNAPSHOTS[target]
    names = draw(
        st.lists(
            st.sampled_from(_branches(known, PROFILE_MUTATIONS, "profile")), min_size=1, max_size=3
        )
    )
    for name in names:
        data = PROFILE_MUTATIONS[name](data, draw)
    files = {**SNAPSHOTS, target: data}
    strategy = "hostile_profiles"
    note = ", ".join(names)
    command = draw(
        st.sampled_from(["assess"] * 7 + ["validate"] * 10 + ["timeline", "explain", "explain"])
    )
    if command == "validate":
        case = Case(strategy, files, ["validate", target], subject=target)
    elif command == "explain":
        case = Case(strategy, files, ["explain", target], subject=target)
    elif command == "timeline":
        case = Case(
            strategy,
            files,
            ["assess", "p", "--out-dir", "o"],
            outputs=["o/p-timeline.md"],
            subject=target,
        )
    else:
        case = _assess_case(strategy, files, target, "bundled", draw(FORMATS))
    case.note = note
    return case


# ---------------------------------------------------------------- rule files

JINJA = [
    "{{ 9**9**9 }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{% for i in range(10**9) %}{% endfor %}",
    "{{ undefined_name }}",
    "{{ undefined_name.x.y }}",
    "{{ country",
    "{% if %}",
    "{% endif %}",
    "{% include 'nope.j2' %}",
    "{% extends 'report.md.j2' %}",
    "{% import 'x' as y %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{{ 'a' * 10**7 }}",
    "{{ lipsum(1000) }}",
    "{{ range(10**8)|list|length }}",
    "{{ self }}",
    "{{ x|nope_filter }}",
    "{% set x = 1 %}{{ x + 'a' }}",
    "{{ 1/0 }}",
    "{{ (1,2)[5] }}",
    "{% raw %}",
    "{#",
    "}}",
    "{{ '%s%s' % (1,) }}",
    "{{ config }}",
    "{{ namespace() }}",
    "{{ -1 ** 1000000 }}",
    "{{ 'x'|center(10**8) }}",
    "\x00",
    "{{ '{{' }}",
    "{%- for x in [] -%}{%- endfor -%}",
]

OPERATORS = ["eq", "in", "gt", "gte", "lt", "lte", "exists", "matches", "contains", "neq", "ne"]
VALUES: list[Any] = [
    0,
    -1,
    1,
    40,
    10**30,
    1.5,
    -0.0,
    1e308,
    math.inf,
    "rising",
    "",
    "*",
    "é",
    True,
    False,
    None,
    [],
    {},
    ["rising", "dominant"],
    {"ref": "mil.id"},
    {"ref": "nobody.x"},
    "{{ x }}",
]
IDS = ["$x", "", "CMR-01", "A" * 300, "a b", "$start", "$sentinel", "é-1", "1", "CMR-01 ", "x.y"]


def _rules_of(doc: Any) -> list[dict[str, Any]]:
    rules = doc.get("rules") if isinstance(doc, dict) else None
    return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


def _conditions(rule: dict[str, Any]) -> list[dict[str, Any]]:
    when = rule.get("when")
    if not isinstance(when, dict):
        return []
    return [
        c
        for group in when.values()
        if isinstance(group, list)
        for c in group
        if isinstance(c, dict)
    ]


def _pick_where(rule: dict[str, Any], draw: Draw) -> dict[str, Any] | None:
    conditions = [c for c in _conditions(rule) if isinstance(c.get("where"), dict) and c["where"]]
    return draw(st.sampled_from(conditions))["where"] if conditions else None


def _r_operator(rule: dict[str, Any], draw: Draw) -> None:
    where = _pick_where(rule, draw)
    if where is not None:
        key = draw(st.sampled_from(sorted(where)))
        test = where[key]
        value = next(iter(test.values())) if isinstance(test, dict) and test else test
        where[key] = {draw(st.sampled_from(OPERATORS)): value}


def _r_value(rule: dict[str, Any], draw: Draw) -> None:
    where = _pick_where(rule, draw)
    if where is not None:
        key = draw(st.sampled_from(sorted(where)))
        value = copy.deepcopy(draw(st.sampled_from(VALUES)))
        test = where[key]
        if isinstance(test, dict) and test and draw(st.booleans()):
            where[key] = {next(iter(test)): value}
        else:
            where[key] = value


def _r_id(rule: dict[str, Any], draw: Draw) -> None:
    rule["id"] = draw(st.sampled_from(IDS))


def _r_matches(rule: dict[str, Any], draw: Draw) -> None:
    where = _pick_where(rule, draw)
    if where is not None:
        key = draw(st.sampled_from(sorted(where)))
        stars = draw(st.sampled_from([1, 5, 30, 200]))
        piece = draw(st.sampled_from(["*", "*a", "?*", "*\\", "*[", "*(", "*.*", "*é"]))
        where[key] = {"matches": piece * stars + draw(st.sampled_from(["", "x", "b"]))}


def _r_in_list(rule: dict[str, Any], draw: Draw) -> None:
    where = _pick_where(rule, draw)
    if where is not None:
        key = draw(st.sampled_from(sorted(where)))
        size = draw(st.sampled_from([2, 50, 300, 513, 2000]))
        numbers = draw(st.booleans())
        where[key] = {"in": list(range(size)) if numbers else [f"v{n}" for n in range(size)]}


def _r_many_conditions(rule: dict[str, Any], draw: Draw) -> None:
    conditions = _conditions(rule)
    when = rule.get("when")
    if conditions and isinstance(when, dict):
        count = draw(st.sampled_from([2, 10, 40, 70, 200]))
        extra = [copy.deepcopy(draw(st.sampled_from(conditions))) for _ in range(count)]
        for n, condition in enumerate(extra):
            if "as" in condition:
                condition["as"] = f"{condition['as']}{n}"
        when.setdefault("all", [])
        if isinstance(when["all"], list):
            when["all"].extend(extra)


def _r_because(rule: dict[str, Any], draw: Draw) -> None:
    snippets = draw(st.lists(st.sampled_from(JINJA), min_size=1, max_size=3))
    rule["because"] = f"{rule.get('because', '')} {' '.join(snippets)}"


def _r_structure(rule: dict[str, Any], draw: Draw) -> None:
    key = draw(st.sampled_from([*sorted(rule), "when", "severity", "effect", "unknown_key"]))
    value = draw(st.sampled_from([None, "x", 5, [], {}, {"all": []}, {"any": [{}]}, [1, 2]]))
    if draw(st.booleans()) and key in rule:
        del rule[key]
    else:
        rule[key] = copy.deepcopy(value)


RULE_MUTATIONS: dict[str, Callable[[dict[str, Any], Draw], None]] = {
    "operator": _r_operator,
    "value": _r_value,
    "id": _r_id,
    "matches": _r_matches,
    "in_list": _r_in_list,
    "many_conditions": _r_many_conditions,
    "because": _r_because,
    "structure": _r_structure,
}


def _m_scoring(data: bytes, draw: Draw) -> bytes:
    doc = yaml.safe_load(data)
    value = draw(st.sampled_from([-1, 0, 0.5, 99, 10**20, "high", None, [], "critical"]))
    section, key = draw(
        st.sampled_from(
            [
                ("points", "high"),
                ("lens_bands", "moderate"),
                ("lens_score", "further_findings"),
                ("evidence", "stale_weight"),
                ("insufficient_evidence", "minimum_assessed_lenses"),
            ]
        )
    )
    doc[section][key] = value
    if draw(st.booleans()):
        requires = draw(st.sampled_from(["nope", "coup.nope", "programme.kind=sale", "", 3]))
        doc["lenses"][0]["requires"] = [requires]
    if draw(st.booleans()):
        entries = doc["lenses"] + [{"id": "nope", "requires": ["coup"]}]
        doc["lenses"] = draw(st.lists(st.sampled_from(entries), max_size=12))
    return yaml.safe_dump(doc, sort_keys=False).encode("utf-8", "surrogateescape")


@st.composite
def rule_files(draw: Draw, known: bool = True) -> Case:
    files = dict(RULE_FILES)
    target = draw(st.sampled_from(LENS_FILES))
    choice = draw(st.sampled_from(["structural", "structural", "structural", "text", "scoring"]))
    names: list[str] = []
    if choice == "structural":
        doc = yaml.safe_load(files[target])
        names = draw(
            st.lists(
                st.sampled_from(_branches(known, RULE_MUTATIONS, "rule")), min_size=1, max_size=3
            )
        )
        for name in names:
            rules = _rules_of(doc)
            RULE_MUTATIONS[name](draw(st.sampled_from(rules)), draw)
        files[target] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode(
            "utf-8", "surrogateescape"
        )
    elif choice == "text":
        names = draw(
            st.lists(
                st.sampled_from(_branches(known, PROFILE_MUTATIONS, "profile")),
                min_size=1,
                max_size=2,
            )
        )
        for name in names:
            files[target] = PROFILE_MUTATIONS[name](files[target], draw)
    else:
        target = "r/scoring.yaml"
        files[target] = _m_scoring(files[target], draw)
    files.update({k.replace("p/", "q/"): v for k, v in SNAPSHOTS.items()})
    profile = draw(st.sampled_from(["q/2010.yaml", "q/2020.yaml"]))
    command = draw(st.sampled_from(["assess"] * 6 + ["lint", "test", "explain"]))
    strategy = "rule_files"
    if command == "lint":
        case = Case(strategy, files, ["rules", "lint", "r"])
    elif command == "test":
        case = Case(strategy, files, ["rules", "test", "r"])
    elif command == "explain":
        case = Case(strategy, files, ["explain", profile, "--rules", "r"])
    else:
        case = _assess_case(strategy, files, profile, "r", "md")
    case.subject = target
    case.note = f"{choice}: {', '.join(names)}"
    return case


# ---------------------------------------------------------------- templates


@st.composite
def templates(draw: Draw, known: bool = True) -> Case:
    files = dict(TEMPLATE_FILES)
    name = draw(st.sampled_from(["t/report.md.j2", "t/_assessment.md.j2"]))
    lines = _dec(files[name]).split("\n")
    snippets = _branches(known, JINJA, "jinja")
    chosen = draw(st.lists(st.sampled_from(snippets), min_size=1, max_size=3))
    for snippet in chosen:
        lines.insert(draw(st.integers(0, len(lines))), snippet)
    if draw(st.integers(0, 9)) == 0:
        lines = chosen
    files[name] = "\n".join(lines).encode("utf-8", "surrogateescape")
    files.update({k.replace("p/", "q/"): v for k, v in SNAPSHOTS.items()})
    case = _assess_case("templates", files, "q/2020.yaml", "bundled", "md")
    case.args += ["--templates", "t"]
    case.cross_check = None  # the rules and profile are the bundled ones
    case.subject = name
    case.note = " ".join(repr(s) for s in chosen)
    return case


# ---------------------------------------------------------------- saved assessments


def _baseline_json() -> str:
    from ssa_risk.assessment.assessor import Assessor
    from ssa_risk.reports.render import render_report
    from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES

    assessor = Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)
    assessment = assessor.assess(PROFILES / "2020.yaml", "profiles/tunisia/2020.yaml")
    return render_report(assessment, DEFAULT_TEMPLATES, "json")


_BASELINE: list[str] = []


def baseline_json() -> str:
    """The bundled Tunisia 2020 assessment as `assess --format json` writes it."""
    if not _BASELINE:
        _BASELINE.append(_baseline_json())
    return _BASELINE[0]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*path, i))
    return found


def _set(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = node
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return node


JSON_VALUES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    "",
    "x" * 100_000,
    "high",
    "critical",
    [],
    {},
    [None],
    {"id": 1},
    "2020-07",
    "\u0000",
    "\ud800",
]


DEEP_MARK = "\x01deep\x01"  # replaced by deeply nested brackets once the JSON is written


@st.composite
def saved_json(draw: Draw, known: bool = True) -> Case:
    base = baseline_json()
    doc = json.loads(base)
    op = draw(st.sampled_from(_branches(known, JSON_MUTATIONS, "json")))
    if op in ("truncate", "byte_flip"):
        text = PROFILE_MUTATIONS[op](base.encode(), draw)
    else:
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(_paths(doc)))
            if op == "value":
                doc = _set(doc, path, copy.deepcopy(draw(st.sampled_from(JSON_VALUES))))
            elif op == "deep":
                doc = _set(doc, path, DEEP_MARK)
            elif op == "delete" and path:
                parent = doc
                for step in path[:-1]:
                    parent = parent[step]
                del parent[path[-1]]
            if not isinstance(doc, (dict, list)):
                break
        text = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    files = {"before.json": base.encode(), "after.json": text}
    order = ["before.json", "after.json"]
    if draw(st.booleans()):
        order.reverse()
    fmt = draw(st.sampled_from(["md", "json", "html"]))
    args = ["diff", *order, "--format", fmt]
    outputs: list[str] = []
    if draw(st.booleans()):
        args += ["-o", f"out.{fmt}"]
        outputs = [f"out.{fmt}"]
    if draw(st.booleans()):
        args += ["--fail-on", draw(st.sampled_from(["rating-worse", "new-high", "any"]))]
    return Case("saved_json", files, args, outputs=outputs, subject="after.json", note=op)


JSON_MUTATIONS = {"value": 1, "deep": 1, "delete": 1, "truncate": 1, "byte_flip": 1}

STRATEGIES: dict[str, Callable[..., st.SearchStrategy[Case]]] = {
    "valid_profiles": valid_profiles,
    "hostile_profiles": hostile_profiles,
    "rule_files": rule_files,
    "templates": templates,
    "saved_json": saved_json,
}
