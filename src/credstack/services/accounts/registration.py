"""Signing up through the site without telling anyone which addresses have an account.

The sign-up form's answer is the same for every address that passes the field checks:
"we sent you an e-mail". What the e-mail says differs, and only the owner of the
mailbox reads it:

- no account yet: a link to finish signing up (valid :data:`SIGN_UP_VALIDITY`). The
  account is created when the link is opened *and* the password chosen on the form is
  entered again, so someone who signs up with another person's address cannot end up
  with an account they control, nor make the real owner adopt a password they chose;
- an account already exists: a note saying so, with the sign-in and password-reset
  addresses.

Both paths hash the password and queue one e-mail, so they also take the same time.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from credstack.core.errors import AuthenticationError, ConflictError, NotFoundError
from credstack.services.accounts import users
from credstack.services.accounts.random_tokens import new_token, token_digest
from credstack.services.context import ServiceContext
from credstack.services.mail.outbox import queue_notice
from credstack.store.models import PendingSignUp, User
from credstack.store.sweeping import delete_lapsed

#: how long the link that finishes a sign-up works
SIGN_UP_VALIDITY = timedelta(hours=24)
LINK_NOT_VALID = (
    "this sign-up link is not valid: it was used or has expired. Sign up again at /sign-up"
)
NOT_THE_PASSWORD = "this is not the password chosen when signing up with this link"


def request_sign_up(
    session: Session,
    ctx: ServiceContext,
    *,
    email: str,
    name: str,
    password: str,
    next_path: str | None = None,
) -> str:
    """Check the fields, then e-mail the address (see the module docstring); returns it.

    ``ValidationError`` lists every bad field (``users.checked_sign_up``). ``next_path`` is
    where the finished sign-up continues (a path on this site).
    """
    address = users.checked_sign_up(email=email, name=name, password=password)
    now = ctx.now()
    delete_lapsed(session, PendingSignUp.token_hash, PendingSignUp.expires_at <= now)
    password_hash = users.new_password_hash(ctx, password)  # on both paths: same time
    existing = users.user_by_email(session, address)
    if existing is not None:
        _queue_already_registered(session, ctx, existing)
        return address
    token = new_token(ctx)
    pending = PendingSignUp(
        token_hash=token_digest(token),
        email=address,
        name=name.strip(),
        password_hash=password_hash,
        next_path=next_path,
        created_at=now,
        expires_at=now + SIGN_UP_VALIDITY,
    )
    session.add(pending)
    queue_notice(
        session,
        ctx,
        to_address=address,
        subject="Finish creating your Credstack account",
        paragraphs=[
            f"Hello {pending.name},",
            "open this link to finish creating your Credstack account; it asks for the "
            "password you chose and works until "
            f"{pending.expires_at:%d %B %Y, %H:%M} UTC:",
            "If you did not sign up, ignore this e-mail: no account is created.",
        ],
        link=ctx.url(f"/sign-up/confirm/{token}"),
    )
    return address


def pending_sign_up(session: Session, ctx: ServiceContext, token: str) -> PendingSignUp:
    """The sign-up a link finishes; ``NotFoundError`` if the link does not work (any more)."""
    pending = session.get(PendingSignUp, token_digest(token))
    if pending is None or pending.expires_at <= ctx.now():
        raise NotFoundError(LINK_NOT_VALID)
    return pending


def confirm_sign_up(session: Session, ctx: ServiceContext, token: str, password: str) -> User:
    """Create the account of a sign-up link, given the password chosen with it.

    ``AuthenticationError`` for another password; ``ConflictError`` if the address got an
    account meanwhile (through another link). Every link for the address is then used up.
    """
    pending = pending_sign_up(session, ctx, token)
    if len(password.encode("utf-8")) > users.MAX_PASSWORD_BYTES or not users.password_matches(
        password, pending.password_hash
    ):
        raise AuthenticationError(NOT_THE_PASSWORD)
    if users.user_by_email(session, pending.email) is not None:
        raise ConflictError(
            f"{pending.email} already has an account (made with another sign-up link): "
            "sign in, or reset its password at /password-reset"
        )
    user = users.create_account(
        session, ctx, email=pending.email, name=pending.name, password_hash=pending.password_hash
    )
    session.execute(delete(PendingSignUp).where(PendingSignUp.email == pending.email))
    return user


def _queue_already_registered(session: Session, ctx: ServiceContext, user: User) -> None:
    queue_notice(
        session,
        ctx,
        to_address=user.email,
        subject="You already have a Credstack account",
        paragraphs=[
            f"Hello {user.name},",
            "someone (we hope you) tried to create a Credstack account with this address, "
            "which already has one. Sign in at " + ctx.url("/sign-in") + ".",
            "Forgot your password? Choose a new one here:",
        ],
        link=ctx.url("/password-reset"),
    )
