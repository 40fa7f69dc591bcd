"""Load a country profile and check it against the profile schema and its own references."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.files import is_folder
from ssa_risk.base.paths import display_path, display_paths
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document, YamlPath, format_path
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.validator import Check, error_path, error_problems, quick_check, schema_validator
from ssa_risk.profile.schema import certain_schema
from ssa_risk.profile.snapshots import (
    all_duplicate_ids,
    country_folders,
    country_mismatch,
    folder_snapshots,
    load_snapshot,
)
from ssa_risk.profile.uncertain import UncertainField, resolve_uncertain, with_values

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = SCHEMA_DIR / "profile.schema.json"  # from schema.py


@dataclass(frozen=True)
class Profile:
    """A validated profile: its data and the source map back to the file."""

    doc: Document
    # Values written as a range or alternatives; `data` holds their central values.
    uncertain: tuple[UncertainField, ...] = ()

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def country(self) -> str:
        return str(self.data["country"])

    @property
    def as_of(self) -> str:
        return str(self.data["as_of"])

    @property
    def as_of_year(self) -> int:
        return int(self.as_of[:4])

    @property
    def path(self) -> str:
        return self.doc.path


@cache
def profile_schema() -> dict[str, Any]:
    """The profile schema without the uncertain forms, which the reader resolves first."""
    schema: dict[str, Any] = certain_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return schema


def check_profile(
    path: Path,
    label: str | None = None,
    today: date | None = None,
    parsed: Document | None = None,
) -> list[Problem]:
    """Every problem in one profile file (and the snapshots it extends); empty when valid."""
    try:
        load_profile(path, label, today, parsed=parsed)
    except InputError as exc:
        return list(exc.problems)
    return []


def check_paths(
    paths: Sequence[Path], today: date | None = None
) -> list[tuple[str, list[Problem]]]:
    """Each profile named, as shown, with every problem in it (none: valid).

    A folder stands for its snapshots (a profiles folder for those of each country folder in
    it): each is checked on its own, and against the others of its folder, which must all be
    of one country, as a timeline needs.
    """
    results: list[tuple[str, list[Problem]]] = []
    for path in paths:
        shown = display_path(path)
        if not _is_folder(path, shown):
            results.append((shown, check_profile(path, shown, today)))
            continue
        try:
            folders = country_folders(path, shown)
        except InputError as exc:
            results.append((shown, list(exc.problems)))
            continue
        for folder in folders:
            results.extend(_check_folder(folder, today))
    return results


def _is_folder(path: Path, shown: str) -> bool:
    try:
        return is_folder(path, shown)
    except InputError:  # reading it as a file says, in a file's words, why it cannot be read
        return False


def _check_folder(folder: Path, today: date | None) -> list[tuple[str, list[Problem]]]:
    checked: list[tuple[str, list[Problem]]] = []
    countries: list[tuple[str, str, str]] = []
    snapshots = folder_snapshots(folder, display_path(folder))
    for snapshot, shown in zip(snapshots, display_paths(snapshots), strict=True):
        try:
            profile = load_profile(snapshot, shown, today)
        except InputError as exc:
            checked.append((shown, list(exc.problems)))
            continue
        checked.append((shown, []))
        countries.append((shown, profile.country, str(profile.data["iso3"])))
    mismatch = country_mismatch(countries)
    if mismatch is not None:
        for shown, problems in checked:
            if shown == mismatch.file:
                problems.append(mismatch)
    return checked


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return schema_validator(profile_schema())


@cache
def _quick_check() -> Check | None:
    return quick_check(profile_schema())


def load_profile(
    path: Path,
    label: str | None = None,
    today: date | None = None,
    labels: Callable[[Path], str] = display_path,
    parsed: Document | None = None,
) -> Profile:
    """Read, parse and validate one profile; raise InputError listing every problem.

    `labels` names the snapshots it extends, `parsed` is the file already read (see
    load_snapshot).
    """
    doc = load_snapshot(path, label, labels, parsed)
    resolved = resolve_uncertain(doc, profile_schema()) if isinstance(doc.data, dict) else None
    problems = [*resolved.problems] if resolved else []
    problems += validate_document(doc, today or date.today(), resolved.wrong if resolved else ())
    if not problems and resolved is not None:
        problems += _range_end_problems(doc, resolved.fields, today or date.today())
    if problems:
        raise InputError(problems)
    return Profile(doc, resolved.fields if resolved else ())


def _range_end_problems(
    doc: Document, fields: tuple[UncertainField, ...], today: date
) -> list[Problem]:
    """What would be wrong with the profile at the ends of its ranges (a year after as_of, a
    count that contradicts another field), which sampling would otherwise assess silently."""
    ranges = [f for f in fields if f.form == "range"]
    if not ranges:  # nothing to move: the profile as written was just checked
        return []
    out: list[Problem] = []
    seen: set[str] = set()
    for end in ("low", "high"):
        values = [(f.path, getattr(f, end)) for f in ranges]
        data = with_values(doc.data, values)
        for problem in validate_document(dataclasses.replace(doc, data=data, problems=()), today):
            if str(problem) not in seen:
                seen.add(str(problem))
                out.append(
                    dataclasses.replace(
                        problem, message=f"{problem.message} (with every range at its {end} end)"
                    )
                )
    return out


def validate_document(doc: Document, today: date, skip: tuple[YamlPath, ...] = ()) -> list[Problem]:
    """Every problem in a parsed profile: YAML, schema and cross-references alike."""
    shape = doc.not_a_mapping(
        "a profile", "start the file with 'schema_version: 1' and the profile's fields"
    )
    if shape is not None:
        return [shape]
    problems = list(doc.problems)
    # A value the YAML reader refused (a huge number, a bad date) was already reported on its
    # line: the schema's complaint about what is left there would say the same thing twice.
    read = {(p.file, p.line) for p in doc.problems}
    quick = _quick_check()
    if quick is None or not quick(doc.data):  # the full validator words what is wrong
        problems += [
            problem
            for err in _validator().iter_errors(doc.data)
            if not any(error_path(err)[: len(at)] == at for at in skip)
            for problem in _schema_problems(doc, err)
            if (problem.file, problem.line) not in read
        ]
    survey = _Survey(doc.data)
    problems += _reference_problems(doc, today, survey)
    if survey.unreadable:
        problems += _unreadable_values(doc, doc.data, ())
    return problems


_ROOT: Any = object()  # the key above the top level


class _Survey:
    """One walk over a profile's data that finds whether the walks that word problems can
    find anything: a list that repeats an id, a value the engine cannot read, and every
    source id cited. A valid profile has none of the first two and cites only its sources,
    so those walks (each as long as this one) are skipped. A value of any type but JSON's
    (data made in code) lets every walk run."""

    __slots__ = ("cited", "repeated_id", "unreadable")

    def __init__(self, data: Any) -> None:
        self.repeated_id = self.unreadable = False
        self.cited: set[str] | None = set()  # None: not known, the citation walk runs
        _survey(data, _ROOT, None, self)

    def look_everywhere(self) -> None:
        """A value of a type the survey does not know: every walk runs."""
        self.repeated_id = self.unreadable = True
        self.cited = None


_PLAIN_TYPES = frozenset({int, bool, type(None)})  # nothing for the walks to find in these


def _survey(value: Any, key: Any, above: Any, survey: _Survey) -> None:
    """`value`, found under `key` (None: a list index) in a container found under `above`."""
    if type(value) is dict:
        for k, item in value.items():
            kind = type(item)
            if kind is str:
                if len(item) > _LONG:
                    survey.unreadable = True
            elif kind is dict or kind is list:
                _survey(item, k, key, survey)
            elif kind is float:
                if not engine_readable(item):
                    survey.unreadable = True
            elif kind not in _PLAIN_TYPES:
                survey.look_everywhere()
        return
    if type(value) is not list:
        survey.look_everywhere()
        return
    # A list of source ids, as `_citations` finds them.
    if survey.cited is not None and (
        (key == "sources" and above is not _ROOT) or above == "field_sources"
    ):
        survey.cited.update(ref for ref in value if isinstance(ref, str))
    ids: set[str] = set()
    for item in value:
        kind = type(item)
        if kind is dict:
            ident = item.get("id")
            if isinstance(ident, str):
                if ident in ids:
                    survey.repeated_id = True
                ids.add(ident)
            _survey(item, None, key, survey)
        elif kind is str:
            if len(item) > _LONG:
                survey.unreadable = True
        elif kind is list:
            _survey(item, None, key, survey)
        elif kind is float:
            if not engine_readable(item):
                survey.unreadable = True
        elif kind not in _PLAIN_TYPES:
            survey.look_everywhere()


# durable_rules' `matches` reads at most 65,535 bytes of a text, as UTF-8 with JSON escapes
# (an unsigned short length in events.c): a longer text would be matched silently wrong.
MAX_TEXT_BYTES = 65_535


def engine_readable(number: float) -> bool:
    """Whether durable_rules' JSON reader reads this float as Python writes it.

    It misreads an exponent without a decimal point (`1e-05`, `1e+16`) and silently drops the
    fact that holds it; `1.5e-07` and plain decimals are read.
    """
    text = repr(number)
    return "e" not in text or "." in text


_LONG = MAX_TEXT_BYTES // 6  # a text this long or shorter is within the limit however written


def _unreadable_values(doc: Document, value: Any, path: YamlPath) -> list[Problem]:
    """A problem for every text longer than the engine can match, or number it cannot read."""
    if not isinstance(value, dict | list):
        return _unreadable_value(doc, value, path)
    out: list[Problem] = []
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        if isinstance(item, dict | list):
            out += _unreadable_values(doc, item, (*path, key))
        elif isinstance(item, float) or (isinstance(item, str) and len(item) > _LONG):
            out += _unreadable_value(doc, item, (*path, key))
    return out


def _unreadable_value(doc: Document, value: Any, path: YamlPath) -> list[Problem]:
    if isinstance(value, float) and not engine_readable(value):
        return [
            doc.problem(
                path,
                f"{format_path(path)}: {value!r} is written in a form the rules engine cannot read",
                "round it (for example to 4 decimal places), or write 0",
            )
        ]
    if not isinstance(value, str) or len(value) <= _LONG:
        return []
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8")) - 2
    if size <= MAX_TEXT_BYTES:
        return []
    extra = "" if size == len(value) else f" ({size:,} bytes as the rules engine stores it)"
    return [
        doc.problem(
            path,
            f"{format_path(path)}: text is {len(value):,} characters{extra}, over the limit "
            f"of {MAX_TEXT_BYTES:,}",
            "shorten it or split it",
        )
    ]


def _schema_problems(doc: Document, err: jsonschema.ValidationError) -> list[Problem]:
    path = error_path(err)
    if err.validator == "minimum" and err.validator_value == 0:
        field = format_path(path)
        return [
            doc.problem(path, f"{field}: {err.instance} is negative", "amounts cannot be below 0")
        ]
    if err.validator == "const" and path == ("schema_version",):
        return [
            doc.problem(
                path,
                f"schema_version: {err.instance} is not supported",
                f"this version of ssa-risk reads schema_version {err.validator_value}",
            )
        ]
    return [_renamed(doc, at, problem) for at, problem in error_problems(doc, err)]


def _renamed(doc: Document, at: YamlPath, problem: Problem) -> Problem:
    """The schema's problem, or a plainer one where a field's form changed."""
    if at == ("assistance", "framework"):
        return doc.problem(
            at,
            "assistance.framework: a profile lists its frameworks under 'frameworks:'",
            "write 'frameworks:' as a list, one entry per framework with its status "
            "(e.g. frameworks: [{name: Action Plan, signed: 2017, status: active}])",
        )
    if at[:2] == ("assistance", "other_donors") and len(at) == 3:
        donors = _section(doc.data, "assistance").get("other_donors")
        donor = donors[at[2]] if isinstance(donors, list) and isinstance(at[2], int) else None
        if isinstance(donor, str):
            return doc.problem(
                at,
                f"{format_path(at)}: '{donor}' is a name, but a donor is written as a mapping",
                f"write {{name: {donor}}} (add annual_usd and focus where the sources give them)",
            )
    return problem


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mapping items of a list, with their indexes; nothing if it is not a list."""
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _reference_problems(doc: Document, today: date, survey: _Survey) -> list[Problem]:
    """Checks the schema cannot express; written to cope with data the schema rejected."""
    data: dict[str, Any] = doc.data
    problems: list[Problem] = []

    def add(path: YamlPath, message: str, fix: str) -> None:
        problems.append(doc.problem(path, f"{format_path(path)}: {message}", fix))

    if len(doc.texts) == 1 and survey.repeated_id:  # a chain's files are checked as loaded
        problems += all_duplicate_ids(doc)
    source_ids = [s["id"] for _, s in _dicts(data.get("sources")) if isinstance(s.get("id"), str)]
    known = set(source_ids)
    if survey.cited is None or not survey.cited <= known:
        for path, value in _citations(data, ()):
            for j, ref in enumerate(value):
                if isinstance(ref, str) and ref not in known:
                    hint = did_you_mean(ref, source_ids, "add it under 'sources:'")
                    add((*path, j), f"unknown source id '{ref}'", hint)

    institutions = _dicts(data.get("institutions"))
    inst_ids = [i.get("id") for _, i in institutions]
    refs: list[tuple[YamlPath, object]] = []
    for i, rivalry in _dicts(data.get("rivalries")):
        between = rivalry.get("between")
        if isinstance(between, list):
            refs += [(("rivalries", i, "between", j), p) for j, p in enumerate(between)]
    for i, abuse in _dicts(_section(data, "human_rights").get("abuses")):
        refs.append((("human_rights", "abuses", i, "unit"), abuse.get("unit")))
    programmes = _dicts(_section(data, "assistance").get("programmes"))
    for i, programme in programmes:
        if "recipient" in programme:
            refs.append((("assistance", "programmes", i, "recipient"), programme["recipient"]))
    for path, ref in refs:
        if isinstance(ref, str) and ref not in inst_ids:
            hint = did_you_mean(ref, inst_ids, "add it under 'institutions:'")
            add(path, f"unknown institution '{ref}'", hint)

    problems += _parent_problems(doc, institutions)
    problems += _consistency_problems(doc, data)
    problems += _date_problems(doc, data, today)
    problems += _amount_problems(doc, programmes)
    return problems


