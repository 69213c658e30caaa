"""The append-only audit log: every award, revocation and key change leaves an Event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.services.context import ServiceContext
from credstack.store.models import Event


def record(
    session: Session,
    ctx: ServiceContext,
    kind: str,
    *,
    subject_type: str,
    subject_id: str,
    organization_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event (``kind`` like ``award.issued``); flushed with the caller's work."""
    event = Event(
        at=ctx.now(),
        actor=ctx.actor,
        organization_id=organization_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        data=dict(data or {}),
    )
    session.add(event)
    return event


def list_events(
    session: Session,
    *,
    organization_id: str | None = None,
    kind_prefix: str | None = None,
    subject_id: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> Sequence[Event]:
    """Newest first, filtered; ``kind_prefix`` ``award.`` matches every award event."""
    query = select(Event).order_by(Event.id.desc()).limit(limit)
    if organization_id is not None:
        query = query.where(Event.organization_id == organization_id)
    if kind_prefix:
        query = query.where(Event.kind.startswith(kind_prefix))
    if subject_id is not None:
        query = query.where(Event.subject_id == subject_id)
    if since is not None:
        query = query.where(Event.at >= since)
    return session.scalars(query).all()
