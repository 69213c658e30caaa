"""The building blocks of a micro-credential definition: skills, grading, QA, stacking, price.

Why a separate module: :mod:`credstack.core.achievement` holds the definition itself and
its EU checks; these smaller models and the OB 3.0 value sets they check against are
shared with the credential builder, and keeping them apart keeps each file readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    model_validator,
)
from pydantic_core import core_schema

from credstack.core.durations import parse_duration
from credstack.core.eu_vocabularies import Concept, find_concept, unknown_concept_message
from credstack.core.image_data import normalise_image_data_uri
from credstack.core.user_urls import web_url_problem

#: OB 3.0 AchievementType values (closed part of the extensible enumeration)
OB_ACHIEVEMENT_TYPES = frozenset(
    [
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    ]
)
#: OB 3.0 ResultType values (closed part)
OB_RESULT_TYPES = frozenset(
    [
        "GradePointAverage",
        "LetterGrade",
        "Percent",
        "PerformanceLevel",
        "PredictedScore",
        "RawScore",
        "Result",
        "RubricCriterion",
        "RubricCriterionLevel",
        "RubricScore",
        "ScaledScore",
        "Status",
    ]
)
EXT_VALUE = re.compile(r"^ext:[A-Za-z0-9._-]+$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_ESCO_URI = re.compile(r"^http://data\.europa\.eu/esco/(skill|occupation|isco)/[A-Za-z0-9-]+$")
_ONET_SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_ONET_ELEMENT = re.compile(r"^\d(\.[A-Za-z0-9]+)+$")
#: QF-EHEA cycle -> the EQF level the Bologna framework ties it to
QF_EHEA_CYCLES = {"short": "5", "first": "6", "second": "7", "third": "8"}


@dataclass(frozen=True)
class ConceptOf:
    """Field marker: the value names a concept of an EU vocabulary; the field holds the Concept.

    Any name :func:`find_concept` accepts is read; the concept URI is written back.
    """

    vocabulary: str

    def validate(self, value: object) -> Concept:
        if isinstance(value, Concept) and value.vocabulary == self.vocabulary:
            return value
        concept = None
        if isinstance(value, str | int) and not isinstance(value, bool):
            concept = find_concept(self.vocabulary, value)
        if concept is None:
            raise ValueError(unknown_concept_message(self.vocabulary, value))
        return concept

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda concept: concept.uri, return_schema=core_schema.str_schema()
            ),
        )


def tidy_text(value: object) -> object:
    """Collapse runs of whitespace (YAML folded text, stray newlines in names)."""
    return " ".join(value.split()) if isinstance(value, str) else value


def check_url(value: str) -> str:
    """An absolute http(s) URL, as OB 3.0 needs for ids and links (the one user-URL rule)."""
    problem = web_url_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def check_duration(value: str) -> str:
    """An ISO 8601 duration that is not zero."""
    if parse_duration(value).is_zero():
        raise ValueError(f"{value!r} is a zero duration; leave the field out instead")
    return value.strip().upper()


def check_language(value: str) -> str:
    """A BCP 47 language tag in the form OB 3.0's schema accepts."""
    if not LANGUAGE_CODE.match(value):
        raise ValueError(f"{value!r} is not a BCP 47 language code such as en, de or pt-BR")
    return value


def check_achievement_type(value: str) -> str:
    """An OB 3.0 AchievementType or an ``ext:`` extension."""
    if value not in OB_ACHIEVEMENT_TYPES and not EXT_VALUE.match(value):
        raise ValueError(
            f"{value!r} is not an OB 3.0 achievement type; use MicroCredential, Certificate, "
            "Course, Badge... or an ext:Name of your own"
        )
    return value


def check_image(value: str) -> str:
    """A file path, an http(s) URL or an image data: URI (rewritten in base64, see
    :func:`~credstack.core.image_data.normalise_image_data_uri`)."""
    if value[:5].lower() == "data:":
        return normalise_image_data_uri(value)
    looks_like_uri = ":" in value.split("/")[0]
    if looks_like_uri and web_url_problem(value) is not None:
        raise ValueError(f"must be a file path, an http(s) URL or a data: URI, got {value[:80]!r}")
    return value


def check_unique(items: list[Any]) -> list[Any]:
    """No entry twice (a repeated outcome or skill is almost always a copy-paste slip)."""
    seen: list[Any] = []
    for item in items:
        key = (item.framework, item.id) if isinstance(item, SkillRef) else item
        if key in seen:
            raise ValueError(f"lists the same entry twice: {item_label(item)}")
        seen.append(key)
    return items


def item_label(item: Any) -> str:
    if isinstance(item, Concept):
        return item.label
    if isinstance(item, SkillRef):
        return item.id
    return repr(item)