def _parent_problems(
    doc: Document, institutions: list[tuple[int, dict[str, Any]]]
) -> list[Problem]:
    """Each `parent` names another institution, and following parents never comes back."""
    out = []
    parents = {
        inst["id"]: inst.get("parent")
        for _, inst in institutions
        if isinstance(inst.get("id"), str)
    }
    reported: set[str] = set()
    for i, inst in institutions:
        own, parent = inst.get("id"), inst.get("parent")
        if not isinstance(parent, str):
            continue
        path: YamlPath = ("institutions", i, "parent")
        if parent == own:
            out.append(
                doc.problem(
                    path,
                    f"{format_path(path)}: '{parent}' is this institution itself",
                    "name the institution this unit belongs to, or leave parent out",
                )
            )
            continue
        if parent not in parents:
            others = [k for k in parents if k != own]
            hint = did_you_mean(parent, others, "add it under 'institutions:', or fix the id")
            out.append(
                doc.problem(path, f"{format_path(path)}: unknown institution '{parent}'", hint)
            )
            continue
        chain = [own, parent]
        while isinstance(chain[-1], str) and chain[-1] not in chain[:-1]:
            chain.append(parents.get(chain[-1]))
        if chain[-1] == own and own not in reported:
            reported.update(str(c) for c in chain)
            out.append(
                doc.problem(
                    path,
                    f"{format_path(path)}: parents go round in a circle "
                    f"({' → '.join(map(str, chain))})",
                    "a unit's parents must end at an institution with no parent; remove one "
                    "of these parents",
                )
            )
    return out


