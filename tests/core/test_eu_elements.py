"""EU Annex I elements as OB 3.0 alignments, checked against the EU vocabulary CSVs."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from typing import Any

import pytest

from credstack.core.achievement import parse_definition
from credstack.core.credential import achievement_json
from credstack.core.errors import ValidationError
from credstack.core.eu_elements import (
    concept_alignment,
    criteria_narrative,
    eu_alignments,
    grade_result,
    workload_statement,
)
from credstack.core.eu_vocabularies import find_concept, vocabulary, vocabulary_names
from fixture_paths import EU_VOCABULARIES, REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "micro-credential.yaml"
SHIPPED = (
    REPO_ROOT / "src" / "credstack" / "core" / "data" / "vocabularies" / "eu_vocabularies.json"
)
ACHIEVEMENT_URL = "https://credstack.example/achievements/ach_1"
# OB 3.0 AlignmentTargetType: the closed list or an ext: extension (schema pattern)
OB_TARGET_TYPES = {"ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CTDL"}
EXT = re.compile(r"^ext:[A-Za-z0-9._-]+$")


def _eu_csv_rows() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for path in EU_VOCABULARIES.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("uri"):
                    rows[row["uri"]] = row
    return rows


def _example_alignments() -> list[dict[str, Any]]:
    defn = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    achievement = achievement_json(defn, achievement_id_url=ACHIEVEMENT_URL)
    alignments: list[dict[str, Any]] = achievement["alignment"]
    return alignments


def test_every_shipped_concept_exists_in_the_eu_csvs_with_its_label() -> None:
    rows = _eu_csv_rows()
    for name in vocabulary_names():
        vocab = vocabulary(name)
        for concept in vocab.concepts:
            row = rows[concept.uri]
            assert row["label_en"].strip() == concept.label
            assert row["vocabulary"] == vocab.scheme


def test_every_eu_uri_in_the_example_credential_exists_in_the_eu_csvs() -> None:
    rows = _eu_csv_rows()
    eu = [
        a for a in _example_alignments() if a["targetUrl"].startswith("http://data.europa.eu/snb")
    ]
    # ECTS, EQF, 2 assessments, mode, setting, schedule, 2 activities, opportunity, QA, supervision
    assert len(eu) == 12
    for alignment in eu:
        row = rows[alignment["targetUrl"]]
        assert alignment["targetName"] == row["label_en"].strip()
        assert alignment["targetCode"] == row["notation"]


def test_the_build_script_reproduces_the_shipped_vocabulary_file() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_vocabularies", REPO_ROOT / "scripts" / "build_vocabularies.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build(EU_VOCABULARIES) == json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_target_types_are_valid_ob3_values() -> None:
    for alignment in _example_alignments():
        assert alignment["targetType"] in OB_TARGET_TYPES or EXT.match(alignment["targetType"])
        assert alignment["type"] == ["Alignment"]
        assert alignment["targetName"] and alignment["targetUrl"]


def test_eqf_alignment_matches_the_mapping_note_convention() -> None:
    level = find_concept("eqf_level", 5)
    assert level is not None
    assert concept_alignment(level) == {
        "type": ["Alignment"],
        "targetType": "ext:EQFLevel",
        "targetName": "Level 5",
        "targetUrl": "http://data.europa.eu/snb/eqf/5",
        "targetCode": "5",
        "targetFramework": "European Qualifications Framework for lifelong learning (EQF)",
    }


def test_example_carries_each_mandatory_element_once() -> None:
    by_type: dict[str, list[str]] = {}
    for alignment in _example_alignments():
        by_type.setdefault(alignment["targetType"], []).append(alignment["targetName"])
    assert by_type["ext:EQFLevel"] == ["Level 6"]
    assert by_type["ext:CreditSystem"] == ["European Credit Transfer System"]
    assert by_type["ext:AssessmentType"] == ["project work", "written examination"]
    assert by_type["ext:ModeOfLearningAndAssessment"] == ["Online"]
    assert by_type["ext:QualityAssuranceType"] == ["Institutional Quality Assurance"]
    assert by_type["ext:SupervisionAndIdVerification"] == ["Supervised with ID Verification"]
    assert by_type["ext:StackableTowards"] == ["Certificate in Applied Data Science"]
    assert len(by_type["ext:LearningOutcome"]) == 4
    assert by_type["ext:QualityAssuranceReport"] == [
        "Example National Agency for Quality Assurance in Higher Education"
    ]


def test_learning_outcomes_are_alignments_and_in_the_criteria() -> None:
    defn = parse_definition(
        "name: Git\ndescription: d\nlearning_outcomes: [Create branches, Resolve conflicts]\n"
        "prerequisites: A laptop.\nassessment: quiz\nsupervision: unsupervised"
    )
    outcomes = [a for a in eu_alignments(defn, ACHIEVEMENT_URL) if "Outcome" in a["targetType"]]
    assert [(a["targetName"], a["targetUrl"]) for a in outcomes] == [
        ("Create branches", f"{ACHIEVEMENT_URL}#learning-outcome-1"),
        ("Resolve conflicts", f"{ACHIEVEMENT_URL}#learning-outcome-2"),
    ]
    narrative = criteria_narrative(defn)
    assert "1. Create branches\n2. Resolve conflicts" in narrative
    assert "Quiz. Unsupervised without ID Verification." in narrative
    assert "## Prerequisites\n\nA laptop." in narrative


def test_workload_statement_names_the_unit() -> None:
    defn = parse_definition("name: n\ndescription: d\nects_credits: 1.5\nduration: P3W")
    assert workload_statement(defn) == "Notional workload: 1.5 ECTS credits. Duration: 3 weeks."
    assert workload_statement(parse_definition("name: n\ndescription: d")) is None


def test_grades_link_to_the_grading_scheme() -> None:
    defn = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    achievement = achievement_json(defn, achievement_id_url=ACHIEVEMENT_URL)
    [description] = achievement["resultDescription"]
    assert description == {
        "id": f"{ACHIEVEMENT_URL}#grade",
        "type": ["ResultDescription"],
        "name": "Final grade",
        "resultType": "LetterGrade",
        "allowedValue": ["E", "D", "C", "B", "A"],
        "requiredValue": "E",
    }
    assert grade_result(achievement, "A") == {
        "type": ["Result"],
        "resultDescription": f"{ACHIEVEMENT_URL}#grade",
        "value": "A",
    }
    with pytest.raises(ValidationError):
        grade_result(achievement, "F")
    bare = achievement_json(parse_definition("name: n\ndescription: d"), achievement_id_url="u:1")
    with pytest.raises(ValidationError):
        grade_result(bare, "A")


@pytest.mark.parametrize(
    ("name", "value", "label"),
    [
        ("mode_of_learning", "on-site", "Presential"),
        ("mode_of_learning", "Hybrid", "Hybrid"),
        ("supervision", "supervised", "Supervised without ID Verification"),
        ("learning_setting", "non-formal", "non-formal learning"),
        ("learning_schedule", "Part time intensive", "Part time intensive"),
        ("credit_system", "ECTS", "European Credit Transfer System"),
        ("quality_assurance", "program-license", "Program License"),
        ("eqf_level", "EQF 4", "Level 4"),
        ("eqf_level", "https://data.europa.eu/snb/eqf/8", "Level 8"),
    ],
)
def test_short_codes_and_aliases_resolve(name: str, value: str, label: str) -> None:
    concept = find_concept(name, value)
    assert concept is not None and concept.label == label


def test_unknown_values_do_not_resolve() -> None:
    assert find_concept("eqf_level", 0) is None
    assert find_concept("assessment_type", "vibes") is None
    assert find_concept("mode_of_learning", "http://data.europa.eu/snb/eqf/5") is None


def test_docs_list_every_short_code_and_alias() -> None:
    docs = (REPO_ROOT / "docs" / "micro-credentials.md").read_text(encoding="utf-8")
    missing = [
        code
        for name in vocabulary_names()
        if name != "credit_system"  # set by ects_credits, never written in a file
        for code in [*vocabulary(name).codes(), *vocabulary(name).aliases]
        if f"`{code}`" not in docs
    ]
    assert missing == []
