"""EU micro-credential elements (Annex I) expressed in OB 3.0's own vocabulary.

Why this way (architecture §2): a credential that needs an extra JSON-LD context is rejected
by verifiers that only hold the VC 2.0 and OB 3.0 contexts, so no element gets a new
term. Instead:

- level, type of assessment, form of participation, supervision, quality assurance,
  credit system, learning setting/schedule/activity/opportunity -> ``Achievement.alignment``
  entries whose ``targetUrl`` is the EU concept URI, ``targetName`` its English label,
  ``targetCode`` its EU notation, ``targetFramework`` the scheme name and ``targetType``
  an ``ext:`` value (OB's closed list has nothing for them);
- learning outcomes -> ``ext:LearningOutcome`` alignments (anchors on the achievement
  page) and a list in ``criteria.narrative``;
- notional workload -> ``creditsAvailable`` (ECTS) and a sentence in the description
  that states the unit and the hours;
- grading -> ``resultDescription``; stackability -> ``related`` plus
  ``ext:StackableTowards`` alignments that keep the target's name;
- prerequisites and further information -> the criteria narrative and description.
"""

from __future__ import annotations

from typing import Any

from credstack.core.achievement import AchievementDefinition
from credstack.core.durations import parse_duration
from credstack.core.errors import ConfigurationError, ValidationError
from credstack.core.eu_vocabularies import Concept, find_concept

#: ``targetType`` per vocabulary (OB 3.0 allows ``ext:`` values where its enum has no fit)
TARGET_TYPES = {
    "eqf_level": "ext:EQFLevel",
    "assessment_type": "ext:AssessmentType",
    "mode_of_learning": "ext:ModeOfLearningAndAssessment",
    "learning_setting": "ext:LearningSetting",
    "learning_schedule": "ext:LearningSchedule",
    "learning_activity": "ext:LearningActivityType",
    "learning_opportunity": "ext:LearningOpportunityType",
    "supervision": "ext:SupervisionAndIdVerification",
    "quality_assurance": "ext:QualityAssuranceType",
    "credit_system": "ext:CreditSystem",
}
LEARNING_OUTCOME = "ext:LearningOutcome"
STACKABLE_TOWARDS = "ext:StackableTowards"
QUALITY_ASSURANCE_REPORT = "ext:QualityAssuranceReport"
_QF_EHEA_NAMES = {
    "short": "QF-EHEA short cycle",
    "first": "QF-EHEA first cycle",
    "second": "QF-EHEA second cycle",
    "third": "QF-EHEA third cycle",
}


def _number(value: float) -> str:
    return f"{value:g}"


def concept_alignment(concept: Concept, *, description: str | None = None) -> dict[str, Any]:
    """An OB 3.0 Alignment pointing at one EU vocabulary concept."""
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetType": TARGET_TYPES[concept.vocabulary],
        "targetName": concept.label,
        "targetUrl": concept.uri,
        "targetCode": concept.notation,
        "targetFramework": concept.scheme_label,
    }
    text = description or concept.definition
    if text:
        alignment["targetDescription"] = text
    return alignment


def learning_outcome_url(achievement_id_url: str, number: int) -> str:
    """Where learning outcome ``number`` (1-based) is shown on the achievement's page."""
    return f"{achievement_id_url}#learning-outcome-{number}"


def learning_outcome_alignments(
    defn: AchievementDefinition, achievement_id_url: str
) -> list[dict[str, Any]]:
    """One ``ext:LearningOutcome`` alignment per outcome, in the order the issuer wrote them."""
    return [
        {
            "type": ["Alignment"],
            "targetType": LEARNING_OUTCOME,
            "targetName": outcome,
            "targetUrl": learning_outcome_url(achievement_id_url, number),
            "targetCode": f"LO{number}",
            "targetFramework": f"Learning outcomes of {defn.name}",
        }
        for number, outcome in enumerate(defn.learning_outcomes, start=1)
    ]


def _level_alignment(defn: AchievementDefinition) -> list[dict[str, Any]]:
    level = defn.implied_eqf_level
    if level is None:
        return []
    description = None
    if defn.qf_ehea_cycle:
        description = f"EQF {level.label}, {_QF_EHEA_NAMES[defn.qf_ehea_cycle]}"
    return [concept_alignment(level, description=description)]


def _credit_alignment(defn: AchievementDefinition) -> list[dict[str, Any]]:
    if defn.ects_credits is None:
        return []
    ects = find_concept("credit_system", "ects")
    if ects is None:
        raise ConfigurationError("the bundled EU vocabularies lack ECTS; reinstall Credstack")
    return [concept_alignment(ects, description=f"{_number(defn.ects_credits)} ECTS credits")]


def _quality_assurance_alignments(defn: AchievementDefinition) -> list[dict[str, Any]]:
    qa = defn.quality_assurance
    if qa is None:
        return []
    words = [part for part in (qa.description, f"Assured by {qa.body}" if qa.body else "") if part]
    alignments = [concept_alignment(qa.type, description=" ".join(words) or None)]
    if qa.url:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetType": QUALITY_ASSURANCE_REPORT,
                "targetName": qa.body or "Quality assurance report",
                "targetUrl": qa.url,
                "targetDescription": f"Quality assurance: {qa.type.label}",
            }
        )
    return alignments


