"""Deliver queued e-mails while the server runs (``credstack serve``).

Issuing an award queues its claim e-mail in the database (``services.mail.outbox``);
something has to send it. Without this loop a learner would only get the link once an
operator ran ``credstack outbox send``. The loop wakes every few seconds and delivers the
messages that are due (over SMTP, or as .eml files in the outbox folder) in its own
background session, committing batch by batch and never while a mail server answers (see
``services.mail.outbox``): a failing message waits out its backoff while the others go
out. It keeps going when a whole round fails (the error is logged and the messages stay
queued, so the next round tries again). One server process runs one loop; several
processes on one PostgreSQL database could each pick the same message, so run
``outbox send`` from a single place when scaling out.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from credstack.services.context import ServiceContext
from credstack.services.mail.outbox import DeliveryReport, deliver_pending, pending
from credstack.store.engine import Transactions, session_factory
from credstack.workers.periodic import PeriodicTask

DEFAULT_INTERVAL_SECONDS = 2.0
logger = logging.getLogger("credstack.mail")


def deliver_once(engine: Engine, ctx: ServiceContext) -> DeliveryReport | None:
    """One round: deliver every due e-mail, committing per batch; ``None`` when none was due.

    The check for due mail is a read that never waits; delivery then runs in a
    background session, which on SQLite takes the write lock only after every waiting
    request, and only for reading a batch and for recording it.
    """
    with session_factory(engine, Transactions.READ)() as session:
        if not pending(session, limit=1, due_at=ctx.now()):
            return None
    with session_factory(engine, Transactions.BACKGROUND)() as session:
        report = deliver_pending(session, ctx, due_only=True, checkpoint=session.commit)
        session.commit()
    return report


class MailDelivery(PeriodicTask):
    """A daemon thread delivering queued e-mails every ``interval`` seconds until stopped.

    A round that fails is logged and the messages stay queued for the next one.
    """

    def __init__(
        self, engine: Engine, ctx: ServiceContext, interval: float = DEFAULT_INTERVAL_SECONDS
    ) -> None:
        super().__init__("credstack-mail", lambda: _deliver_and_log(engine, ctx), interval, logger)


def _deliver_and_log(engine: Engine, ctx: ServiceContext) -> None:
    report = deliver_once(engine, ctx)
    if report is not None:
        logger.info(
            "e-mails: %d sent, %d written, %d failed, %d of them given up (%s)",
            report.sent,
            report.written,
            report.failed,
            report.given_up,
            report.destination,
        )
