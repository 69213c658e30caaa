"""API tokens for machines: ``cst_<random>``, shown once, stored only as a SHA-256 hash.

A token belongs to one organisation and to the person who made it; it acts as that
person, narrowed by its scopes (``read``, ``award``, ``admin``; see ``services.accounts.authz``),
so a token can never do more than its maker currently may. The operator can also make an
*organisation token* with no person behind it (``credstack token create``), for scripts
and integrations that should not depend on one person's account. The token has 256 random
bits, so a plain (unsalted) SHA-256 is enough to make the stored value useless to a
thief while keeping the lookup a single indexed equality.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from credstack.services import audit
from credstack.services.accounts.authz import SCOPES, Action, require
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.store.engine import best_effort
from credstack.store.models import ApiToken, Organization

TOKEN_PREFIX = "cst_"
_TOKEN_BYTES = 32
#: ``last_used_at`` is written at most this often per token (a read must not always write)
LAST_USED_GRANULARITY = timedelta(minutes=1)
INVALID_TOKEN = "the API token is not valid (unknown, revoked or mistyped): create a new one"


@dataclass(frozen=True)
class NewToken:
    """A freshly created token: ``secret`` is the only time the token text is available."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """The stored form of a token (hex SHA-256 of its text)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    ctx: ServiceContext,
    principal: Principal,
    organization_id: str,
    *,
    name: str,
    scopes: Iterable[str],
) -> NewToken:
    """Make a token for the organisation; only people with ``manage_tokens`` may.

    A token acts for the person who made it, so the operator (no person) cannot make one.
    """
    require(session, principal, organization_id, Action.MANAGE_TOKENS)
    if principal.user_id is None:
        raise PermissionDeniedError(
            "an API token acts for the person who makes it: sign in to the web app to make one"
        )
    return _mint(session, ctx, organization_id, principal.user_id, name=name, scopes=scopes)


def create_organization_token(
    session: Session,
    ctx: ServiceContext,
    organization: Organization,
    *,
    name: str,
    scopes: Iterable[str],
) -> NewToken:
    """An organisation token with no person behind it; operator only (``token create``).

    It acts for the organisation within its scopes (``authz``), and keeps working whoever
    joins or leaves the organisation, until it is revoked.
    """
    return _mint(session, ctx, organization.id, None, name=name, scopes=scopes)


def _mint(
    session: Session,
    ctx: ServiceContext,
    organization_id: str,
    user_id: str | None,
    *,
    name: str,
    scopes: Iterable[str],
) -> NewToken:
    wanted = sorted(set(scopes))
    problems: list[str] = []
    label = name.strip()
    if not label:
        problems.append("name: must not be empty (say what the token is for)")
    elif len(label) > 200:
        problems.append(f"name: at most 200 characters (got {len(label)})")
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown:
        problems.append(f"scopes: unknown {', '.join(unknown)}; use {', '.join(SCOPES)}")
    if not wanted:
        problems.append(f"scopes: give at least one of {', '.join(SCOPES)}")
    if problems:
        raise ValidationError("the token cannot be created: " + "; ".join(problems), problems)
    raw = ctx.rng.randbytes(_TOKEN_BYTES)
    secret = TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    token = ApiToken(
        organization_id=organization_id,
        user_id=user_id,
        made_by_operator=user_id is None,
        name=label,
        token_hash=token_hash(secret),
        scopes=wanted,
        created_at=ctx.now(),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        ctx,
        "token.created",
        subject_type="api_token",
        subject_id=token.id,
        organization_id=organization_id,
        data={"scopes": wanted, "name": label},
    )
    return NewToken(token=token, secret=secret)


def authenticate(session: Session, ctx: ServiceContext, secret: str) -> Principal:
    """The principal a presented token stands for; ``AuthenticationError`` if not valid."""
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationError(INVALID_TOKEN)
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash(secret))
    ).first()
    if token is None or token.revoked_at is not None:
        raise AuthenticationError(INVALID_TOKEN)
    if token.user_id is None and not token.made_by_operator:  # its maker's account is gone
        raise AuthenticationError(INVALID_TOKEN)
    now = ctx.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        _stamp_if_free(session, token, now)
    return Principal(
        user_id=token.user_id,
        token_id=token.id,
        token_organization_id=token.organization_id,
        scopes=frozenset(token.scopes),
    )


def list_tokens(session: Session, principal: Principal, organization_id: str) -> Sequence[ApiToken]:
    """The organisation's tokens (never their text), newest first."""
    require(session, principal, organization_id, Action.MANAGE_TOKENS)
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.organization_id == organization_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    ).all()


def _stamp_if_free(session: Session, token: ApiToken, now: datetime) -> None:
    """Record the use, unless that would make this request wait for another one.

    Every request with the token would otherwise queue behind the first one's row lock
    (PostgreSQL) or fail to take the write lock from a GET (SQLite); the stamp is only
    minute-accurate anyway, so a request that cannot write it now leaves it to the next.
    """
    with best_effort(session):
        mine = select(ApiToken.id).where(ApiToken.id == token.id).with_for_update(skip_locked=True)
        if session.scalar(mine) is not None:
            token.last_used_at = now


def revoke_token(
    session: Session, ctx: ServiceContext, principal: Principal, organization_id: str, token_id: str
) -> ApiToken:
    """Stop a token from working at once; revoking twice is a ``ConflictError``."""
    require(session, principal, organization_id, Action.MANAGE_TOKENS)
    token = session.get(ApiToken, token_id)
    if token is None or token.organization_id != organization_id:
        raise NotFoundError(f"no API token with id {token_id!r} in this organisation")
    return _revoke(session, ctx, token)


def revoke_any_token(session: Session, ctx: ServiceContext, token_id: str) -> ApiToken:
    """Revoke any organisation's token by id; operator only (``credstack token revoke``)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no API token with id {token_id!r} (see 'credstack token list')")
    return _revoke(session, ctx, token)


def all_tokens(
    session: Session, organization: Organization | None = None
) -> Sequence[tuple[ApiToken, Organization]]:
    """Every token (never its text) with its organisation, newest first; operator only."""
    query = (
        select(ApiToken, Organization)
        .join(Organization, Organization.id == ApiToken.organization_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    if organization is not None:
        query = query.where(ApiToken.organization_id == organization.id)
    return [(row[0], row[1]) for row in session.execute(query).all()]


def _revoke(session: Session, ctx: ServiceContext, token: ApiToken) -> ApiToken:
    if token.revoked_at is not None:
        raise ConflictError(f"the API token {token.name!r} is already revoked")
    token.revoked_at = ctx.now()
    session.flush()
    audit.record(
        session,
        ctx,
        "token.revoked",
        subject_type="api_token",
        subject_id=token.id,
        organization_id=token.organization_id,
    )
    return token
