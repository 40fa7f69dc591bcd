"""Load a proposal (a package of assistance lines for one country) and the decision record
that goes with it, check them, and turn each line into a `line` fact for the rules.

A proposal names the country profile it rests on, relative to its own file; every line's
recipient must be an institution of that profile. A decision file names its proposal the same
way. Problems name the file and line, all found in one pass. Which findings a decision may
name is only known once the proposal is assessed: assessment/proposal.py checks that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssa_risk.base.errors import InputError, Problem
from ssa_risk.base.paths import display_path
from ssa_risk.base.project import SCHEMA_DIR
from ssa_risk.base.source import Document, YamlPath, load_yaml
from ssa_risk.base.suggest import did_you_mean
from ssa_risk.base.validator import schema_problems, schema_validator
from ssa_risk.profile.derived import (
    PLAN_LAST_YEAR,
    RECIPIENT_KIND,
    RECIPIENT_PARENT,
    derived_values,
)
from ssa_risk.profile.facts import LINE_FACT, Fact, engine_field
from ssa_risk.profile.proposal_schema import ACTIVITY as ACTIVITY_NODE
from ssa_risk.profile.proposal_schema import EQUIPMENT as EQUIPMENT_NODE
from ssa_risk.profile.proposal_schema import LINE_ITEM
from ssa_risk.profile.proposal_schema import MITIGATION_KIND as MITIGATION_NODE
from ssa_risk.profile.proposal_schema import TRAINING as TRAINING_NODE
from ssa_risk.profile.reader import Profile, load_profile
from ssa_risk.profile.snapshots import other_kind

if TYPE_CHECKING:
    import jsonschema

PROPOSAL_SCHEMA = SCHEMA_DIR / "proposal.schema.json"  # from proposal_schema.py
DECISION_SCHEMA = SCHEMA_DIR / "decision.schema.json"


@dataclass(frozen=True)
class Proposal:
    """A validated proposal, with the profile it rests on."""

    doc: Document
    profile: Profile

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def lines(self) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = self.data["lines"]
        return lines

    @property
    def as_of(self) -> str:
        """The proposal's date: its own, else its profile's."""
        return str(self.data.get("as_of") or self.profile.as_of)

    @property
    def path(self) -> str:
        return self.doc.path


@dataclass(frozen=True)
class DecisionEntry:
    """One accepted risk or waiver, where it is written."""

    finding: str
    unit: str | None
    line_id: str | None
    kind: str  # accepted_risk | waiver
    justification: str
    authority: str
    approved: str
    expires: str
    file: str
    line: int | None
    index: int


@dataclass(frozen=True)
class Decisions:
    doc: Document
    entries: tuple[DecisionEntry, ...]

    @property
    def as_of(self) -> str | None:
        """The record's date, if it gives one."""
        value = self.doc.data.get("as_of")
        return str(value) if value else None

    @property
    def path(self) -> str:
        return self.doc.path


@cache
def _validator(path: Path) -> jsonschema.Draft202012Validator:
    return schema_validator(json.loads(path.read_text(encoding="utf-8")))


def _read(
    path: Path, label: str | None, schema: Path, what: str, parsed: Document | None = None
) -> Document:
    if parsed is None:
        parsed = load_yaml(path, label or display_path(path), lenient=True)
    doc = parsed
    other = other_kind(doc)
    if other is not None and other[0] != what:
        raise InputError([doc.problem((), f"is {other[0]}, not {what}", other[1])])
    problems = list(doc.problems)
    wrong = doc.not_a_mapping(what, "start from the bundled example in proposals/")
    if wrong is not None:
        raise InputError([*problems, wrong])
    problems += [p for _, p in schema_problems(doc, _validator(schema))]
    if problems:
        raise InputError(problems)
    return doc


def _beside(doc: Document, path: Path, key: str, fix: str) -> Path:
    """The file `key` names, relative to the file `doc` was read from."""
    target = path.parent / str(doc.data[key])
    if not target.is_file():
        raise InputError(
            [doc.problem((key,), f"'{doc.data[key]}' is not a file ({display_path(target)})", fix)]
        )
    return target


def load_proposal(
    path: Path,
    label: str | None = None,
    today: date | None = None,
    parsed: Document | None = None,
) -> Proposal:
    """Read and check a proposal and the profile it names; raise InputError listing every
    problem of the proposal (or, if the profile cannot be read, every problem of the profile).
    `parsed`: the file already read (leniently, under the same label)."""
    doc = _read(path, label, PROPOSAL_SCHEMA, "a proposal", parsed)
    profile_path = _beside(
        doc, path, "profile", "write the path of the country profile, relative to this file"
    )
    profile = load_profile(profile_path, today=today)
    problems = _line_problems(doc, profile)
    as_of = doc.data.get("as_of")
    if isinstance(as_of, str) and as_of[:7] < profile.as_of[:7]:
        problems.append(
            doc.problem(
                ("as_of",),
                f"the proposal is dated {as_of}, before its profile's as_of {profile.as_of}",
                "assess it on a profile as of the proposal's date or earlier",
            )
        )
    if problems:
        raise InputError(problems)
    return Proposal(doc, profile)


