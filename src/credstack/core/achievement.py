"""The micro-credential definition: what an issuer writes in a YAML or JSON file.

Why a model of its own rather than an OB 3.0 ``Achievement`` dict: issuers think in the
EU Annex I elements (workload, level, assessment, participation, quality assurance) and
in skills, not in alignment objects. The definition keeps their words; ``eu_elements``
and ``credential`` turn it into OB 3.0. Every problem in a file is reported at once,
each with its field path, so a person can fix the file in one go. The format is
documented field by field in ``docs/micro-credentials.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from credstack.core.achievement_parts import (
    QF_EHEA_CYCLES,
    AchievementType,
    AssessmentType,
    EqfLevel,
    Grading,
    ImageRef,
    IsoDuration,
    LanguageTag,
    LearningActivity,
    LearningOpportunity,
    LearningSchedule,
    LearningSetting,
    ModeOfLearning,
    PositiveNumber,
    Price,
    QualityAssurance,
    SkillRef,
    Stackability,
    StrictModel,
    Supervision,
    Text,
    Unique,
    Url,
    tidy_text,
)
from credstack.core.durations import add_duration, parse_duration
from credstack.core.errors import InputError, ValidationError
from credstack.core.eu_vocabularies import Concept, find_concept

__all__ = [
    "AchievementDefinition",
    "Grading",
    "Price",
    "QualityAssurance",
    "SkillRef",
    "Stackability",
    "definition_from_mapping",
    "definition_to_mapping",
    "expiry_for",
    "missing_eu_elements",
    "parse_definition",
]


class AchievementDefinition(StrictModel):
    """A micro-credential as its issuer defines it (see docs/micro-credentials.md)."""

    name: Text
    description: Text
    achievement_type: AchievementType = "MicroCredential"
    eu_micro_credential: bool = False
    learning_outcomes: Unique[Text] = Field(default_factory=list)
    criteria: str | None = None
    criteria_url: Url | None = None
    image: ImageRef | None = None
    skills: Unique[SkillRef] = Field(default_factory=list)
    workload_hours: PositiveNumber | None = None
    ects_credits: PositiveNumber | None = None
    eqf_level: EqfLevel | None = None
    qf_ehea_cycle: Literal["short", "first", "second", "third"] | None = None
    assessment: Unique[AssessmentType] = Field(default_factory=list)
    participation: ModeOfLearning | None = None
    learning_setting: LearningSetting | None = None
    schedule: LearningSchedule | None = None
    learning_activities: list[LearningActivity] = Field(default_factory=list)
    learning_opportunity: LearningOpportunity | None = None
    supervision: Supervision | None = None
    quality_assurance: QualityAssurance | None = None
    prerequisites: str | None = None
    price: Price | None = None
    duration: IsoDuration | None = None
    languages: Unique[LanguageTag] = Field(default_factory=list)
    validity: IsoDuration | None = None
    grading: Grading | None = None
    stackability: Stackability | None = None
    further_information: Url | None = None
    version: str | None = None
    tags: list[Text] = Field(default_factory=list)
    field_of_study: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _single_values(cls, data: Any) -> Any:
        # `assessment: exam` and `languages: en` read naturally; store them as lists
        if isinstance(data, dict):
            data = dict(data)
            for key in ("assessment", "languages", "learning_activities", "tags"):
                if isinstance(data.get(key), str | int):
                    data[key] = [data[key]]
            if isinstance(data.get("name"), str):
                data["name"] = tidy_text(data["name"])
        return data

    @field_validator("qf_ehea_cycle")
    @classmethod
    def _cycle_matches_level(cls, cycle: str | None, info: ValidationInfo) -> str | None:
        level = info.data.get("eqf_level")
        if cycle and isinstance(level, Concept) and level.notation != QF_EHEA_CYCLES[cycle]:
            raise ValueError(
                f"the {cycle} cycle corresponds to EQF level {QF_EHEA_CYCLES[cycle]}, "
                f"not {level.notation}"
            )
        return cycle

    @property
    def implied_eqf_level(self) -> Concept | None:
        """The EQF level given, or the one the QF-EHEA cycle implies."""
        if self.eqf_level is not None:
            return self.eqf_level
        if self.qf_ehea_cycle:
            return find_concept("eqf_level", QF_EHEA_CYCLES[self.qf_ehea_cycle])
        return None


def definition_from_mapping(data: Mapping[str, Any]) -> AchievementDefinition:
    """Validate parsed data; raise ValidationError listing every problem with its path."""
    if not isinstance(data, Mapping):
        raise InputError("a micro-credential definition must be a mapping of field: value")
    try:
        return AchievementDefinition.model_validate(dict(data))
    except PydanticValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        count = len(problems)
        raise ValidationError(
            f"the micro-credential definition has {count} problem{'s' if count > 1 else ''}: "
            + "; ".join(problems),
            problems,
        ) from None


def _describe(error: Any) -> str:
    path = ".".join(str(part) for part in error["loc"]) or "(definition)"
    if error["type"] == "extra_forbidden":
        return f"{path}: unknown field (see docs/micro-credentials.md for the fields)"
    if error["type"] == "missing":
        return f"{path}: required field is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}"


def parse_definition(text: str) -> AchievementDefinition:
    """Parse a definition file's text (JSON or YAML, told apart by content)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise InputError("the micro-credential definition is empty")
    try:
        data = json.loads(stripped) if stripped.startswith("{") else yaml.safe_load(stripped)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(
            f"the micro-credential definition is not valid JSON or YAML: {exc}"
        ) from exc
    except RecursionError:  # both parsers recurse once per nested list or mapping
        raise InputError(
            "the micro-credential definition is nested too deeply to read "
            "(a definition needs a few levels, not hundreds)"
        ) from None
    if not isinstance(data, dict):
        raise InputError("a micro-credential definition must be a mapping of field: value")
    return definition_from_mapping(data)


