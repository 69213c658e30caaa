"""Real, signed awards for the revocation, status-list and rendering tests.

Each award is built the way issuing does it: a status index allocated through
``services.status.lists.allocate``, an OB 3.0 credential from the core builder, signed
with the issuer's active key (eddsa-rdfc-2022) and stored as the exact signed text.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from credstack.core.credential import build_achievement_credential
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.status_list import status_list_entry
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import active_signer
from credstack.services.issuers.profiles import create_issuer, issuer_profile_json
from credstack.services.issuers.trust import verify_issuer
from credstack.services.status.lists import allocate, attach
from credstack.store.models import Achievement, AchievementState, Award, Organization

MASTER = b"revocation-tests-master-secret-0123456789"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def ticking_clock() -> Callable[[], datetime]:
    """A clock that moves one second per reading, so every event has its own time."""
    ticks = itertools.count()
    return lambda: START + timedelta(seconds=next(ticks))


def make_context(home: Path, base_url: str = "http://127.0.0.1:8000") -> ServiceContext:
    return ServiceContext(base_url=base_url, master_secret=MASTER, home=home, clock=ticking_clock())


def new_issuer(db: Session, ctx: ServiceContext, slug: str = "acme") -> Organization:
    return create_issuer(
        db,
        ctx,
        name=f"Issuer {slug}",
        type="company",
        url="https://acme.example",
        country="DE",
        slug=slug,
    )


def new_verified_issuer(db: Session, ctx: ServiceContext, slug: str = "acme") -> Organization:
    """An issuer the operator vouched for, as ``credstack issuer create`` makes one."""
    organization = new_issuer(db, ctx, slug)
    verify_issuer(db, ctx, organization)
    return organization


def new_achievement(
    db: Session,
    org: Organization,
    *,
    image: bytes | None = None,
    image_mime: str | None = None,
) -> Achievement:
    ident = "ach-" + secrets.token_hex(6)
    achievement = Achievement(
        id=ident,
        organization_id=org.id,
        lineage_id=ident,
        version=1,
        name="Data literacy",
        state=AchievementState.PUBLISHED,
        definition={"name": "Data literacy"},
        achievement_json={
            "id": f"http://127.0.0.1:8000/achievements/{ident}",
            "type": ["Achievement"],
            "name": "Data literacy",
            "description": "Reads and questions data.",
            "criteria": {"narrative": "Passed the assessed project."},
        },
        image=image,
        image_mime=image_mime,
    )
    db.add(achievement)
    db.flush()
    return achievement


def issue(
    db: Session,
    ctx: ServiceContext,
    org: Organization,
    achievement: Achievement,
    *,
    email: str = "ada@example.org",
    name: str = "Ada Lovelace",
) -> Award:
    """One signed award with a status entry, flushed."""
    (allocation,) = allocate(db, ctx, org.id, 1)
    award_id = secrets.token_hex(16)  # never starts with "-", which a CLI would read as an option
    signer = active_signer(db, ctx, org.id)
    assert isinstance(signer.key_pair, Ed25519KeyPair)
    assert achievement.achievement_json is not None
    now = ctx.now()
    unsigned = build_achievement_credential(
        credential_id=ctx.url(f"/credentials/{award_id}"),
        issuer=issuer_profile_json(ctx, org),
        achievement=achievement.achievement_json,
        recipient_email=email,
        recipient_name=name,
        salt=secrets.token_hex(8),
        valid_from=now,
        status_entry=status_list_entry(allocation.list_url, allocation.index),
    )
    signed = sign_data_integrity(unsigned, signer.key_pair, signer.verification_method, created=now)
    award = Award(
        id=award_id,
        achievement_id=achievement.id,
        achievement_lineage_id=achievement.lineage_id,
        organization_id=org.id,
        recipient_email=email,
        recipient_name=name,
        external_id="",
        credential=json.dumps(signed),
        status_list_id=allocation.list_id,
        status_index=allocation.index,
        valid_from=now,
        issued_at=now,
    )
    db.add(award)
    db.flush()
    attach(db, [(allocation, award.id)])
    return award
