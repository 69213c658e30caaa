"""The unit of work of one web request, for servers that run on an event loop.

:func:`~credstack.store.engine.session_scope` for the API and the pages: commit when the
request's code returns, roll back when it raises, with the blocking calls in threads.

FastAPI runs a request's synchronous parts (dependencies, the route, its response
serialisation) one after the other in a shared pool of 40 worker threads, and the
transaction ends only after the last of them. A request that waits for a lock in a
worker thread (SQLite's write lock, a PostgreSQL row another request inserted) holds
that thread; had 40 requests waited so, the request holding the lock would find no
thread left for its next part, and every one of them would stall until a timeout. So:

* at most :data:`WRITES_IN_FLIGHT` requests that change data run at once; the others
  wait on the event loop, holding neither a thread nor a connection, so worker threads
  are always left for the requests holding locks and for readers;
* a request that changes data begins its transaction before its code runs (on SQLite:
  ``BEGIN IMMEDIATE``, where it queues for the write lock), in a thread of this
  module's own, so the wait takes no worker thread and an ``async`` route never blocks
  the event loop on the lock; commit, rollback and close run in those threads too.

Readers (GET, HEAD) neither queue nor wait: their deferred transactions read a snapshot.
:data:`WRITES_IN_FLIGHT` stays below the engine's connection pool
(:data:`~credstack.store.engine.POOL_SIZE` plus overflow), so readers always find a
connection.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, MutableMapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from sqlalchemy.orm import Session, sessionmaker

#: requests that change data run at most this many at once (below the 40 worker threads)
WRITES_IN_FLIGHT = 30
#: threads that begin, commit, roll back and close request sessions
SCOPE_THREADS = 40
#: HTTP methods whose requests change nothing (RFC 9110 safe methods): read sessions
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ASGI scope key a route sets when its POST only reads, then works long without the
#: database (verifying a credential, copying an upload): a write transaction would hold
#: SQLite's write lock, and so every other write, through that work. Its few writes are
#: then best effort (``credstack.store.engine.best_effort``).
READS_ONLY = "credstack.reads_only"
#: ASGI scope key holding the request's session while its write transaction is open
_OPEN_WRITE = "credstack.open_write_session"


@dataclass(frozen=True)
class _Limits:
    writes: anyio.CapacityLimiter
    threads: anyio.CapacityLimiter


_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Limits] = weakref.WeakKeyDictionary()


def _limits_here() -> _Limits:
    """The limits of the running event loop (anyio's limiters belong to one loop)."""
    loop = asyncio.get_running_loop()
    limits = _limits.get(loop)
    if limits is None:
        limits = _limits[loop] = _Limits(
            anyio.CapacityLimiter(WRITES_IN_FLIGHT), anyio.CapacityLimiter(SCOPE_THREADS)
        )
    return limits


class Request(Protocol):
    """What this module needs of a Starlette request (the API and the pages pass theirs)."""

    @property
    def method(self) -> str: ...

    @property
    def scope(self) -> MutableMapping[str, Any]: ...

    @property
    def app(self) -> Any: ...


def request_scope(request: Request) -> AbstractAsyncContextManager[Session]:
    """The unit of work of one request of the app (``credstack.app`` made its factories).

    GET, HEAD and OPTIONS read (``app.state.read_session_factory``), and so does a request
    whose route marked it with :func:`mark_reads_only`; any other request begins a write
    transaction (``app.state.session_factory``) up front, off the server's worker threads.
    """
    state = request.app.state
    if request.scope.get(READS_ONLY, False) or request.method.upper() in READ_ONLY_METHODS:
        return _scope(state.read_session_factory, writes=False)
    return _scope(state.session_factory, writes=True, scope=request.scope)


def open_write_session(request: Request) -> Session | None:
    """The request's session once its write transaction has begun, else None.

    On SQLite that transaction holds the write lock: another transaction of the same
    request (a rate-limit counter's own) would wait for it until the busy timeout, so
    such work must use this session instead.
    """
    session: Session | None = request.scope.get(_OPEN_WRITE)
    return session


def mark_reads_only(request: Request) -> None:
    """Make this request's sessions read sessions (a route dependency calls it first)."""
    request.scope[READS_ONLY] = True


@asynccontextmanager
async def _scope(
    factory: sessionmaker[Session],
    *,
    writes: bool,
    scope: MutableMapping[str, Any] | None = None,
) -> AsyncIterator[Session]:
    limits = _limits_here()
    async with limits.writes if writes else nullcontext():
        session = factory()
        try:
            if writes:
                await anyio.to_thread.run_sync(session.connection, limiter=limits.threads)
                if scope is not None:
                    scope[_OPEN_WRITE] = session
            yield session
            await anyio.to_thread.run_sync(session.commit, limiter=limits.threads)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.rollback, limiter=limits.threads)
            raise
        finally:
            if scope is not None:
                scope.pop(_OPEN_WRITE, None)
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.close, limiter=limits.threads)