@cache
def _lines_validator() -> jsonschema.Draft202012Validator:
    return schema_validator(
        {
            "type": "object",
            "properties": {"lines": {"type": "array", "items": LINE_ITEM}},
        }
    )


def check_lines(doc: Document, profile: Profile) -> list[Problem]:
    """Every problem of the lines in `doc.data["lines"]` (a rule example's), against the
    proposal schema and the profile's institutions."""
    problems = [p for _, p in schema_problems(doc, _lines_validator())]
    return problems or _line_problems(doc, profile)


def _line_problems(doc: Document, profile: Profile) -> list[Problem]:
    institutions = {
        str(i["id"]): i for i in profile.data.get("institutions") or () if isinstance(i, Mapping)
    }
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, line in enumerate(doc.data["lines"]):
        at: YamlPath = ("lines", i)
        line_id = str(line["id"])
        if line_id in first:
            problems.append(
                doc.problem(
                    (*at, "id"),
                    f"line id '{line_id}' is also used by line {first[line_id] + 1}",
                    "give each line its own id",
                )
            )
        first.setdefault(line_id, i)
        recipient = str(line["recipient"])
        if recipient not in institutions:
            problems.append(
                doc.problem(
                    (*at, "recipient"),
                    f"'{recipient}' is not an institution of {profile.path}",
                    did_you_mean(
                        recipient,
                        institutions,
                        "name one of its institutions: " + ", ".join(sorted(institutions))
                        if institutions
                        else "add the recipient to the profile's institutions first",
                    ),
                )
            )
        if int(line["from_fy"]) > int(line["to_fy"]):
            problems.append(
                doc.problem(
                    (*at, "to_fy"),
                    f"the line ends in FY{line['to_fy']}, before it starts in FY{line['from_fy']}",
                    "give the last fiscal year in to_fy, at or after from_fy",
                )
            )
        activity = line["activity"]
        for field in ("equipment", "training"):
            if activity == field and field not in line:
                problems.append(
                    doc.problem(
                        at,
                        f"line '{line_id}' is {field} but does not say which",
                        f"add '{field}:' (see the schema for its values)",
                    )
                )
            elif field in line and activity != field:
                problems.append(
                    doc.problem(
                        (*at, field),
                        f"'{field}:' is given for a line whose activity is {activity}",
                        f"remove it, or make the activity {field}",
                    )
                )
    return problems


def line_facts(proposal: Proposal) -> list[Fact]:
    """One `line` fact per line, with the recipient's kind and parent from the profile."""
    return lines_as_facts(proposal.lines, proposal.profile)


def lines_as_facts(lines: Sequence[Mapping[str, Any]], profile: Profile) -> list[Fact]:
    institutions = {
        str(i["id"]): i for i in profile.data.get("institutions") or () if isinstance(i, Mapping)
    }
    out = []
    plan_last_year = _plan_last_year(profile)
    for i, line in enumerate(lines):
        recipient = institutions.get(str(line["recipient"]), {})
        value = {
            **line,
            RECIPIENT_KIND: recipient.get("kind"),
            RECIPIENT_PARENT: recipient.get("parent"),
            PLAN_LAST_YEAR: plan_last_year,
        }
        fields = {
            engine_field(k): v for k, v in line.items() if k not in ("mitigations", "objectives")
        }
        fields.update(derived_values(LINE_FACT, value, profile.as_of_year))
        out.append(Fact(f"lines[{i}]", LINE_FACT, ("lines", i), fields))
    return out


def _plan_last_year(profile: Profile) -> int | None:
    """The last year of the profile's active assistance frameworks that say when they were
    signed and how long they run (the latest, if there are several), else None."""
    frameworks = (profile.data.get("assistance") or {}).get("frameworks") or ()
    ends = [
        int(f["signed"]) + int(f["duration_years"]) - 1
        for f in frameworks
        if isinstance(f, Mapping)
        and f.get("status") == "active"
        and isinstance(f.get("signed"), int)
        and isinstance(f.get("duration_years"), int)
    ]
    return max(ends) if ends else None


def with_lines(profile: Profile, proposal_doc: Document) -> Profile:
    """The profile with the proposal's lines laid beside its facts, so that a finding about a
    line points at the proposal file's lines and the profile's facts at the profile's."""
    doc = profile.doc
    merged = Document(
        doc.path,
        {**doc.data, "lines": proposal_doc.data["lines"]},
        {
            **doc.locations,
            **{p: loc for p, loc in proposal_doc.locations.items() if p[:1] == ("lines",)},
        },
        doc.texts,
        doc.problems,
    )
    return Profile(merged, profile.uncertain)


