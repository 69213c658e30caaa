"""Minimal valid rows for store tests (each call makes unique keys)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from credstack.store.models import (
    Achievement,
    AchievementState,
    Award,
    Organization,
    OrganizationType,
    StatusList,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def organization(db: Session) -> Organization:
    slug = f"org-{secrets.token_hex(4)}"
    org = Organization(
        slug=slug,
        name="Example University",
        type=OrganizationType.UNIVERSITY,
        url=f"https://{slug}.example.edu",
        country="NL",
    )
    db.add(org)
    db.flush()
    return org


def achievement(db: Session, org: Organization) -> Achievement:
    ident = secrets.token_hex(8)
    ach = Achievement(
        id=ident,
        organization_id=org.id,
        lineage_id=ident,
        version=1,
        name="Data Literacy",
        state=AchievementState.PUBLISHED,
        definition={"name": "Data Literacy"},
    )
    db.add(ach)
    db.flush()
    return ach


def status_list(db: Session, org: Organization) -> StatusList:
    ident = secrets.token_hex(8)
    lst = StatusList(id=ident, organization_id=org.id, url_path=f"/status/{ident}")
    db.add(lst)
    db.flush()
    return lst


def award(
    db: Session, ach: Achievement, *, email: str = "ada@example.org", external_id: str = ""
) -> Award:
    row = Award(
        id=secrets.token_urlsafe(16),
        achievement_id=ach.id,
        achievement_lineage_id=ach.lineage_id,
        organization_id=ach.organization_id,
        recipient_email=email,
        recipient_name="Ada Lovelace",
        external_id=external_id,
        credential='{"b": 1.0, "a": "\\u00e9"}',
        valid_from=T0,
    )
    db.add(row)
    db.flush()
    return row
