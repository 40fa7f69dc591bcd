"""Checks one lens file of a rule set, collecting every problem with its file:line."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import TemplateSyntaxError

from ssa_risk.base.errors import Problem
from ssa_risk.base.source import Document, YamlPath
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.validator import TYPE_NAMES
from ssa_risk.profile.facts import field_schemas, required_fields
from ssa_risk.profile.reader import engine_readable
from ssa_risk.rules.model import (
    EFFECTS,
    SEVERITIES,
    Citation,
    Example,
    FieldTest,
    Lens,
    Pattern,
    Recommendation,
    Ref,
    Rule,
    canonical_recommend,
)
from ssa_risk.rules.narrative import (
    GLOBAL_NAMES,
    narrative_references,
    refused_tags,
    synthetic_failure,
)
from ssa_risk.rules.operators import REGISTRY, listing, show
from ssa_risk.rules.patterns import pattern_problems

# durable_rules limits, measured with benchmarks/probe_engine_limits.py (see README).
MAX_IN_VALUES = 511  # distinct tests under one engine node; 512 hangs registration
MAX_CONDITIONS = 16  # facts one rule can hold at once (MAX_MESSAGE_FRAMES); 17 → error 304


class FileChecker:
    """Checks one lens file, adding every problem found to a shared list.

    The file's shape (keys, types, allowed values) is checked against the rule-file schema
    first (validation.py); `flagged` holds the paths of what the schema found. This class
    checks what the schema cannot express, and copes with data the schema rejected: a rule
    with a problem anywhere in it is reported but not built.
    """

    def __init__(
        self,
        doc: Document,
        fields: dict[str, set[str]],
        references: dict[str, str] | None,
        problems: list[Problem],
        concluded: set[str],
        flagged: set[YamlPath],
    ) -> None:
        self.doc = doc
        self.fields = fields
        self.references = references
        self.problems = problems
        self.concluded = concluded  # every signal any rule concludes, even a broken rule
        self.flagged = flagged
        self.wildcards: list[tuple[str, YamlPath, str]] = []  # `matches` patterns to compile
        # Every signal condition read, with its rule's id, also in a rule that has other
        # problems: a signal no rule concludes is reported in the same pass.
        self.signal_uses: list[tuple[str, Pattern]] = []
        self._rule_id = ""

    def _p(self, path: YamlPath, message: str, fix: str) -> None:
        # One message per place: where the schema found a problem, its message stands.
        if path not in self.flagged:
            rule = self._rule_id or None  # the rule being checked, if any
            self.problems.append(self.doc.problem(path, message, fix, rule=rule))

    def _flagged_within(self, path: YamlPath) -> bool:
        return any(found[: len(path)] == path for found in self.flagged)

    def _line(self, path: YamlPath) -> int:
        loc = self.doc.location(path)
        return loc.line if loc else 0

    def lens(self) -> Lens | None:
        """The file's lens, or None when the schema found it incomplete."""
        data = self.doc.data
        meta = data.get("lens") if isinstance(data, dict) else None
        if not isinstance(meta, dict) or self._flagged_within(("lens",)):
            return None
        return Lens(meta["id"], meta["title"], " ".join(meta["question"].split()), self.doc.path)

    def rules(self, lens_id: str) -> list[Rule]:
        """The file's rules that have no problem; every rule is checked."""
        items = self.doc.data.get("rules") if isinstance(self.doc.data, dict) else None
        if not isinstance(items, list):
            return []
        out = []
        for i, item in enumerate(items):
            written = item.get("id") if isinstance(item, dict) else None
            self._rule_id = written if isinstance(written, str) else ""
            rule = self._rule(item, ("rules", i), lens_id)
            if rule is not None:
                out.append(rule)
        matches = REGISTRY["matches"]
        unusable = pattern_problems({w: matches.compile("t", w) for w, _, _ in self.wildcards})
        for wildcard, path, rule_id in self.wildcards:
            self._rule_id = rule_id
            if wildcard in unusable:
                shown = wildcard if len(wildcard) <= 40 else wildcard[:37] + "..."
                self._p(
                    path,
                    f"rule {rule_id}: pattern '{shown}' cannot be used: {unusable[wildcard]}",
                    "shorten the pattern or use fewer wildcards (* and ?), "
                    "or split it into two conditions",
                )
        self._rule_id = ""
        return out

    def _rule(self, item: Any, path: YamlPath, lens_id: str) -> Rule | None:
        if not isinstance(item, dict):
            return None
        before = len(self.problems)
        # A rule without an id is reported by the schema, and not built.
        rule_id = _text(item.get("id")) or "without id"
        self._rule_id = _text(item.get("id"))
        conclude = item.get("conclude")
        if isinstance(conclude, str):
            self.concluded.add(conclude)
        effect = item.get("effect", "risk")
        scope = item.get("scope", "country")
        if "scope" in item and effect in EFFECTS and effect != "gate":
            self._p((*path, "scope"), "'scope' applies to gates only", "add 'effect: gate'")
        elif effect == "gate" and scope == "unit" and item.get("subject") is None:
            self._p(
                path,
                f"rule {rule_id}: a unit gate needs 'subject:' (the unit)",
                "bind the unit with 'as:' and name it in 'subject:'",
            )
        severity = item.get("severity")
        if severity is None and conclude is None:
            self._p(
                path,
                f"rule {rule_id}: missing 'severity'",
                f"add 'severity:' ({', '.join(SEVERITIES)}), or 'conclude:' a signal",
            )
        because = _text(item.get("because"))
        if severity is not None and "because" not in item:
            self._p(
                path,
                f"rule {rule_id}: missing 'because'",
                "say why the finding matters in 'because:'",
            )
        recommend = item.get("recommend", [])
        if severity is not None and effect == "risk" and not recommend:
            self._p(path, f"rule {rule_id}: no 'recommend' actions", "list at least one action")
        cite = self._cite(item.get("cite"), (*path, "cite"))
        all_p, any_p, none_p = self._when(item.get("when"), (*path, "when"))
        if not self._flagged_within((*path, "when")):  # else a condition may not have been read
            self.signal_uses += [(rule_id, p) for p in all_p + any_p + none_p if p.signal_test]
        # The engine holds the 'all' facts, one 'any' alternative (each alternative is its own
        # engine rule) and, for a rule with 'none', the end-of-facts anchor; 'none'
        # conditions hold no fact.
        held = len(all_p) + (1 if any_p else 0) + (1 if none_p else 0)
        if held > MAX_CONDITIONS:
            parts = (
                "'all'"
                + (" + 1 for 'any'" if any_p else "")
                + (" + 1 for 'none'" if none_p else "")
            )
            self._p(
                (*path, "when"),
                f"rule {rule_id}: {held} conditions the engine must hold at once "
                f"({parts}), over the engine's limit of {MAX_CONDITIONS}",
                "split the rule, or conclude a signal from some conditions and test that",
            )
        # Names are bound in 'when': where the schema found a problem there, a name may be
        # missing only because its condition was not read.
        if not self._flagged_within((*path, "when")):
            subject = item.get("subject")
            bound = {p.name for p in all_p + any_p}
            if isinstance(subject, str) and subject not in bound:
                self._p(
                    (*path, "subject"),
                    f"rule {rule_id}: subject '{subject}' is not a name bound with 'as:'",
                    f"use one of: {', '.join(sorted(bound)) or '(none bound)'}",
                )
            self._check_narrative(because, (*path, "because"), rule_id, all_p, any_p)
        examples = self._examples(item.get("examples", []), (*path, "examples"))
        if len(self.problems) > before or self._flagged_within(path):
            return None
        return Rule(
            id=rule_id,
            title=" ".join(item["title"].split()),
            lens=lens_id,
            severity=severity,
            effect=effect,
            all=all_p,
            any=any_p,
            none=none_p,
            conclude=conclude,
            subject=item.get("subject"),
            because=" ".join(because.split()),
            recommend=tuple(_recommendation(r) for r in recommend),
            cite=cite,
            file=self.doc.path,
            line=self._line(path),
            examples=examples,
            scope=scope,
            definition=json.dumps(
                {
                    k: canonical_recommend(v) if k == "recommend" else v
                    for k, v in item.items()
                    if k != "examples"
                },
                sort_keys=True,
                default=str,
            ),
        )

    def _check_narrative(
        self,
        text: str,
        path: YamlPath,
        rule_id: str,
        patterns: tuple[Pattern, ...],
        alternatives: tuple[Pattern, ...],
    ) -> None:
        """A narrative may only read fields every matching profile is sure to have, and must
        render for every value the profile schema allows."""
        before = len(self.problems)
        try:
            names, fields = narrative_references(text)
            refused = refused_tags(text)
        except TemplateSyntaxError as exc:
            self._p(
                path,
                f"rule {rule_id}: 'because' is not a valid template ({exc.message or exc})",
                "correct the Jinja syntax in 'because': a value is written {{ name.field }}, and"
                " each {{ or {% needs its closing }} or %}",
            )
            return
        except RecursionError:
            self._p(
                path,
                f"rule {rule_id}: 'because' nests expressions too deeply to read",
                "write plain text with a few {{ name.field }} expressions",
            )
            return
        for tag in refused:
            self._p(
                path,
                f"rule {rule_id}: 'because' uses '{{% {tag} %}}', which a narrative may not use",
                "write the text in the rule itself; a narrative cannot read other templates",
            )
        bound = {p.name: p for p in patterns}
        for name in sorted(names & {p.name for p in alternatives}):
            self._p(
                path,
                f"rule {rule_id}: 'because' uses '{name}', which is bound in only one 'any' "
                "branch and is missing when another branch matches",
                "use names bound under 'all'",
            )
        for name in sorted(names - GLOBAL_NAMES - set(bound) - {p.name for p in alternatives}):
            self._p(
                path,
                f"rule {rule_id}: 'because' uses '{name}', which the rule does not bind",
                did_you_mean(
                    name,
                    sorted(set(bound) | GLOBAL_NAMES),
                    f"use {', '.join(sorted(set(bound) | GLOBAL_NAMES))}",
                ),
            )
        sure = required_fields()
        for name, attr in sorted(fields):
            pattern = bound.get(name)
            if pattern is None:
                continue
            tested = {t.field for t in pattern.tests if not t.operator.passes_missing(t.value)}
            if attr not in self.fields[pattern.fact]:
                self._p(
                    path,
                    f"rule {rule_id}: '{pattern.fact}' facts have no field '{attr}'",
                    did_you_mean(
                        attr, sorted(self.fields[pattern.fact]), "fix the name in 'because'"
                    ),
                )
            elif attr not in tested | sure[pattern.fact]:
                self._p(
                    path,
                    f"rule {rule_id}: 'because' uses {name}.{attr}, which a profile may leave out",
                    f"test it in the rule (e.g. {attr}: {{exists: true}}) or drop it from the text",
                )
        if len(self.problems) == before:
            failed = synthetic_failure(text, patterns)
            if failed is not None:
                variant, error = failed
                fix = error.fix
                if error.depends_on_values:
                    fix += f"; it fails for the {variant} values a profile may have " + (
                        "(0, empty lists, first choices)"
                        if variant == "lowest"
                        else "(largest numbers, long lists, last choices)"
                    )
                self._p(path, error.problem(rule_id, "", None).message, fix)

    def _examples(self, value: Any, path: YamlPath) -> tuple[Example, ...]:
        if not isinstance(value, list):
            return ()
        out = []
        for i, item in enumerate(value):
            where = (*path, i)
            if self._flagged_within(where) or not isinstance(item, dict):
                continue
            out.append(
                Example(
                    item["expect"],
                    item["profile"],
                    (*where, "profile"),
                    self._line(where),
                    item.get("name"),
                    tuple(item.get("lines") or ()),
                )
            )
        return tuple(out)

    def _cite(self, value: Any, path: YamlPath) -> tuple[Citation, ...]:
        if not isinstance(value, list):
            return ()
        out = []
        for i, c in enumerate(value):
            if not isinstance(c, dict) or not isinstance(c.get("ref"), str):
                continue
            if self.references is not None and c["ref"] not in self.references:
                self._p(
                    (*path, i, "ref"),
                    f"rule {self._rule_id or 'without id'}: unknown reference '{c['ref']}'",
                    did_you_mean(c["ref"], self.references, "add it to references.yaml"),
                )
                continue
            at = c.get("at")
            text = (self.references or {}).get(c["ref"]) or str(c["ref"])
            out.append(Citation(c["ref"], text, str(at) if at else None))
        return tuple(out)

    def _when(
        self, value: Any, path: YamlPath
    ) -> tuple[tuple[Pattern, ...], tuple[Pattern, ...], tuple[Pattern, ...]]:
        if not isinstance(value, dict):
            return (), (), ()
        names: dict[str, str] = {}
        groups = []
        for group in ("all", "any", "none"):
            items = value.get(group, [])
            groups.append(
                tuple(
                    p
                    for i, item in enumerate(items if isinstance(items, list) else [])
                    if (p := self._pattern(item, (*path, group, i), names)) is not None
                )
            )
        return groups[0], groups[1], groups[2]

    def _pattern(self, item: Any, path: YamlPath, names: dict[str, str]) -> Pattern | None:
        """One condition, or None where the schema found it unreadable."""
        if not isinstance(item, dict):
            return None
        bound = item.get("as")
        if bound is not None and not isinstance(bound, str):
            return None
        line = self._line(path)
        signal = item.get("signal")
        if isinstance(signal, str):
            name = bound or f"_p{len(names)}"
            names[name] = "signal"
            return Pattern("signal", name, (FieldTest("name", "eq", signal, line),), line)
        kind = item.get("fact")
        if not isinstance(kind, str) or kind not in self.fields:
            return None
        name = bound or f"_p{len(names)}"
        if bound and name in names:
            self._p((*path, "as"), f"name '{name}' is bound twice", "use another name")
        where = item.get("where", {})
        tests: list[FieldTest] = []
        for field_name, spec in where.items() if isinstance(where, dict) else ():
            tests.extend(self._tests(kind, field_name, spec, (*path, "where", field_name), names))
        names[name] = kind
        return Pattern(kind, name, tuple(tests), line)

    def _tests(
        self, kind: str, field_name: str, spec: Any, path: YamlPath, names: dict[str, str]
    ) -> list[FieldTest]:
        known = self.fields[kind]
        if field_name not in known:
            self._p(
                path,
                f"'{kind}' facts have no field '{field_name}'",
                did_you_mean(field_name, known, f"fields: {', '.join(sorted(known))}"),
            )
            return []
        if not isinstance(spec, dict):
            spec = {"eq": spec}
        schema = field_schemas()[kind].get(field_name, {})
        out = []
        for op, raw in spec.items():
            operator = REGISTRY.get(op)
            if operator is None:
                self._p(
                    (*path, op),
                    f"unknown operator '{op}'",
                    did_you_mean(op, REGISTRY, f"use {', '.join(REGISTRY)}"),
                )
                continue
            value = self._value(raw, (*path, op), names)
            if schema.get("type") == "array" and operator.applies_to in ("scalar", "text"):
                on_lists = [o.name for o in REGISTRY.values() if o.applies_to == "list"]
                self._p(
                    (*path, op),
                    f"{kind}.{field_name} is a list: '{op}' cannot compare it",
                    f"use {listing(on_lists)}: VALUE to ask whether the list holds a value",
                )
                continue
            if schema and schema.get("type") != "array" and operator.applies_to == "list":
                numeric = schema.get("type") in ("number", "integer")
                scalar = [
                    o.name
                    for o in REGISTRY.values()
                    if o.applies_to == "scalar" and (numeric or not o.operand.numeric)
                ]
                self._p(
                    (*path, op),
                    f"{kind}.{field_name} holds one value, not a list: '{op}' cannot test it",
                    f"use {listing(scalar)}",
                )
                continue
            if isinstance(value, Ref) and not operator.joins:
                # durable_rules crashes on ordered comparisons with a joined field that some
                # facts lack, so joins test equality only.
                self._p(
                    (*path, op),
                    f"a join ({{ref: ...}}) can only test equality, not '{op}'",
                    "write field: {eq: {ref: name.field}}",
                )
                continue
            operand = operator.operand
            if operand.schema and not isinstance(value, Ref):
                values = value if operand.many and isinstance(value, tuple) else (value,)
                for v in values:
                    self._check_value(kind, field_name, v, (*path, op), operand.schema == "item")
            if not isinstance(value, Ref) and not operand.fits(raw):
                self._p(
                    (*path, op), operand.wrong.format(op=op, raw=raw), operand.fix.format(op=op)
                )
            elif (
                operand.many
                and len(distinct := {json.dumps(v, default=str) for v in raw}) > MAX_IN_VALUES
            ):
                self._p(
                    (*path, op),
                    f"'{op}' lists {len(distinct)} values, over the engine's limit of "
                    f"{MAX_IN_VALUES}",
                    "split the list into two rules or use a signal",
                )
            elif operator.applies_to == "text" and not _is_text(schema):
                # The engine rejects the whole rule set (error 102) for a pattern on a number.
                scalar = [o.name for o in REGISTRY.values() if o.applies_to == "scalar"]
                self._p(
                    (*path, op),
                    f"{kind}.{field_name} is not text: '{op}' compares text",
                    f"compare it with {listing(scalar)}",
                )
            elif operand.numeric and not _is_number(schema):
                by_value = [
                    o.name
                    for o in REGISTRY.values()
                    if o.applies_to == "scalar" and o.operand.schema == "field"
                ]
                self._p(
                    (*path, op),
                    f"{kind}.{field_name} is not a number: '{op}' compares numbers",
                    f"compare it with {listing(by_value)}",
                )
            elif operand.wildcard:
                self.wildcards.append((raw, (*path, op), self._rule_id))
            out.append(FieldTest(field_name, op, value, self._line((*path, op))))
        return out

    def _check_value(
        self, kind: str, field_name: str, value: Any, path: YamlPath, item: bool
    ) -> None:
        """Values a rule compares with must be values the profile schema allows there."""
        schema = field_schemas()[kind].get(field_name, {})
        if item:
            schema = schema.get("items", {})
        allowed = schema.get("enum")
        if allowed is not None:
            if value not in allowed or isinstance(value, bool):
                self._p(
                    path,
                    f"'{value}' is not an allowed value of {kind}.{field_name}",
                    did_you_mean(value, allowed, f"use one of: {', '.join(allowed)}"),
                )
            return
        want = schema.get("type")
        ok = {
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "string": isinstance(value, str),
        }.get(str(want), True)
        if not ok:
            name = TYPE_NAMES[str(want)]
            self._p(
                path,
                f"{kind}.{field_name} holds {name}, not '{show(value)}'",
                f"compare it with {name}",
            )

    def _value(self, raw: Any, path: YamlPath, names: dict[str, str]) -> Any:
        if isinstance(raw, dict) and set(raw) == {"ref"}:
            target = str(raw["ref"])
            name, _, field_name = target.partition(".")
            if name not in names:
                self._p(
                    path,
                    f"'{target}' refers to '{name}', which no earlier condition binds",
                    "bind it with 'as:' in an earlier condition",
                )
            elif field_name not in self.fields[names[name]]:
                known = self.fields[names[name]]
                self._p(
                    path,
                    f"'{names[name]}' facts have no field '{field_name}'",
                    did_you_mean(field_name, known, f"fields: {', '.join(sorted(known))}"),
                )
            return Ref(name, field_name)
        for i, number in enumerate(raw if isinstance(raw, list) else [raw]):
            if isinstance(number, float) and not engine_readable(number):
                self._p(
                    (*path, i) if isinstance(raw, list) else path,
                    f"{number!r} is written in a form the rules engine cannot read",
                    "write the number without an exponent, e.g. 0.00001 or 100000",
                )
        if isinstance(raw, list):
            return tuple(raw)
        return raw


def _recommendation(item: str | dict[str, str]) -> Recommendation:
    """One item of `recommend:` (checked by the schema): plain text, or do/by/stance."""
    [written] = canonical_recommend([item])
    return Recommendation(" ".join(written["do"].split()), written["by"], written["stance"])


def _text(value: Any) -> str:
    """Text the schema requires; anything else (already reported) reads as empty."""
    return value if isinstance(value, str) else ""


def _is_text(schema: Any) -> bool:
    """Whether a field holds text (plain or from a list of allowed values)."""
    if not isinstance(schema, dict):
        return False
    allowed = schema.get("enum")
    if isinstance(allowed, list) and allowed:
        return all(isinstance(v, str) for v in allowed)
    return schema.get("type") == "string"


def _is_number(schema: Any) -> bool:
    """Whether a field holds numbers (plain or from a list of allowed values)."""
    if not isinstance(schema, dict):
        return False
    allowed = schema.get("enum")
    if isinstance(allowed, list) and allowed:
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in allowed)
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(k in ("integer", "number") for k in kinds)
