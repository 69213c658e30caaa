"""Skills and occupations from ESCO and O*NET, and the skills an achievement certifies."""

from __future__ import annotations

import enum

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base
from credstack.store.types import enum_type


class Framework(enum.StrEnum):
    """The taxonomies Credstack imports (architecture §2, Skills)."""

    ESCO = "esco"
    ONET = "onet"


class SkillRelation(enum.StrEnum):
    """How strongly an occupation needs a skill (ESCO's essential/optional)."""

    ESSENTIAL = "essential"
    OPTIONAL = "optional"


class Skill(Base):
    """A skill, knowledge item or ability; ``code`` is an ESCO URI or an O*NET element id."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("framework", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    framework: Mapped[Framework] = mapped_column(enum_type(Framework, "skill_framework"))
    code: Mapped[str] = mapped_column(String(512))
    label: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    #: e.g. ESCO "skill/competence" or "knowledge"; O*NET "skill", "knowledge", "ability"
    kind: Mapped[str | None] = mapped_column(String(64))


class Occupation(Base):
    """An occupation; ``code`` is an ESCO URI or an O*NET-SOC code."""

    __tablename__ = "occupations"
    __table_args__ = (UniqueConstraint("framework", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    framework: Mapped[Framework] = mapped_column(enum_type(Framework, "occupation_framework"))
    code: Mapped[str] = mapped_column(String(512))
    label: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)


class OccupationSkill(Base):
    """A skill an occupation needs, with ESCO's relation or O*NET's importance (1-5)."""

    __tablename__ = "occupation_skills"

    occupation_id: Mapped[int] = mapped_column(
        ForeignKey("occupations.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relation: Mapped[SkillRelation] = mapped_column(enum_type(SkillRelation, "skill_relation"))
    importance: Mapped[float | None] = mapped_column(Float)


class AchievementSkill(Base):
    """A skill an achievement certifies (emitted as an OB 3.0 ``alignment``)."""

    __tablename__ = "achievement_skills"

    achievement_id: Mapped[str] = mapped_column(
        ForeignKey("achievements.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