def definition_to_mapping(defn: AchievementDefinition) -> dict[str, Any]:
    """JSON-ready data that :func:`definition_from_mapping` reads back to an equal definition."""
    dumped: dict[str, Any] = defn.model_dump(mode="json", exclude_none=True)
    return dumped


def expiry_for(defn: AchievementDefinition, issued: datetime) -> datetime | None:
    """When an award issued at ``issued`` expires: issue date plus ``validity`` (or never)."""
    if defn.validity is None:
        return None
    return add_duration(issued, parse_duration(defn.validity))


def missing_eu_elements(defn: AchievementDefinition, *, issuer_country: str | None) -> list[str]:
    """The EU Annex I mandatory elements this definition (and its issuer) still lack.

    Learner, date of issue and awarding body come with each award and its issuer, so
    they are never missing here; the issuer's country is passed in because it belongs
    to the issuer profile, not to the definition. Empty list = publishable as an EU
    micro-credential.
    """
    missing: list[str] = []
    if not (issuer_country or "").strip():
        missing.append("country or region of the issuer: set the country on the issuer's profile")
    if not defn.learning_outcomes:
        missing.append("learning outcomes: list at least one in learning_outcomes")
    if defn.ects_credits is None and defn.workload_hours is None:
        missing.append(
            "notional workload: give ects_credits (ECTS, wherever possible) or workload_hours"
        )
    if defn.implied_eqf_level is None:
        missing.append("level: give eqf_level (1 to 8) or qf_ehea_cycle")
    if not defn.assessment:
        missing.append("type of assessment: give assessment (e.g. written-examination)")
    if defn.participation is None:
        missing.append("form of participation: give participation (online, on-site, blended...)")
    if defn.quality_assurance is None:
        missing.append(
            "type of quality assurance: give quality_assurance.type "
            "(e.g. institutional-quality-assurance)"
        )
    return missing