Url = Annotated[str, AfterValidator(check_url)]
IsoDuration = Annotated[str, AfterValidator(check_duration)]
LanguageTag = Annotated[str, AfterValidator(check_language)]
AchievementType = Annotated[str, AfterValidator(check_achievement_type)]
ImageRef = Annotated[str, AfterValidator(check_image)]
EqfLevel = Annotated[Concept, ConceptOf("eqf_level")]
AssessmentType = Annotated[Concept, ConceptOf("assessment_type")]
ModeOfLearning = Annotated[Concept, ConceptOf("mode_of_learning")]
LearningSetting = Annotated[Concept, ConceptOf("learning_setting")]
LearningSchedule = Annotated[Concept, ConceptOf("learning_schedule")]
LearningActivity = Annotated[Concept, ConceptOf("learning_activity")]
LearningOpportunity = Annotated[Concept, ConceptOf("learning_opportunity")]
Supervision = Annotated[Concept, ConceptOf("supervision")]
QualityAssuranceType = Annotated[Concept, ConceptOf("quality_assurance")]
PositiveNumber = Annotated[float, Field(gt=0, allow_inf_nan=False)]


Text = Annotated[str, Field(min_length=1), PlainSerializer(str)]


T = TypeVar("T")
Unique = Annotated[list[T], AfterValidator(check_unique)]


class StrictModel(BaseModel):
    """Frozen, unknown fields refused (a typo must not silently drop an EU element)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class SkillRef(StrictModel):
    """A skill (or occupation) the micro-credential develops, in ESCO or O*NET."""

    framework: Literal["esco", "onet"]
    id: Text
    label: Text
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        # `- esco: <uri>` / `- onet: <code>` is the form people write in files
        if isinstance(data, dict) and "framework" not in data:
            for framework in ("esco", "onet"):
                if framework in data:
                    rest = {k: v for k, v in data.items() if k != framework}
                    return {"framework": framework, "id": data[framework], **rest}
        return data

    @model_validator(mode="after")
    def _check_id(self) -> SkillRef:
        if self.framework == "esco" and not _ESCO_URI.match(self.id):
            raise ValueError(
                f"{self.id!r} is not an ESCO concept URI; copy it from the ESCO portal, e.g. "
                "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
            )
        if self.framework == "onet" and not (
            _ONET_SOC.match(self.id) or _ONET_ELEMENT.match(self.id)
        ):
            raise ValueError(
                f"{self.id!r} is not an O*NET-SOC code (15-2051.00) or element id (2.B.3.e)"
            )
        return self

    @property
    def is_occupation(self) -> bool:
        """ESCO occupations and O*NET-SOC codes name jobs rather than skills."""
        if self.framework == "esco":
            return "/occupation/" in self.id or "/isco/" in self.id
        return bool(_ONET_SOC.match(self.id))


class QualityAssurance(StrictModel):
    """Annex I "type of quality assurance": the EU accreditation type plus who assures it."""

    type: QualityAssuranceType
    description: str | None = None
    body: str | None = None
    url: Url | None = None


class Grading(StrictModel):
    """How results are expressed (OB 3.0 ResultDescription)."""

    name: Text = "Final grade"
    result_type: str = "LetterGrade"
    description: str | None = None
    allowed_values: list[Text] = Field(default_factory=list)
    required_value: str | None = None
    value_min: str | None = None
    value_max: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _numbers_as_text(cls, data: Any) -> Any:
        # OB carries grades as strings; YAML turns `value_min: 0` into a number
        if isinstance(data, dict):
            keys = ("required_value", "value_min", "value_max")
            data = {
                k: (str(v) if k in keys and isinstance(v, int | float) else v)
                for k, v in data.items()
            }
            if isinstance(data.get("allowed_values"), list):
                data["allowed_values"] = [str(v) for v in data["allowed_values"]]
        return data

    @model_validator(mode="after")
    def _check(self) -> Grading:
        if self.result_type not in OB_RESULT_TYPES and not EXT_VALUE.match(self.result_type):
            raise ValueError(
                f"result_type {self.result_type!r} is not an OB 3.0 result type; use one of "
                f"{', '.join(sorted(OB_RESULT_TYPES))} or an ext:Name of your own"
            )
        if (
            self.required_value
            and self.allowed_values
            and (self.required_value not in self.allowed_values)
        ):
            raise ValueError(f"required_value {self.required_value!r} is not one of allowed_values")
        return self


class RelatedAchievement(StrictModel):
    """A credential this micro-credential stacks towards (Annex I "integration/stackability")."""

    id: Url
    name: Text
    version: str | None = None
    language: LanguageTag | None = None


class Stackability(StrictModel):
    """Whether the credential stands alone and what larger credentials it counts towards."""

    standalone: bool = True
    stackable_towards: list[RelatedAchievement] = Field(default_factory=list)
    description: str | None = None


class Price(StrictModel):
    """What learners pay (catalogue information; never printed in the credential)."""

    amount: Decimal = Field(ge=0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
