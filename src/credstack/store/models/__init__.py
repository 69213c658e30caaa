"""All mapped classes, importable from one place (and registered on ``Base.metadata``)."""

from credstack.store.models.account_links import PasswordReset, PendingSignUp
from credstack.store.models.achievements import Achievement, AchievementState
from credstack.store.models.awards import Award, AwardState
from credstack.store.models.events import Event
from credstack.store.models.jobs import BulkJobRecord
from credstack.store.models.keys import KeyAlgorithm, KeyState, SigningKey
from credstack.store.models.learners import Learner, LearnerEmail
from credstack.store.models.organizations import Organization, OrganizationType
from credstack.store.models.outbox import OutboxEmail
from credstack.store.models.rate_limits import RateLimitHit
from credstack.store.models.registries import IssuerRegistry, RegistryIssuer
from credstack.store.models.sessions import UserSession
from credstack.store.models.skills import (
    AchievementSkill,
    Framework,
    Occupation,
    OccupationSkill,
    Skill,
    SkillRelation,
)
from credstack.store.models.status_lists import (
    MIN_STATUS_LIST_SIZE,
    StatusList,
    StatusListEntry,
)
from credstack.store.models.tokens import ApiToken
from credstack.store.models.users import Member, Role, User

__all__ = [
    "MIN_STATUS_LIST_SIZE",
    "Achievement",
    "AchievementSkill",
    "AchievementState",
    "ApiToken",
    "Award",
    "AwardState",
    "BulkJobRecord",
    "Event",
    "Framework",
    "IssuerRegistry",
    "KeyAlgorithm",
    "KeyState",
    "Learner",
    "LearnerEmail",
    "Member",
    "Occupation",
    "OccupationSkill",
    "Organization",
    "OrganizationType",
    "OutboxEmail",
    "PasswordReset",
    "PendingSignUp",
    "RateLimitHit",
    "RegistryIssuer",
    "Role",
    "SigningKey",
    "Skill",
    "SkillRelation",
    "StatusList",
    "StatusListEntry",
    "User",
    "UserSession",
]
