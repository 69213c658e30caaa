"""Claim links: how a learner picks up a credential that was issued to their e-mail address.

Each award gets a personal link ``<base_url>/claim/<token>``. The token is 32 random bytes
(URL-safe text); only its SHA-256 is stored (``Award.claim_token_hash``), so a copy of the
database does not let anyone claim someone else's credential. A link expires (30 days
by default); resending issues a NEW token, which makes the old link stop working, and
e-mails it again. The wallet page calls :func:`find_claim` to check a link.

This module mints the links and writes the e-mail that carries them (issuing calls
:func:`queue_claim_emails` for every new award); ``services.mail`` only queues and
delivers the message it is given.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from credstack.core.email_address import address_problem
from credstack.core.errors import ConflictError, NotFoundError
from credstack.services import audit
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.mail.outbox import Link, MailMessage, queue, queue_many
from credstack.store.models import Achievement, Award, AwardState, Organization

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


def queue_claim_email(session: Session, ctx: ServiceContext, award: Award) -> ClaimLink:
    """Give ``award`` a fresh claim link and queue the e-mail that carries it.

    Called by :func:`resend_claim`: the achievement, the issuer, the personal claim link
    with its expiry and the public credential URL, in plain text and in escaped HTML.
    """
    achievement_name, issuer_name = _names(session, award)
    link = mint_claim_link(ctx, award.id)
    # Plain attribute changes, no flush: the caller's flush batches them (fast in a loop).
    award.claim_token_hash = hash_token(link.token)
    award.claim_expires_at = link.expires_at
    queue(session, ctx, _claim_message(ctx, award, link, achievement_name, issuer_name))
    return link


def queue_claim_emails(
    session: Session, ctx: ServiceContext, awards: Sequence[Award]
) -> list[ClaimLink]:
    """:func:`queue_claim_email` for a whole batch in two statements (bulk issuing).

    The awards' token hashes are set with one bulk UPDATE and the e-mails inserted with
    one bulk INSERT; the award objects in the session see the new values too.
    """
    if not awards:
        return []
    names: dict[tuple[str, str], tuple[str, str]] = {}
    links: list[ClaimLink] = []
    updates: list[dict[str, Any]] = []
    messages: list[MailMessage] = []
    for award in awards:
        key = (award.achievement_id, award.organization_id)
        if key not in names:
            names[key] = _names(session, award)
        link = mint_claim_link(ctx, award.id)
        links.append(link)
        updates.append(
            {
                "id": award.id,
                "claim_token_hash": hash_token(link.token),
                "claim_expires_at": link.expires_at,
            }
        )
        messages.append(_claim_message(ctx, award, link, *names[key]))
    session.execute(update(Award), updates)
    for award, values in zip(awards, updates, strict=True):
        set_committed_value(award, "claim_token_hash", values["claim_token_hash"])
        set_committed_value(award, "claim_expires_at", values["claim_expires_at"])
    queue_many(session, ctx, messages)
    return links


def _names(session: Session, award: Award) -> tuple[str, str]:
    """(achievement name, issuer name); ``session.get`` answers repeats from the identity map."""
    achievement = session.get(Achievement, award.achievement_id)
    issuer = session.get(Organization, award.organization_id)
    return (
        achievement.name if achievement is not None else "a credential",
        issuer.name if issuer is not None else "Your issuer",
    )


def _claim_message(
    ctx: ServiceContext, award: Award, link: ClaimLink, achievement_name: str, issuer_name: str
) -> MailMessage:
    """The claim e-mail of one award: who awarded what, the personal link, the public URL."""
    expiry = f"{link.expires_at:%d %B %Y, %H:%M} UTC"
    return MailMessage(
        to_address=award.recipient_email,
        subject=f"Your credential from {issuer_name}: {achievement_name}",
        blocks=[
            f"Hello {award.recipient_name},",
            f"{issuer_name} has awarded you \N{LEFT DOUBLE QUOTATION MARK}{achievement_name}"
            "\N{RIGHT DOUBLE QUOTATION MARK}.",
            f"Claim it with your personal link (it works until {expiry}):",
            Link(link.url),
            "Anyone can check the credential at its public address:",
            Link(ctx.url(f"/credentials/{award.id}")),
            f"If the claim link has expired, ask {issuer_name} to send a new one.",
        ],
        award_id=award.id,
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


def resend_claim(
    session: Session,
    ctx: ServiceContext,
    award_id: str,
    *,
    principal: Principal | None = None,
) -> ClaimLink:
    """Issue a new claim link for an unclaimed award, e-mail it, and log ``award.claim_resent``.

    The previous link stops working at once (only the newest token's hash is stored).
    ``principal`` needs the ``award`` action in the award's organisation. ``None`` is the
    wallet's "send me a new link" page, whose (expired) claim link found the award; see
    ``services.accounts.authz``. The award is looked up here, not through
    ``issuing.listing`` (issuing calls this module, so this module cannot call issuing).
    """
    award = session.get(Award, award_id)
    hint = (
        " (see 'credstack award list')" if principal is not None and principal.is_operator else ""
    )
    missing = NotFoundError(f"no award with id {award_id!r}{hint}")
    if award is None:
        raise missing
    if principal is not None:
        authz.require_on(session, principal, award.organization_id, Action.AWARD, missing)
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
