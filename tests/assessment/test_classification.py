"""The handling marking: a profile's own `classification:`, else the default, carried on the
Assessment and in its JSON."""

from __future__ import annotations

import json
from pathlib import Path

from ssa_risk.assessment.assessor import Assessor
from ssa_risk.assessment.model import Assessment
from ssa_risk.assessment.serialize import assessment_from_json, assessment_json
from ssa_risk.profile.reader import check_paths
from tests.helpers import DEFAULT_RULES, DEFAULT_TEMPLATES, TUNISIA_2020, edit_file


def _assess(path: Path) -> Assessment:
    return Assessor.load(DEFAULT_RULES, DEFAULT_TEMPLATES).assess(path, "tunisia/2020.yaml")


def test_default_marking():
    assessment = _assess(TUNISIA_2020)
    assert assessment.classification == "UNCLASSIFIED — FOR REVIEW"
    assert json.loads(assessment_json(assessment))["classification"] == "UNCLASSIFIED — FOR REVIEW"


def test_a_profiles_own_marking_is_kept_and_read_back(tunisia_copy):
    profile = tunisia_copy / "2020.yaml"
    edit_file(profile, "as_of: 2020-07\n", "as_of: 2020-07\nclassification: OFFICIAL  SENSITIVE\n")
    assessment = _assess(profile)
    assert assessment.classification == "OFFICIAL SENSITIVE"  # spaces tidied, as in summary
    assert assessment_from_json(assessment_json(assessment), "a.json") == assessment


def test_an_assessment_saved_before_the_marking_reads_back_with_the_default():
    data = json.loads(assessment_json(_assess(TUNISIA_2020)))
    del data["classification"]
    read = assessment_from_json(json.dumps(data), "old.json")
    assert read.classification == "UNCLASSIFIED — FOR REVIEW"


def test_the_marking_is_one_line(tunisia_copy):
    profile = tunisia_copy / "2020.yaml"
    edit_file(profile, "as_of: 2020-07\n", 'as_of: 2020-07\nclassification: "A\\nB"\n')
    [(_, problems)] = check_paths([profile])
    assert [str(p) for p in problems] == [
        f"{profile}:12:1: classification: must be one line — write it on one line "
        "(a summary or note field can span lines)"
    ]
