"""Deliver queued e-mails while the server runs (``credstack serve``).

Issuing an award queues its claim e-mail in the database (``services.mail.outbox``);
something has to send it. Without this loop a learner would only get the link once an
operator ran ``credstack outbox send``. The loop wakes every few seconds, delivers what
is pending (over SMTP, or as .eml files in the outbox folder) in its own session and
transaction, and keeps going when one round fails (the error is logged and the messages
stay queued, so the next round tries again). One server process runs one loop; several
processes on one PostgreSQL database could each pick the same message, so run
``outbox send`` from a single place when scaling out.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from credstack.services.context import ServiceContext
from credstack.services.mail.outbox import DeliveryReport, deliver_pending, pending
from credstack.store.engine import SQLITE_BEGIN_IMMEDIATE, session_factory
from credstack.workers.periodic import PeriodicTask

DEFAULT_INTERVAL_SECONDS = 2.0
logger = logging.getLogger("credstack.mail")


def deliver_once(engine: Engine, ctx: ServiceContext) -> DeliveryReport | None:
    """One round: deliver every pending e-mail and commit; ``None`` when nothing was queued.

    The check for pending mail is a short read; delivery then runs in a transaction that
    takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so it waits for a busy
    writer instead of failing when its read would have to become a write.
    """
    with session_factory(engine)() as session:
        if not pending(session, limit=1):
            return None
    writer = engine.execution_options(**{SQLITE_BEGIN_IMMEDIATE: True})
    with session_factory(writer)() as session:
        report = deliver_pending(session, ctx)
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
            "e-mails: %d sent, %d written, %d failed (%s)",
            report.sent,
            report.written,
            report.failed,
            report.destination,
        )
