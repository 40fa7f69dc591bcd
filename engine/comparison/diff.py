"""What changed between two assessments of one country, and why.

Both sides are assessments in their JSON form (as written by `--format json`, or assessed
now), so a saved report and a fresh one compare alike. Findings are matched by rule id and
subject. Each added, removed or changed finding gets a cause:
- the rule was added, removed or edited (which keys, old → new);
- the profile changed (which values, old → new, with file:line);
- wording only (the rule's text or the templates changed; the logic did not).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema

from ssa_risk.assessment.serialize import ASSESSMENT_SCHEMA_PATH
from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.source import line_column
from ssa_risk.rules.scoring import RATINGS

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Cause:
    kind: str  # rule added / rule removed / rule edited / profile changed / wording only
    details: tuple[str, ...]


@dataclass(frozen=True)
class FindingChange:
    status: str  # added / removed / changed
    rule_id: str
    subject: str
    title: str
    lens: str
    severity_before: str | None
    severity_after: str | None
    cause: Cause


@dataclass(frozen=True)
class Diff:
    country: str
    before: str  # label of the earlier side
    after: str
    as_of: tuple[str, str]
    overall: tuple[str, str]
    lenses: tuple[tuple[str, str, str], ...]  # (lens title, residual before, after), changed only
    changes: tuple[FindingChange, ...]
    unchanged: int
    notes: tuple[str, ...] = ()  # changes outside the findings: scoring, templates, rule set

    @property
    def any_change(self) -> bool:
        return bool(self.changes or self.lenses) or self.overall[0] != self.overall[1]

    @property
    def rating_worse(self) -> bool:
        if _band_rank(self.overall[1]) > _band_rank(self.overall[0]):
            return True
        return any(RATINGS.index(new) > RATINGS.index(old) for _, old, new in self.lenses)

    @property
    def new_high(self) -> bool:
        return any(
            c.severity_after in ("high", "critical")
            and (c.status == "added" or _worse(c.severity_before, c.severity_after))
            for c in self.changes
        )


_BANDS = (
    "suitable",
    "suitable with safeguards",
    "high risk — conditions required",
    "not suitable at this time",
)


def _band_rank(rating: str) -> int:
    return _BANDS.index(rating) if rating in _BANDS else len(_BANDS)


def _worse(before: str | None, after: str | None) -> bool:
    if before is None or after is None:
        return False
    return RATINGS.index(after) > RATINGS.index(before)


MAX_JSON_DEPTH = 64  # an assessment nests about 8 levels deep
_MAX_DIGITS = 18
_JSON_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|NaN|-?Infinity'
    r"|-?[0-9]+(?P<frac>\.[0-9]+)?(?P<exp>[eE][-+]?[0-9]+)?"
)
_SAVED = "pass an assessment written by 'ssa-risk assess --format json'"


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


def check_assessment(data: Any, label: str) -> dict[str, Any]:
    """The JSON of an assessment, or InputError saying what it is instead."""
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
    if version == SCHEMA_VERSION:
        errors = sorted(
            _validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
        )
        if errors:
            first = errors[0]
            where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
            raise InputError(
                [
                    Problem(
                        label,
                        None,
                        None,
                        f"is not a complete assessment ({where}: {first.message})",
                        "write it again with 'ssa-risk assess --format json'",
                    )
                ]
            )
    if version != SCHEMA_VERSION:
        raise InputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    f"assessment schema_version {version} is not supported",
                    f"this version of ssa-risk reads schema_version {SCHEMA_VERSION}; "
                    "assess the profile again",
                )
            ]
        )
    problem = _damaged(data)
    if problem is not None:
        fix = "write it again with 'ssa-risk assess --format json'"
        raise InputError(
            [Problem(label, None, None, f"is not a complete assessment ({problem})", fix)]
        )
    return data


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
    return jsonschema.Draft202012Validator(schema)


def diff_assessments(
    before: dict[str, Any], after: dict[str, Any], labels: tuple[str, str]
) -> Diff:
    """Compare two assessments (JSON form) of the same country."""
    if before["iso3"] != after["iso3"]:
        raise InputError(
            [
                Problem(
                    after["profile_path"],
                    None,
                    None,
                    f"assesses {after['country']}, but {before['profile_path']} assesses "
                    f"{before['country']}",
                    "compare two assessments of the same country",
                )
            ]
        )
    old, new = _findings(before), _findings(after)
    rules_before = {r["id"]: r for r in before["rules"]}
    rules_after = {r["id"]: r for r in after["rules"]}
    facts_before = {f["path"]: f for f in before["facts"]}
    facts_after = {f["path"]: f for f in after["facts"]}
    wording_context = (
        before["provenance"]["templates_sha256"] != after["provenance"]["templates_sha256"]
    )
    changes = []
    unchanged = 0
    for key in sorted(set(old) | set(new), key=lambda k: (_lens_order(after, old, new, k), k)):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and _same(a, b):
            unchanged += 1
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        finding = b or a
        assert finding is not None
        cause = _cause(
            key[0],
            a,
            b,
            rules_before,
            rules_after,
            facts_before,
            facts_after,
            wording_context,
        )
        changes.append(
            FindingChange(
                status,
                key[0],
                key[1],
                finding["title"],
                finding["lens"],
                a["severity"] if a else None,
                b["severity"] if b else None,
                cause,
            )
        )
    lens_before = {lens["id"]: lens["residual"] for lens in before["lenses"]}
    lenses = tuple(
        (lens["title"], lens_before.get(lens["id"], "low"), lens["residual"])
        for lens in after["lenses"]
        if lens_before.get(lens["id"], "low") != lens["residual"]
    )
    notes = []
    if before["methodology"] != after["methodology"]:
        notes.append("the scoring table (scoring.yaml) changed")
    if before["provenance"]["rules_sha256"] != after["provenance"]["rules_sha256"]:
        notes.append("the rule set changed")
    if wording_context:
        notes.append("the templates changed")
    return Diff(
        after["country"],
        labels[0],
        labels[1],
        (before["as_of"], after["as_of"]),
        (before["overall"], after["overall"]),
        lenses,
        tuple(changes),
        unchanged,
        tuple(notes),
    )


def _findings(assessment: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for lens in assessment["lenses"]:
        for finding in lens["findings"] + lens["mitigations"]:
            out[(finding["rule_id"], finding["subject"])] = finding
    return out


def _lens_order(
    after: dict[str, Any],
    old: dict[tuple[str, str], dict[str, Any]],
    new: dict[tuple[str, str], dict[str, Any]],
    key: tuple[str, str],
) -> int:
    finding = new.get(key) or old.get(key) or {}
    ids = [lens["id"] for lens in after["lenses"]]
    return ids.index(finding.get("lens")) if finding.get("lens") in ids else len(ids)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("severity", "effect", "narrative", "title", "recommend", "citations")
    if any(a[k] != b[k] for k in keys):
        return False
    return _evidence_values(a) == _evidence_values(b)


def _evidence_values(finding: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((e["path"], json.dumps(e["value"])) for e in finding["evidence"])


def _cause(
    rule_id: str,
    a: dict[str, Any] | None,
    b: dict[str, Any] | None,
    rules_before: dict[str, dict[str, Any]],
    rules_after: dict[str, dict[str, Any]],
    facts_before: dict[str, dict[str, Any]],
    facts_after: dict[str, dict[str, Any]],
    templates_changed: bool,
) -> Cause:
    rule_a, rule_b = rules_before.get(rule_id), rules_after.get(rule_id)
    if rule_a is None and rule_b is not None:
        return Cause("rule added", (f"{rule_id} is new in this rule set",))
    if rule_b is None and rule_a is not None:
        return Cause("rule removed", (f"{rule_id} is not in this rule set",))
    if rule_a and rule_b and rule_a["logic_sha256"] != rule_b["logic_sha256"]:
        return Cause("rule edited", tuple(_definition_changes(rule_a, rule_b)))
    upstream = _edited_upstream(rule_id, rules_before, rules_after)
    if upstream:
        return Cause("rule edited", tuple(upstream))
    cited = {e["path"] for f in (a, b) if f for e in f["evidence"]}
    changed = _profile_changes(facts_before, facts_after, lambda f: f["path"] in cited)
    if not changed:
        read = _fields_read(rule_id, rules_after if rule_b else rules_before)
        changed = _profile_changes(
            facts_before, facts_after, lambda f: (f["kind"], f["field"]) in read
        )
    if changed:
        return Cause("profile changed", tuple(changed))
    if rule_a and rule_b and rule_a["wording_sha256"] != rule_b["wording_sha256"]:
        return Cause("wording only", tuple(_definition_changes(rule_a, rule_b)))
    if templates_changed or (a and b and a["narrative"] != b["narrative"]):
        return Cause("wording only", ("the narrative changed with the templates or values shown",))
    return Cause("profile changed", ("values the finding cites changed",))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _definition_changes(rule_a: dict[str, Any], rule_b: dict[str, Any]) -> list[str]:
    old = _flatten(json.loads(rule_a["definition"]))
    new = _flatten(json.loads(rule_b["definition"]))
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key, _ABSENT) != new.get(key, _ABSENT):
            out.append(f"{key}: {_show(old.get(key, _ABSENT))} → {_show(new.get(key, _ABSENT))}")
    return out


_ABSENT = object()


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if len(text) <= 80 else text[:77] + "..."
    return json.dumps(value, ensure_ascii=False)


def _concluders(rules: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rid, rule in rules.items():
        conclude = json.loads(rule["definition"]).get("conclude")
        if conclude:
            out.setdefault(conclude, []).append(rid)
    return out


def _signals_used(rule: dict[str, Any]) -> list[str]:
    when = json.loads(rule["definition"]).get("when", {})
    return [
        str(p["signal"])
        for group in ("all", "any", "none")
        for p in when.get(group, []) or []
        if isinstance(p, dict) and "signal" in p
    ]


def _edited_upstream(
    rule_id: str, rules_before: dict[str, dict[str, Any]], rules_after: dict[str, dict[str, Any]]
) -> list[str]:
    """Edits to the rules that conclude the signals a rule relies on, however far back."""
    concluders = _concluders(rules_after) | {
        k: v for k, v in _concluders(rules_before).items() if k not in _concluders(rules_after)
    }
    out: list[str] = []
    todo = [(rule_id, "")]
    seen = {rule_id}
    while todo:
        rid, _ = todo.pop(0)
        rule = rules_after.get(rid) or rules_before.get(rid)
        if rule is None:
            continue
        for signal in _signals_used(rule):
            for source in sorted(concluders.get(signal, [])):
                if source in seen:
                    continue
                seen.add(source)
                a, b = rules_before.get(source), rules_after.get(source)
                if a is None or b is None:
                    state = "added" if a is None else "removed"
                    out.append(f"{source} (concludes signal {signal}) was {state}")
                elif a["logic_sha256"] != b["logic_sha256"]:
                    out += [
                        f"{source} (concludes signal {signal}): {change}"
                        for change in _definition_changes(a, b)
                    ]
                todo.append((source, signal))
    return out


def _fields_read(rule_id: str, rules: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """(fact kind, field) pairs a rule reads, through the signals it relies on too."""
    read: set[tuple[str, str]] = set()
    todo, seen = [rule_id], set()
    concluders: dict[str, list[str]] = {}
    for rid, rule in rules.items():
        conclude = json.loads(rule["definition"]).get("conclude")
        if conclude:
            concluders.setdefault(conclude, []).append(rid)
    while todo:
        rid = todo.pop()
        if rid in seen or rid not in rules:
            continue
        seen.add(rid)
        when = json.loads(rules[rid]["definition"]).get("when", {})
        for group in ("all", "any", "none"):
            for pattern in when.get(group, []) or []:
                if "signal" in pattern:
                    todo += concluders.get(str(pattern["signal"]), [])
                    continue
                kind = pattern.get("fact")
                read.add((kind, "*"))
                for field in pattern.get("where") or {}:
                    read.add((kind, field))
    return read


def _natural(path: str) -> list[Any]:
    """`programmes[10]` after `programmes[9]`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def _profile_changes(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    relevant: Any,
) -> list[str]:
    out = []
    for path in sorted(set(before) | set(after), key=_natural):
        a, b = before.get(path), after.get(path)
        fact = b or a
        assert fact is not None
        if not relevant(fact):
            continue
        old = a["value"] if a else _ABSENT
        new = b["value"] if b else _ABSENT
        if old == new:
            continue
        where = b or a
        assert where is not None
        if where.get("derived"):
            at = " (derived: computed from the profile, e.g. from as_of)"
        else:
            at = f" ({where['file']}:{where['line']})" if where.get("line") else ""
        out.append(f"{path}: {_show(old)} → {_show(new)}{at}")
    return out
