"""The learner's wallet: claim, accept or decline, share or hide, export, delete the account.

A user owns the awards of *their* learner (``Learner.user_id``). An award joins that
learner only through its claim link: the token in the e-mail proves the person holds the
address the issuer awarded to, which a freshly made account does not. Every function
that takes an ``award_id`` checks ownership and answers "not found" for anyone else's
award, so a wallet never reveals that some other award exists.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError
from credstack.services import audit
from credstack.services.accounts import ownership
from credstack.services.context import ServiceContext
from credstack.services.learners.claims import find_claim, hash_token
from credstack.store.models import (
    Achievement,
    Award,
    AwardState,
    Event,
    Learner,
    LearnerEmail,
    Member,
    Organization,
    User,
)


@dataclass(frozen=True)
class WalletEntry:
    """One credential as the wallet lists it."""

    award: Award
    achievement_name: str
    issuer_name: str


@dataclass(frozen=True)
class ClaimState:
    """What a claim link leads to: a claimable award, or why not (with the award if known)."""

    award: Award | None
    problem: str | None = None
    expired: bool = False


def claim_state(session: Session, token: str, now: datetime) -> ClaimState:
    """Check a claim link; an expired one still names its award so a new link can be sent."""
    try:
        return ClaimState(find_claim(session, token, now))
    except NotFoundError as exc:
        return ClaimState(None, exc.message)
    except ConflictError as exc:
        award = session.scalars(
            select(Award).where(Award.claim_token_hash == hash_token(token))
        ).first()
        expires_at = award.claim_expires_at if award is not None else None
        expired = expires_at is not None and expires_at <= now
        return ClaimState(award, exc.message, expired=expired)


def learner_of(session: Session, user: User) -> Learner | None:
    """The learner record linked to ``user``'s account, if any award was claimed."""
    return session.scalars(select(Learner).where(Learner.user_id == user.id)).first()


def claim(session: Session, ctx: ServiceContext, award: Award, user: User) -> Award:
    """Attach ``award`` (found by ``claims.find_claim``) to ``user``'s learner; the link is used up.

    The award's learner joins the account when it has no account yet (the claim proves
    the address); otherwise the account's learner gets the award.
    """
    learner = learner_of(session, user)
    if learner is None and award.learner_id is not None:
        candidate = session.get(Learner, award.learner_id)
        if candidate is not None and candidate.user_id is None:
            candidate.user_id = user.id
            learner = candidate
    if learner is None:
        learner = Learner(name=user.name, user_id=user.id, created_at=ctx.now())
        session.add(learner)
        session.flush()
    _remember_address(session, learner, award.recipient_email, ctx)
    award.learner_id = learner.id
    award.claimed_at = ctx.now()
    award.claim_token_hash = None
    audit.record(
        session,
        ctx,
        "award.claimed",
        subject_type="award",
        subject_id=award.id,
        organization_id=award.organization_id,
        data={"learner_id": learner.id},
    )
    session.flush()
    return award


def _remember_address(session: Session, learner: Learner, email: str, ctx: ServiceContext) -> None:
    """Record the claimed address as the learner's, verified by the claim (if nobody has it)."""
    address = email.strip().lower()
    known = session.scalars(select(LearnerEmail).where(LearnerEmail.email == address)).first()
    if known is None:
        session.add(LearnerEmail(learner_id=learner.id, email=address, verified_at=ctx.now()))
    elif known.learner_id == learner.id and known.verified_at is None:
        known.verified_at = ctx.now()


def wallet(session: Session, user: User) -> list[WalletEntry]:
    """Every credential of ``user``'s learner, newest first (revoked and declined included)."""
    learner = learner_of(session, user)
    if learner is None:
        return []
    rows = session.execute(
        select(Award, Achievement.name, Organization.name)
        .join(Achievement, Achievement.id == Award.achievement_id)
        .join(Organization, Organization.id == Award.organization_id)
        .where(Award.learner_id == learner.id)
        .order_by(Award.issued_at.desc(), Award.id)
    ).all()
    return [WalletEntry(award, achievement, issuer) for award, achievement, issuer in rows]


def owned_award(session: Session, user: User, award_id: str) -> Award:
    """``award_id`` if it is in ``user``'s wallet; ``NotFoundError`` otherwise."""
    learner = learner_of(session, user)
    award = session.get(Award, award_id)
    if learner is None or award is None or award.learner_id != learner.id:
        raise NotFoundError(f"there is no credential {award_id} in your wallet")
    return award


def respond(
    session: Session, ctx: ServiceContext, user: User, award_id: str, *, accept: bool
) -> Award:
    """Accept or decline a credential; declining also takes its public page down."""
    award = owned_award(session, user, award_id)
    if award.state is AwardState.REVOKED:
        raise ConflictError(
            "this credential was revoked by its issuer; it can no longer be accepted or declined"
        )
    award.state = AwardState.ACCEPTED if accept else AwardState.DECLINED
    if not accept:
        award.public = False
    audit.record(
        session,
        ctx,
        "award.accepted" if accept else "award.declined",
        subject_type="award",
        subject_id=award.id,
        organization_id=award.organization_id,
    )
    session.flush()
    return award