def _consistency_problems(doc: Document, data: dict[str, Any]) -> list[Problem]:
    """Fields that contradict each other within one profile."""
    out = []

    def add(path: YamlPath, message: str, fix: str) -> None:
        out.append(doc.problem(path, f"{format_path(path)}: {message}", fix))

    civil = _section(data, "civil_military")
    for i, coup in _dicts(civil.get("coups")):
        if coup.get("kind") == "attempt" and coup.get("outcome") == "succeeded":
            add(
                ("civil_military", "coups", i, "outcome"),
                "an attempt (kind: attempt) cannot have succeeded",
                "write the kind of seizure that succeeded (military, palace or self_coup), or "
                "the attempt's outcome (failed, foiled or alleged)",
            )
    if civil.get("military_held_power") is False and _positive(civil.get("military_rule_years")):
        add(
            ("civil_military", "military_rule_years"),
            f"{civil['military_rule_years']} years of military rule, but military_held_power "
            "is false",
            "set military_held_power: true, or correct military_rule_years",
        )
    alternations = civil.get("peaceful_alternations")
    if alternations == 0 and isinstance(civil.get("last_peaceful_alternation"), int):
        add(
            ("civil_military", "last_peaceful_alternation"),
            "a year is given, but peaceful_alternations is 0",
            "count that alternation in peaceful_alternations, or remove the year",
        )
    context = _section(data, "political_context")
    if context.get("emergency_powers_in_force") is False and "emergency_scope" in context:
        add(
            ("political_context", "emergency_scope"),
            "a scope is given, but emergency_powers_in_force is false",
            "remove emergency_scope, or set emergency_powers_in_force: true",
        )
    return out


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _date_problems(doc: Document, data: dict[str, Any], today: date) -> list[Problem]:
    as_of = data.get("as_of")
    if not isinstance(as_of, str) or not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", as_of):
        return []
    out = []
    if as_of > today.isoformat()[: len(as_of)]:
        out.append(
            doc.problem(
                ("as_of",),
                f"as_of: {as_of} is in the future",
                "use the date the profile describes, today or earlier",
            )
        )
    year = int(as_of[:4])
    dated: list[tuple[YamlPath, object]] = []
    for i, coup in _dicts(_section(data, "civil_military").get("coups")):
        dated.append((("civil_military", "coups", i, "year"), coup.get("year")))
        restored = ("civil_military", "coups", i, "elected_government_since")
        dated.append((restored, coup.get("elected_government_since")))
        since, then = coup.get("elected_government_since"), coup.get("year")
        if isinstance(since, int) and isinstance(then, int) and since < then:
            out.append(
                doc.problem(
                    restored,
                    f"{format_path(restored)}: {since} is before the coup ({then})",
                    "give the year an elected government took office after the coup",
                )
            )
    for i, programme in _dicts(_section(data, "assistance").get("programmes")):
        dated.append((("assistance", "programmes", i, "from_fy"), programme.get("from_fy")))
    civil = _section(data, "civil_military")
    for key in ("last_peaceful_alternation", "returned_to_civilian_oversight"):
        dated.append((("civil_military", key), civil.get(key)))
    for i, coup in _dicts(civil.get("neighbour_coups")):
        dated.append((("civil_military", "neighbour_coups", i, "year"), coup.get("year")))
    for i, force in _dicts(data.get("foreign_forces")):
        dated.append((("foreign_forces", i, "since"), force.get("since")))
    for i, abuse in _dicts(_section(data, "human_rights").get("abuses")):
        dated.append((("human_rights", "abuses", i, "since"), abuse.get("since")))
    due = _section(data, "political_context").get("elections_due")
    if isinstance(due, int) and not isinstance(due, bool) and due < year:
        due_at: YamlPath = ("political_context", "elections_due")
        out.append(
            doc.problem(
                due_at,
                f"{format_path(due_at)}: {due} is before the profile's as_of date ({as_of})",
                "give the year of the next elections after as_of, or leave it out",
            )
        )
    for path, value in dated:
        if isinstance(value, int) and not isinstance(value, bool) and value > year:
            out.append(
                doc.problem(
                    path,
                    f"{format_path(path)}: {value} is after the profile's as_of date ({as_of})",
                    "record only what was known by as_of, or move as_of later",
                )
            )
    return out