def _stackability_alignments(defn: AchievementDefinition) -> list[dict[str, Any]]:
    if defn.stackability is None:
        return []
    return [
        {
            "type": ["Alignment"],
            "targetType": STACKABLE_TOWARDS,
            "targetName": target.name,
            "targetUrl": target.id,
            "targetDescription": "This micro-credential counts towards this credential.",
        }
        for target in defn.stackability.stackable_towards
    ]


def eu_alignments(defn: AchievementDefinition, achievement_id_url: str) -> list[dict[str, Any]]:
    """Every Annex I element that has a home in ``Achievement.alignment``, in Annex I order."""
    concepts: list[Concept] = [
        *defn.assessment,
        *([defn.participation] if defn.participation else []),
        *([defn.learning_setting] if defn.learning_setting else []),
        *([defn.schedule] if defn.schedule else []),
        *defn.learning_activities,
        *([defn.learning_opportunity] if defn.learning_opportunity else []),
    ]
    supervision = [concept_alignment(defn.supervision)] if defn.supervision else []
    return [
        *learning_outcome_alignments(defn, achievement_id_url),
        *_credit_alignment(defn),
        *_level_alignment(defn),
        *(concept_alignment(concept) for concept in concepts),
        *_quality_assurance_alignments(defn),
        *supervision,
        *_stackability_alignments(defn),
    ]


def workload_statement(defn: AchievementDefinition) -> str | None:
    """The sentence that states workload, its unit and duration (``creditsAvailable`` is ECTS)."""
    parts = []
    if defn.ects_credits is not None:
        parts.append(f"{_number(defn.ects_credits)} ECTS credits")
    if defn.workload_hours is not None:
        parts.append(f"{_number(defn.workload_hours)} hours of learning")
    sentence = f"Notional workload: {', '.join(parts)}." if parts else ""
    if defn.duration:
        sentence += f" Duration: {parse_duration(defn.duration).describe()}."
    return sentence.strip() or None


def achievement_description(defn: AchievementDefinition) -> str:
    """The issuer's description followed by workload and further-information sentences."""
    paragraphs = [defn.description]
    workload = workload_statement(defn)
    if workload:
        paragraphs.append(workload)
    if defn.further_information:
        paragraphs.append(f"Further information: {defn.further_information}")
    return "\n\n".join(paragraphs)


def criteria_narrative(defn: AchievementDefinition) -> str:
    """Markdown criteria: what to do, learning outcomes, assessment, prerequisites, stacking."""
    sections: list[str] = []
    if defn.criteria:
        sections.append(defn.criteria)
    if defn.learning_outcomes:
        items = "\n".join(f"{n}. {text}" for n, text in enumerate(defn.learning_outcomes, 1))
        sections.append(f"## Learning outcomes\n\n{items}")
    if defn.assessment:
        kinds = ", ".join(concept.label for concept in defn.assessment)
        line = f"## Assessment\n\n{kinds[0].upper()}{kinds[1:]}."
        if defn.supervision:
            line += f" {defn.supervision.label}."
        sections.append(line)
    if defn.prerequisites:
        sections.append(f"## Prerequisites\n\n{defn.prerequisites}")
    stack = defn.stackability
    if stack is not None:
        lines = ["Stand-alone micro-credential." if stack.standalone else "Integrated component."]
        lines += [f"Stackable towards {t.name} ({t.id})." for t in stack.stackable_towards]
        if stack.description:
            lines.append(stack.description)
        sections.append("## Stackability\n\n" + " ".join(lines))
    if not sections:
        return f"Earn {defn.name} by meeting the issuer's requirements."
    return "\n\n".join(sections)


def grade_description_id(achievement_id_url: str) -> str:
    """The id of the achievement's grade ResultDescription (results point at it)."""
    return f"{achievement_id_url}#grade"


def result_descriptions(
    defn: AchievementDefinition, achievement_id_url: str
) -> list[dict[str, Any]]:
    """The grading scheme as OB 3.0 ResultDescription objects (empty when there is none)."""
    grading = defn.grading
    if grading is None:
        return []
    description: dict[str, Any] = {
        "id": grade_description_id(achievement_id_url),
        "type": ["ResultDescription"],
        "name": grading.name,
        "resultType": grading.result_type,
    }
    optional = {
        "allowedValue": grading.allowed_values or None,
        "requiredValue": grading.required_value,
        "valueMin": grading.value_min,
        "valueMax": grading.value_max,
    }
    description.update({key: value for key, value in optional.items() if value is not None})
    return [description]


def grade_result(achievement: dict[str, Any], value: str) -> dict[str, Any]:
    """A learner's grade (Annex I "grade achieved") linked to the achievement's description."""
    descriptions = achievement.get("resultDescription") or []
    if not descriptions:
        raise ValidationError(
            "this achievement defines no grading, so a grade cannot be recorded; "
            "add grading to the micro-credential definition"
        )
    allowed = descriptions[0].get("allowedValue")
    if allowed and value not in allowed:
        raise ValidationError(f"grade {value!r} is not one of {', '.join(allowed)}")
    return {"type": ["Result"], "resultDescription": descriptions[0]["id"], "value": value}


def related_achievements(defn: AchievementDefinition) -> list[dict[str, Any]]:
    """OB 3.0 ``related`` entries for the credentials this one stacks towards."""
    if defn.stackability is None:
        return []
    related = []
    for target in defn.stackability.stackable_towards:
        entry: dict[str, Any] = {"id": target.id, "type": ["Related"]}
        if target.version:
            entry["version"] = target.version
        if target.language:
            entry["inLanguage"] = target.language
        related.append(entry)
    return related
