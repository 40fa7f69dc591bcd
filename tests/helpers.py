"""Helpers shared by the tests of every package: bundled paths, small rule and fact builders."""

from __future__ import annotations

import hashlib
import json
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.base.errors import InputError
from ssa_risk.base.source import load_yaml
from ssa_risk.evaluation.compiler import CompiledRuleset, compile_rule
from ssa_risk.profile.facts import Fact
from ssa_risk.rules.loader import FieldTest, Pattern, Rule
from ssa_risk.rules.model import Recommendation

# The checkout's own folders (its ssa-risk.toml names them), not the installed package data.
REPO_ROOT = Path(__file__).resolve().parents[1]
CASES = REPO_ROOT / "cases"  # the backtest's historical cases
DEFAULT_RULES = REPO_ROOT / "rules"
DEFAULT_TEMPLATES = REPO_ROOT / "templates"
DEFAULT_PROFILES = REPO_ROOT / "profiles"

TUNISIA_2020 = DEFAULT_PROFILES / "tunisia" / "2020.yaml"

# The same profile under the tagged rules (v1) and the edited working copy (rules/).
SAME_PROFILE_V1_VS_NOW = (
    "diff",
    "tunisia/2020.yaml",
    "tunisia/2020.yaml",
    "--rules-before",
    "v1:rules",
    "--rules-after",
    "rules",
)


@cache
def bundled_assessor() -> Assessor:
    """The bundled rule set, loaded once for every test module that assesses bundled data."""
    return Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES)


@cache
def assess_bundled(country: str, stem: str) -> Assessment:
    """A bundled snapshot (profiles/<country>/<stem>.yaml) assessed with the bundled rules."""
    return bundled_assessor().assess(DEFAULT_PROFILES / country / f"{stem}.yaml")


# A value a test leaves out of a profile: the field is not recorded.
NOT_RECORDED = None


def abuse_record(unit: str, kind: str, credible: object, remediated: object) -> dict[str, object]:
    """One `human_rights.abuses` entry; `credible` or `remediated` NOT_RECORDED is left out."""
    abuse: dict[str, object] = {"unit": unit, "kind": kind}
    if credible is not NOT_RECORDED:
        abuse["credible"] = credible
    if remediated is not NOT_RECORDED:
        abuse["remediated"] = remediated
    return abuse


def write_testland(
    path: Path, institutions: list[dict[str, object]], abuses: list[dict[str, object]]
) -> Path:
    """A small valid profile of a made-up country (Testland, 2020-06) with these institutions
    and abuses, written to `path`."""
    data = {
        "schema_version": 1,
        "country": "Testland",
        "iso3": "TST",
        "as_of": "2020-06",
        "sources": [{"id": "s1", "title": "A source"}],
        "institutions": institutions,
        "human_rights": {"abuses": abuses},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def fired(assessment: Assessment) -> set[str]:
    """The ids of the rules with a finding in an assessment."""
    return {f.rule_id for f in assessment.findings}


def residuals(assessment: Assessment) -> dict[str, str]:
    """Each lens's residual band (or "not assessed"), by lens id."""
    return {lens.id: lens.residual for lens in assessment.lenses}


def make_rule(rule_id: str, all_: list[Pattern], none: list[Pattern] = (), conclude=None) -> Rule:  # type: ignore[assignment]
    return Rule(
        id=rule_id,
        title=rule_id,
        lens="test",
        severity="low",
        effect="risk",
        all=tuple(all_),
        any=(),
        none=tuple(none),
        conclude=conclude,
        subject=None,
        because="x",
        recommend=(Recommendation("x", "agency", "condition"),),
        cite=(),
        file="t.yaml",
        line=1,
    )


def make_pattern(kind: str, binding: str, **tests: object) -> Pattern:
    return Pattern(kind, binding, tuple(FieldTest(k, "eq", v, 1) for k, v in tests.items()), 1)


def make_compiled(*rules: Rule) -> CompiledRuleset:
    definition = {n: a for r in rules for n, a in compile_rule(r).items()}
    # Named by content, as the engine's rulesets are: a name taken from id() could be reused
    # by a later, different rule set once the first is freed, and the engine, which registers
    # a name once, would then evaluate the earlier rules.
    digest = hashlib.sha256(
        json.dumps([definition, {r.id: r.conclude for r in rules}], sort_keys=True).encode()
    ).hexdigest()[:16]
    name = "test-" + "-".join(r.id for r in rules) + f"-{digest}"
    return CompiledRuleset(
        name,
        definition,
        {r.id: r.conclude for r in rules if r.conclude},
        {n: r.id for r in rules for n in compile_rule(r)},
    )


def make_fact(fid: str, kind: str, **fields: object) -> Fact:
    return Fact(fid, kind, (fid,), fields)


def yaml_problems(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "p.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_yaml(path, "p.yaml")
    return [str(p) for p in info.value.problems]


def edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def diff_json(run_cli, *extra: str):
    result = run_cli(*SAME_PROFILE_V1_VS_NOW, "--format", "json", *extra)
    assert result.exit_code in (0, 3), result.stderr
    return json.loads(result.stdout)


GIT_USER = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid"]


def commit_tagged(root: Path, tag: str = "v1") -> None:
    """Make `root` a git repository whose one commit holds everything in it, tagged `tag`."""
    for args in (["init", "-q"], ["add", "."], [*GIT_USER, "commit", "-qm", tag], ["tag", tag]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
