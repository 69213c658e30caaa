"""Re-sign status lists before they lapse, while the server runs (``credstack serve``).

A signed list counts until its ``validUntil`` (``ctx.status_list_validity``, a day by
default). Readers re-sign a list past half its validity on demand; this loop does the
same for every published list in the background, so the cached copies stay fresh even
for lists nobody fetched lately. Its interval is an eighth of the validity (at most 15
minutes), well inside the half-validity margin, so no list can lapse between rounds.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Engine

from credstack.services.context import ServiceContext
from credstack.services.status.lists import refresh_lapsing
from credstack.store.engine import Transactions, session_factory
from credstack.workers.periodic import PeriodicTask

logger = logging.getLogger("credstack.status_lists")
#: the longest pause between two rounds, whatever the validity
MAX_INTERVAL = timedelta(minutes=15)


def refresh_interval(ctx: ServiceContext) -> float:
    """Seconds between rounds: an eighth of the validity, at most :data:`MAX_INTERVAL`."""
    return min(ctx.status_list_validity / 8, MAX_INTERVAL).total_seconds()


def refresh_once(engine: Engine, ctx: ServiceContext) -> int:
    """One round: re-sign the lists past half their validity, commit; how many were.

    A background session, like every loop behind the requests: on SQLite it takes the
    write lock up front, after every waiting request, so it waits for a busy request
    instead of failing on a stale snapshot, and never makes a request wait for it.
    """
    with session_factory(engine, Transactions.BACKGROUND)() as session:
        refreshed = refresh_lapsing(session, ctx)
        session.commit()
    if refreshed:
        logger.info("re-signed %d status list(s) before they lapse", refreshed)
    return refreshed


def status_list_refresher(engine: Engine, ctx: ServiceContext) -> PeriodicTask:
    """The background loop ``serve`` starts (call ``start()`` and, at the end, ``stop()``)."""
    return PeriodicTask(
        "credstack-status-lists",
        lambda: refresh_once(engine, ctx),
        refresh_interval(ctx),
        logger,
    )
