"""Skills and occupations (ESCO, O*NET) as OB 3.0 alignments.

Why alignments: OB 3.0 has no "skill" property; ``Achievement.alignment`` is where it
expects links to competency frameworks, and every wallet and verifier shows them. OB's
closed ``targetType`` list names CASE and CTDL only, so ESCO and O*NET targets get
``ext:`` values. ``targetUrl`` is the concept's own URI (ESCO) or its O*NET OnLine page.
"""

from __future__ import annotations

from typing import Any

from credstack.core.achievement import SkillRef

ESCO_FRAMEWORK = "ESCO (European Skills, Competences, Qualifications and Occupations)"
ONET_FRAMEWORK = "O*NET"
_ONET_OCCUPATION_URL = "https://www.onetonline.org/link/summary/{code}"
_ONET_ELEMENT_URL = "https://www.onetonline.org/find/descriptor/result/{code}"


def skill_alignment(skill: SkillRef) -> dict[str, Any]:
    """The OB 3.0 Alignment for one ESCO concept or O*NET code."""
    if skill.framework == "esco":
        target_type = "ext:ESCOOccupation" if skill.is_occupation else "ext:ESCOSkill"
        alignment: dict[str, Any] = {
            "type": ["Alignment"],
            "targetType": target_type,
            "targetName": skill.label,
            "targetUrl": skill.id,
            "targetCode": skill.id.rsplit("/", 1)[-1],
            "targetFramework": ESCO_FRAMEWORK,
        }
    else:
        template = _ONET_OCCUPATION_URL if skill.is_occupation else _ONET_ELEMENT_URL
        alignment = {
            "type": ["Alignment"],
            "targetType": "ext:ONETOccupation" if skill.is_occupation else "ext:ONETElement",
            "targetName": skill.label,
            "targetUrl": template.format(code=skill.id),
            "targetCode": skill.id,
            "targetFramework": ONET_FRAMEWORK,
        }
    if skill.description:
        alignment["targetDescription"] = skill.description
    return alignment


def skill_alignments(skills: list[SkillRef]) -> list[dict[str, Any]]:
    """Alignments for every skill, in the order the issuer listed them."""
    return [skill_alignment(skill) for skill in skills]
