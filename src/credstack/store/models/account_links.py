"""Single-use links e-mailed about an account: finishing a sign-up, resetting a password.

Only the SHA-256 of each link's token is stored; the token itself exists in the e-mail.
A link is deleted when used, and is worthless after ``expires_at``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base


class PendingSignUp(Base):
    """A sign-up waiting for its e-mail address to be confirmed; no account exists yet.

    Each request keeps its own name and password hash, so a later request for the same
    address (by anyone) never changes what an earlier link confirms.
    """

    __tablename__ = "pending_sign_ups"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: a path on this site to continue to afterwards (e.g. the claim link it started from)
    next_path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PasswordReset(Base):
    """A password-reset link of ``user_id``; asking again replaces the earlier one."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