def set_public(
    session: Session, ctx: ServiceContext, user: User, award_id: str, public: bool
) -> Award:
    """Turn the credential's public page on or off (a declined credential stays private)."""
    award = owned_award(session, user, award_id)
    if public and award.state is AwardState.DECLINED:
        raise ConflictError("you declined this credential: accept it before making it public")
    award.public = public
    audit.record(
        session,
        ctx,
        "award.shared" if public else "award.unshared",
        subject_type="award",
        subject_id=award.id,
        organization_id=award.organization_id,
    )
    session.flush()
    return award


def is_publicly_visible(award: Award) -> bool:
    """Whether the HTML page of ``award`` is shown to people other than its learner."""
    return award.public and award.state is not AwardState.DECLINED


def _events_about(session: Session, user: User, award_ids: Sequence[str]) -> list[Event]:
    conditions = [(Event.subject_type == "user") & (Event.subject_id == user.id)]
    if award_ids:
        conditions.append((Event.subject_type == "award") & Event.subject_id.in_(award_ids))
    return list(session.scalars(select(Event).where(or_(*conditions)).order_by(Event.id)).all())


def export_my_data(session: Session, user: User) -> bytes:
    """A ZIP of everything stored about ``user``: profile, credentials as signed, events."""
    learner = learner_of(session, user)
    entries = wallet(session, user)
    emails: list[str] = []
    if learner is not None:
        emails = list(
            session.scalars(
                select(LearnerEmail.email).where(LearnerEmail.learner_id == learner.id)
            ).all()
        )
    profile: dict[str, Any] = {
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "created_at": user.created_at.isoformat(),
        },
        "learner": None
        if learner is None
        else {
            "id": learner.id,
            "name": learner.name,
            "did": learner.did,
            "emails": emails,
            "public_profile": learner.public_profile,
            "directory_consent": learner.directory_consent,
        },
        "credentials": [
            {
                "id": e.award.id,
                "achievement": e.achievement_name,
                "issuer": e.issuer_name,
                "state": e.award.state.value,
                "public": e.award.public,
                "issued_at": e.award.issued_at.isoformat(),
                "file": f"credentials/{e.award.id}.json",
            }
            for e in entries
        ],
    }
    events = [
        {
            "at": event.at.isoformat(),
            "kind": event.kind,
            "actor": event.actor,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "data": event.data,
        }
        for event in _events_about(session, user, [e.award.id for e in entries])
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profile.json", json.dumps(profile, indent=2, ensure_ascii=False))
        archive.writestr("events.json", json.dumps(events, indent=2, ensure_ascii=False))
        for entry in entries:
            archive.writestr(f"credentials/{entry.award.id}.json", entry.award.credential)
    return buffer.getvalue()


def delete_account(session: Session, ctx: ServiceContext, user: User) -> int:
    """Delete ``user`` and their learner record; returns how many awards were unlinked.

    The awards stay with their issuers (they are the issuers' records and remain
    verifiable) but lose the learner link, and their public pages go private. The last
    owner of an organisation cannot leave it ownerless (``ConflictError``).
    """
    ownership.keep_owners_of(session, user.id)
    learner = learner_of(session, user)
    unlinked = 0
    if learner is not None:
        for award in session.scalars(select(Award).where(Award.learner_id == learner.id)):
            award.learner_id = None
            award.public = False
            unlinked += 1
        session.flush()
        session.execute(delete(LearnerEmail).where(LearnerEmail.learner_id == learner.id))
        session.execute(delete(Learner).where(Learner.id == learner.id))
    audit.record(
        session,
        ctx,
        "user.deleted",
        subject_type="user",
        subject_id=user.id,
        data={"awards_unlinked": unlinked},
    )
    # bulk deletes: the ORM would load the lazy="raise" collections to cascade them;
    # memberships go with the user through their ON DELETE CASCADE foreign key
    session.execute(delete(Member).where(Member.user_id == user.id))
    session.execute(delete(User).where(User.id == user.id))
    session.expunge(user)
    session.flush()
    return unlinked


#: what the public page of a credential says when it is missing or not shown
NOT_PUBLIC = (
    "There is no public credential at this address. Its owner may have made it private, "
    "or the link is mistyped."
)


def visible_award(session: Session, award_id: str, user: User | None) -> Award:
    """The award if this viewer may see its page: public, or the viewer is its learner.

    Anyone else gets ``NotFoundError``, the same as for an award that does not exist.
    """
    award = session.get(Award, award_id)
    if award is not None and is_publicly_visible(award):
        return award
    if award is not None and user is not None:
        learner = learner_of(session, user)
        if learner is not None and award.learner_id == learner.id:
            return award
    raise NotFoundError(NOT_PUBLIC)