def load_decisions(
    path: Path, label: str | None = None, parsed: Document | None = None
) -> Decisions:
    """Read and check a decision file (its own fields; what it names is checked on
    assessment). `parsed`: the file already read (leniently, under the same label)."""
    doc = _read(path, label, DECISION_SCHEMA, "a decision record", parsed)
    problems = []
    entries = []
    for i, item in enumerate(doc.data["decisions"]):
        at: YamlPath = ("decisions", i)
        if str(item["expires"]) < str(item["approved"]):
            problems.append(
                doc.problem(
                    (*at, "expires"),
                    f"it expires ({item['expires']}) before it was approved ({item['approved']})",
                    "give the date it lapses, after the date it was approved",
                )
            )
        if "unit" in item and "line" in item:
            problems.append(
                doc.problem(
                    (*at, "unit"),
                    "an entry names both a unit and a line",
                    "name the unit for a finding about the country's institutions, the line "
                    "for a finding about a line of the proposal",
                )
            )
        loc = doc.location(at)
        entries.append(
            DecisionEntry(
                str(item["finding"]),
                str(item["unit"]) if "unit" in item else None,
                str(item["line"]) if "line" in item else None,
                str(item["kind"]),
                " ".join(str(item["justification"]).split()),
                str(item["authority"]),
                str(item["approved"]),
                str(item["expires"]),
                loc.file if loc else doc.path,
                loc.line if loc else None,
                i,
            )
        )
    if problems:
        raise InputError(problems)
    return Decisions(doc, tuple(entries))


def decisions_proposal(decisions: Decisions, path: Path) -> Path:
    """The proposal file a decision file names, relative to it."""
    return _beside(
        decisions.doc, path, "proposal", "write the path of the proposal, relative to this file"
    )


def proposal_skeleton(
    profile: Profile, profile_ref: str, proposal_id: str, header: Sequence[str]
) -> str:
    """A commented proposal for `profile` (named `profile_ref` from where the proposal will
    be written) that validates as written: one line, to be edited, and the choices in
    comments."""
    institutions = [
        (str(i["id"]), str(i.get("name") or i["id"]))
        for i in profile.data.get("institutions") or ()
        if isinstance(i, Mapping)
    ]
    first = institutions[0][0] if institutions else "armed_forces"

    def choices(node: Mapping[str, Any]) -> list[str]:
        return [
            f"#   {value}: {meaning}"
            for value, meaning in zip(node["enum"], node["enumDescriptions"], strict=True)
        ]

    year = profile.as_of_year
    out = [
        *header,
        f"# A proposal of security assistance for {profile.country}, resting on the profile",
        f"# {profile_ref} (as of {profile.as_of}). Assess it with:",
        "#   ssa-risk proposal THIS_FILE [--decision DECISION_FILE]",
        "schema_version: 1",
        f"id: {proposal_id}",
        f"title: Security assistance to {profile.country}",
        f"profile: {profile_ref}",
        f'as_of: "{profile.as_of}"',
        "# sponsor: the office that proposes it",
        "# summary: >-",
        "#   What the package is for, in a few sentences.",
        "lines:",
        "  # One entry per activity for one recipient. Recipients (institutions of the profile):",
        *[f"  #   {i}: {name}" for i, name in institutions],
        "  # activity:",
        *["  " + c for c in choices(ACTIVITY_NODE)],
        "  # equipment (with activity: equipment):",
        *["  " + c for c in choices(EQUIPMENT_NODE)],
        "  # training (with activity: training):",
        *["  " + c for c in choices(TRAINING_NODE)],
        "  - id: line-1",
        "    title: Institution building for the recipient",
        "    activity: institution_building",
        f"    recipient: {first}",
        "    amount_usd: 1000000",
        f"    from_fy: {year + 1}",
        f"    to_fy: {year + 2}",
        "    objectives:",
        "      - A result that can be checked at the end of the line",
        "    # benchmarks: reform benchmarks the partner must meet for the line to continue",
        "    # - A benchmark",
        "    mitigations:",
        "      # kind:",
        *["      " + c for c in choices(MITIGATION_NODE)],
        "      # addresses: the rule ids of the risks it answers ('ssa-risk rules list');",
        "      # a mitigation that names none is flagged in the report.",
        "      - kind: phased_release",
        "        text: Release each year's funds after a review of the previous year's results.",
        "        addresses: []",
        "",
    ]
    return "\n".join(out)


def read_kind(path: Path) -> tuple[str | None, Document | None]:
    """ "proposal" or "decision" when a YAML file is one (by its top-level keys), else None;
    and the file as read (leniently, labelled as display_path shows it), for the loader to go
    on with. (None, None) for a file that cannot be read: the profile reader says why."""
    try:
        doc = load_yaml(path, display_path(path), lenient=True)
    except InputError:
        return None, None
    other = other_kind(doc)
    kind = None if other is None else "proposal" if other[0] == "a proposal" else "decision"
    return kind, doc
