"""Micro-credential definition files: parsing, every problem reported, EU mandatory elements."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest

from credstack.core.achievement import (
    AchievementDefinition,
    definition_from_mapping,
    definition_to_mapping,
    expiry_for,
    missing_eu_elements,
    parse_definition,
)
from credstack.core.achievement_parts import (
    Grading,
    QualityAssurance,
    RelatedAchievement,
    SkillRef,
    Stackability,
)
from credstack.core.durations import add_duration, parse_duration
from credstack.core.errors import InputError, ValidationError
from fixture_paths import ONET, REPO_ROOT, esco_skill_labels

EXAMPLE = REPO_ROOT / "examples" / "micro-credential.yaml"
DOCS = REPO_ROOT / "docs" / "micro-credentials.md"

MINIMAL = "name: Intro to Git\ndescription: Version control basics.\n"


def _problems(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_definition(text)
    return caught.value.problems


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 5000 + "]" * 5000, id="yaml-flow"),
        pytest.param('{"a": ' * 5000 + "1" + "}" * 5000, id="json"),
        pytest.param("".join(f"{'  ' * level}k:\n" for level in range(1200)), id="yaml-block"),
    ],
)
def test_a_definition_nested_hundreds_deep_is_refused_not_a_crash(text: str) -> None:
    # found by tests/api/test_openapi_fuzz.py's probes: RecursionError was a 500
    with pytest.raises(InputError, match="nested too deeply"):
        parse_definition(text)


def test_example_file_parses_with_every_eu_element() -> None:
    defn = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    assert defn.name == "Data Analysis with Python"
    assert defn.eu_micro_credential is True
    assert defn.achievement_type == "MicroCredential"
    assert defn.eqf_level is not None and defn.eqf_level.uri == "http://data.europa.eu/snb/eqf/6"
    assert [c.label for c in defn.assessment] == ["project work", "written examination"]
    assert defn.participation is not None and defn.participation.label == "Online"
    assert defn.supervision is not None
    assert defn.supervision.uri.endswith("/70be69aaf9")  # supervised with ID verification
    assert defn.quality_assurance is not None
    assert defn.quality_assurance.type.label == "Institutional Quality Assurance"
    assert defn.ects_credits == 5 and defn.workload_hours == 125
    assert 3 <= len([s for s in defn.skills if s.framework == "esco"]) <= 5
    assert any(s.framework == "onet" for s in defn.skills)
    assert missing_eu_elements(defn, issuer_country="NL") == []


def test_example_skills_are_real_esco_concepts_with_their_published_labels() -> None:
    defn = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    labels = esco_skill_labels()
    esco = [s for s in defn.skills if s.framework == "esco"]
    for skill in esco:
        assert labels.get(skill.id) == skill.label, skill.id


def test_example_onet_codes_exist_in_onet() -> None:
    defn = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for file in ("occupation_data.tsv", "content_model_reference.tsv"):
        with (ONET / file).open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t"):
                names[row[0]] = row[1]
    for skill in (s for s in defn.skills if s.framework == "onet"):
        assert names.get(skill.id) == skill.label, skill.id


def test_json_and_yaml_give_the_same_definition_and_it_round_trips() -> None:
    from_yaml = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    data = definition_to_mapping(from_yaml)
    assert parse_definition(json.dumps(data)) == from_yaml
    assert definition_from_mapping(data) == from_yaml
    assert data["eqf_level"] == "http://data.europa.eu/snb/eqf/6"  # stored as the EU URI


def test_short_codes_labels_aliases_and_uris_name_the_same_concepts() -> None:
    variants = [
        "eqf_level: 5\nassessment: exam\nparticipation: on-site",
        'eqf_level: "Level 5"\nassessment: Written Examination\nparticipation: Presential',
        "eqf_level: http://data.europa.eu/snb/eqf/5\n"
        "assessment: http://data.europa.eu/snb/assessment/6e6cb2cc78\n"
        "participation: http://data.europa.eu/snb/learning-assessment/9191af2ed9",
    ]
    parsed = [parse_definition(MINIMAL + text) for text in variants]
    assert len({(d.eqf_level, tuple(d.assessment), d.participation) for d in parsed}) == 1


def test_minimal_definition_has_defaults_and_lists_every_missing_eu_element() -> None:
    defn = parse_definition(MINIMAL)
    assert defn.achievement_type == "MicroCredential"
    assert defn.eu_micro_credential is False
    assert missing_eu_elements(defn, issuer_country=None) == [
        "country or region of the issuer: set the country on the issuer's profile",
        "learning outcomes: list at least one in learning_outcomes",
        "notional workload: give ects_credits (ECTS, wherever possible) or workload_hours",
        "level: give eqf_level (1 to 8) or qf_ehea_cycle",
        "type of assessment: give assessment (e.g. written-examination)",
        "form of participation: give participation (online, on-site, blended...)",
        "type of quality assurance: give quality_assurance.type "
        "(e.g. institutional-quality-assurance)",
    ]


def test_hours_instead_of_ects_and_a_qf_ehea_cycle_instead_of_eqf_satisfy_annex_i() -> None:
    defn = parse_definition(
        MINIMAL
        + "learning_outcomes: [Use branches]\nworkload_hours: 30\nqf_ehea_cycle: short\n"
        + "assessment: quiz\nparticipation: blended\n"
        + "quality_assurance: {type: program-quality-assurance}\n"
    )
    assert missing_eu_elements(defn, issuer_country="DE") == []
    assert defn.implied_eqf_level is not None and defn.implied_eqf_level.notation == "5"


def test_every_problem_is_reported_with_its_field_path() -> None:
    problems = _problems(
        "name: Git\ndescription: ''\neqf_level: 9\nfoo: 1\n"
        "skills: [{esco: not-a-uri, label: x}, {onet: '15-2051', label: y}]\n"
        "assessment: [quiz, nonsense]\nvalidity: 2 years\nlanguages: english\n"
        "workload_hours: -3\nprice: {amount: 10, currency: euro}\n"
        "quality_assurance: {type: internal}\nfurther_information: www.example.org\n"
    )
    fields = sorted(problem.split(":")[0] for problem in problems)
    assert fields == sorted(
        [
            "description",
            "eqf_level",
            "foo",
            "skills.0",
            "skills.1",
            "assessment.1",
            "validity",
            "languages.0",
            "workload_hours",
            "price.currency",
            "quality_assurance.type",
            "further_information",
        ]
    )
    eqf = next(p for p in problems if p.startswith("eqf_level"))
    assert "1, 2, 3, 4, 5, 6, 7, 8" in eqf  # says what would have worked
    assert any("unknown field" in p for p in problems if p.startswith("foo"))


def test_rules_across_fields_are_reported_together_with_the_rest() -> None:
    problems = _problems(
        MINIMAL
        + "eqf_level: 7\nqf_ehea_cycle: first\nlearning_outcomes: [a, a]\n"
        + "assessment: [quiz, Quiz]\n"
        + "grading: {allowed_values: [A, B], required_value: C}\n"
    )
    assert sorted(problems) == sorted(
        [
            "qf_ehea_cycle: the first cycle corresponds to EQF level 6, not 7",
            "learning_outcomes: lists the same entry twice: 'a'",
            "assessment: lists the same entry twice: quiz",
            "grading: required_value 'C' is not one of allowed_values",
        ]
    )


def test_grading_numbers_are_kept_as_text_and_result_types_checked() -> None:
    defn = parse_definition(
        MINIMAL + "grading: {result_type: Percent, value_min: 0, value_max: 100}"
    )
    assert defn.grading is not None
    assert (defn.grading.value_min, defn.grading.value_max) == ("0", "100")
    assert any("result_type" in p for p in _problems(MINIMAL + "grading: {result_type: Stars}"))
    assert parse_definition(MINIMAL + "achievement_type: ext:Nanodegree").achievement_type
    assert any("achievement_type" in p for p in _problems(MINIMAL + "achievement_type: Nano"))


@pytest.mark.parametrize(
    "text",
    ["", "   \n", "- a list\n- not a mapping\n", "name: [unclosed\n", "{not json", "just text"],
)
def test_unparseable_input_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        parse_definition(text)


def test_durations_are_calendar_aware() -> None:
    start = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
    assert add_duration(start, parse_duration("P1M")) == datetime(2024, 2, 29, 9, 30, tzinfo=UTC)
    assert add_duration(start, parse_duration("P2Y")) == datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    assert add_duration(start, parse_duration("P1W2DT3H")) == datetime(
        2024, 2, 9, 12, 30, tzinfo=UTC
    )
    assert parse_duration("P1Y6M").describe() == "1 year and 6 months"
    for bad in ("P", "PT", "2Y", "P1.5Y", "P1H"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_expiry_is_issue_date_plus_validity() -> None:
    issued = datetime(2025, 3, 1, 12, tzinfo=UTC)
    defn = parse_definition(EXAMPLE.read_text(encoding="utf-8"))
    assert expiry_for(defn, issued) == datetime(2030, 3, 1, 12, tzinfo=UTC)
    assert expiry_for(parse_definition(MINIMAL), issued) is None


@pytest.mark.parametrize(
    "model",
    [AchievementDefinition, Grading, QualityAssurance, Stackability, RelatedAchievement, SkillRef],
)
def test_every_field_is_documented(model: type) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    undocumented = [name for name in model.model_fields if f"`{name}`" not in docs]
    assert undocumented == []


def test_numbers_written_where_text_is_meant_are_read_as_text() -> None:
    defn = parse_definition(MINIMAL + "version: 1.0\ntags: [2025]\nfield_of_study: 42")
    assert (defn.version, defn.tags, defn.field_of_study) == ("1.0", ["2025"], "42")
