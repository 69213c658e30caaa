"""Claim links: how a learner picks up a credential that was issued to their e-mail address.

Each award gets a personal link ``<base_url>/claim/<token>``. The token is 32 random bytes
(URL-safe text); only its SHA-256 is stored (``Award.claim_token_hash``), so a copy of the
database does not let anyone claim someone else's credential. A link expires (30 days
by default); resending issues a NEW token, which makes the old link stop working, and
e-mails it again. The wallet page calls :func:`find_claim` to check a link.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.email_address import address_problem
from credstack.core.errors import ConflictError, NotFoundError
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.store.models import Award, AwardState

#: how long a claim link works unless the caller says otherwise
CLAIM_VALIDITY = timedelta(days=30)
#: random bytes in a claim token (256 bits)
TOKEN_BYTES = 32


@dataclass(frozen=True)
class ClaimLink:
    """A freshly issued claim link; ``token`` exists only here and in the e-mail."""

    award_id: str
    token: str
    url: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a token: lowercase hex SHA-256 of its ASCII text."""
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def claim_url(ctx: ServiceContext, token: str) -> str:
    """The stable public claim URL (the wallet serves it)."""
    return ctx.url(f"/claim/{token}")


def mint_claim_link(
    ctx: ServiceContext, award_id: str, *, validity: timedelta = CLAIM_VALIDITY
) -> ClaimLink:
    """A new random token for ``award_id`` and its link; store ``hash_token(link.token)``."""
    raw = ctx.rng.getrandbits(TOKEN_BYTES * 8).to_bytes(TOKEN_BYTES, "big")
    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return ClaimLink(
        award_id=award_id, token=token, url=claim_url(ctx, token), expires_at=ctx.now() + validity
    )


def _check_claimable(award: Award) -> None:
    if award.state is AwardState.REVOKED:
        raise ConflictError(
            f"award {award.id} was revoked ({award.revocation_reason or 'no reason given'}); "
            "it can no longer be claimed"
        )
    if award.claimed_at is not None:
        raise ConflictError(
            f"award {award.id} was already claimed on {award.claimed_at:%Y-%m-%d %H:%M} UTC"
        )


def find_claim(session: Session, token: str, now: datetime) -> Award:
    """The award a claim link belongs to, if the link still works at ``now``.

    Unknown (mistyped or replaced by a resend) → ``NotFoundError``; expired, revoked or
    already claimed → ``ConflictError``, each saying what the learner can do.
    """
    award = session.scalars(
        select(Award).where(Award.claim_token_hash == hash_token(token))
    ).first()
    if award is None:
        raise NotFoundError(
            "this claim link is not valid: it may be mistyped or replaced by a newer one; "
            "use the most recent e-mail or ask the issuer for a new link"
        )
    expires_at = award.claim_expires_at
    if expires_at is not None and expires_at <= now:
        raise ConflictError(
            f"this claim link expired on {expires_at:%Y-%m-%d %H:%M} UTC; "
            "ask the issuer for a new one"
        )
    _check_claimable(award)
    return award


def resend_claim(session: Session, ctx: ServiceContext, award_id: str) -> ClaimLink:
    """Issue a new claim link for an unclaimed award, e-mail it, and log ``award.claim_resent``.

    The previous link stops working at once (only the newest token's hash is stored).
    """
    # Imported here: mail imports this module (mint_claim_link, hash_token).
    from credstack.services.mail.outbox import queue_claim_email
    from credstack.services.revocation.revoke import get_award

    award = get_award(session, award_id)
    _check_claimable(award)
    problem = address_problem(award.recipient_email)
    if problem is not None:  # stored before every door checked addresses
        raise ConflictError(
            f"award {award.id} cannot be e-mailed: {problem}; correct it first "
            f"('credstack award correct {award.id} --email ADDRESS')"
        )
    link = queue_claim_email(session, ctx, award)
    audit.record(
        session,
        ctx,
        "award.claim_resent",
        subject_type="award",
        subject_id=award.id,
        organization_id=award.organization_id,
        data={"expires_at": link.expires_at.isoformat(), "to": award.recipient_email},
    )
    session.flush()
    return link