def _amount_problems(doc: Document, programmes: list[tuple[int, dict[str, Any]]]) -> list[Problem]:
    out = []
    spans: dict[tuple[int, int], int] = {}
    for i, p in programmes:
        base: YamlPath = ("assistance", "programmes", i)
        start, end = p.get("from_fy"), p.get("to_fy")
        if not (isinstance(start, int) and isinstance(end, int)):
            continue
        by_year, total = p.get("by_year"), p.get("total_usd")
        if isinstance(total, int):
            spans[(start, end)] = spans.get((start, end), 0) + total
        if end < start:
            out.append(
                doc.problem(
                    (*base, "to_fy"),
                    f"{format_path((*base, 'to_fy'))}: ends ({end}) before it starts ({start})",
                    "swap from_fy and to_fy",
                )
            )
            continue
        if not isinstance(by_year, list) or not all(isinstance(a, int) for a in by_year):
            continue
        years = end - start + 1
        if len(by_year) != years:
            out.append(
                doc.problem(
                    (*base, "by_year"),
                    f"{format_path((*base, 'by_year'))}: {len(by_year)} amounts for {years} "
                    f"fiscal years ({start}-{end})",
                    "give one amount per fiscal year, 0 where nothing was provided",
                )
            )
        elif isinstance(total, int) and sum(by_year) != total:
            out.append(
                doc.problem(
                    (*base, "total_usd"),
                    f"{format_path((*base, 'total_usd'))}: declared total {total:,} but the "
                    f"yearly amounts add up to {sum(by_year):,}",
                    "correct the total or the yearly amounts",
                )
            )
    section = _section(doc.data, "assistance")
    for i, declared in _dicts(section.get("period_totals")):
        span = (declared.get("from_fy"), declared.get("to_fy"))
        total = declared.get("total_usd")
        if not isinstance(total, int) or span not in spans or spans[span] == total:
            continue
        path: YamlPath = ("assistance", "period_totals", i, "total_usd")
        out.append(
            doc.problem(
                path,
                f"{format_path(path)}: declared total {total:,} for FY{span[0]}-FY{span[1]} but "
                f"the programmes for those years add up to {spans[span]:,}",
                "correct the total or the programme amounts",
            )
        )
    return out


def _citations(value: Any, path: YamlPath) -> list[tuple[YamlPath, list[Any]]]:
    """Every list of source ids (an object's `sources`, a `field_sources` entry), in the order
    the file writes them."""
    out: list[tuple[YamlPath, list[Any]]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict | list):
                out += _citations(v, (*path, k))
    elif isinstance(value, list):
        if (path[-1:] == ("sources",) and path != ("sources",)) or path[-2:-1] == (
            "field_sources",
        ):
            out.append((path, value))
        for i, v in enumerate(value):
            if isinstance(v, dict | list):
                out += _citations(v, (*path, i))
    return out
