"""Queued e-mails (transactional outbox).

A claim e-mail is written in the same transaction as its award, then sent by a worker;
so an award is never lost because SMTP was down, and no e-mail goes out for an award
whose transaction rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base, utc_now


class OutboxEmail(Base):
    """One message to send; ``sent_at`` is set once the SMTP server accepted it.

    A failed attempt sets ``last_error`` and ``next_attempt_at`` (backoff); after
    ``services.mail.outbox.MAX_ATTEMPTS`` failures, or one that no retry can fix (an
    address that is not one, a permanent refusal), the message is given up
    (``gave_up_at``): it stays, unsent, with its error.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    award_id: Mapped[str | None] = mapped_column(
        ForeignKey("awards.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: not tried again before this (NULL: as soon as possible)
    next_attempt_at: Mapped[datetime | None]
    #: when delivery gave up (never sent; ``last_error`` says why)
    gave_up_at: Mapped[datetime | None]
