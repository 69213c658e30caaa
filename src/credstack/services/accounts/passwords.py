"""Changing a password (signed in, with the current one) and resetting it by e-mail.

Both end every session of the account (``accounts.sessions``): whoever held a copied
cookie or knew the old password is out at once. Both also tell the account's address
that its password changed, so its owner notices a change they did not make.

A reset link carries a single-use token (256 bits) valid for :data:`RESET_VALIDITY`;
only its SHA-256 is stored, asking again replaces the earlier link, and using it
deletes it. :func:`request_reset` does the same thing and returns the same nothing
whether or not the address has an account, so the answer cannot be used to find out.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from credstack.core.errors import AuthenticationError, NotFoundError, ValidationError
from credstack.services import audit
from credstack.services.accounts import users
from credstack.services.accounts.random_tokens import new_token, token_digest
from credstack.services.accounts.sessions import end_sessions_of
from credstack.services.context import ServiceContext
from credstack.services.mail.outbox import queue_notice
from credstack.store.models import PasswordReset, User
from credstack.store.sweeping import delete_lapsed

#: how long a reset link works
RESET_VALIDITY = timedelta(hours=1)
WRONG_CURRENT = "the current password is not right"
LINK_NOT_VALID = (
    "this password-reset link is not valid: it was used, replaced by a newer one or has "
    "expired. Ask for a new one at /password-reset"
)


def change_password(
    session: Session, ctx: ServiceContext, user: User, *, current: str, new: str
) -> None:
    """Replace ``user``'s password after checking the current one; ends all their sessions.

    ``AuthenticationError`` when ``current`` is wrong, ``ValidationError`` when ``new``
    breaks the password rules. The caller signs the browser that asked in again.
    """
    if len(current.encode("utf-8")) > users.MAX_PASSWORD_BYTES or not (
        user.password_hash and users.password_matches(current, user.password_hash)
    ):
        raise AuthenticationError(WRONG_CURRENT)
    _set_password(session, ctx, user, new, "user.password_changed")


def request_reset(session: Session, ctx: ServiceContext, email: str) -> None:
    """E-mail a reset link if ``email`` has an account; otherwise do nothing, visibly the same."""
    now = ctx.now()
    delete_lapsed(session, PasswordReset.token_hash, PasswordReset.expires_at <= now)
    user = users.user_by_email(session, users.normalise_email(email))
    if user is None:
        return
    session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    token = new_token(ctx)
    reset = PasswordReset(
        token_hash=token_digest(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + RESET_VALIDITY,
    )
    session.add(reset)
    queue_notice(
        session,
        ctx,
        to_address=user.email,
        subject="Reset your Credstack password",
        paragraphs=[
            f"Hello {user.name},",
            "someone (we hope you) asked to reset the password of your Credstack account. "
            f"Choose a new one with this link; it works once, until "
            f"{reset.expires_at:%d %B %Y, %H:%M} UTC:",
        ],
        link=ctx.url(f"/password-reset/{token}"),
    )


def reset_account(session: Session, ctx: ServiceContext, token: str) -> User:
    """The account a reset link is for; ``NotFoundError`` if the link does not work."""
    reset = session.get(PasswordReset, token_digest(token))
    user = session.get(User, reset.user_id) if reset is not None else None
    if reset is None or user is None or reset.expires_at <= ctx.now():
        raise NotFoundError(LINK_NOT_VALID)
    return user


def reset_password(session: Session, ctx: ServiceContext, token: str, new: str) -> User:
    """Set a new password through a reset link, which is then used up; ends all sessions."""
    user = reset_account(session, ctx, token)
    _set_password(session, ctx, user, new, "user.password_reset")
    session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    return user


def _set_password(session: Session, ctx: ServiceContext, user: User, new: str, kind: str) -> None:
    problems = users.password_problems(new, "new_password")
    if problems:
        raise ValidationError("the password cannot be used: " + "; ".join(problems), problems)
    user.password_hash = users.new_password_hash(ctx, new)
    ended = end_sessions_of(session, user.id)
    session.flush()
    audit.record(
        session, ctx, kind, subject_type="user", subject_id=user.id, data={"sessions_ended": ended}
    )
    queue_notice(
        session,
        ctx,
        to_address=user.email,
        subject="Your Credstack password was changed",
        paragraphs=[
            f"Hello {user.name},",
            "the password of your Credstack account was just changed, and every device "
            "that was signed in has been signed out.",
            "If you did not do this, reset your password now with this page:",
        ],
        link=ctx.url("/password-reset"),
    )
