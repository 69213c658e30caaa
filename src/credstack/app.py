"""``create_app(settings)``: the one web application object (pages, API, health).

The CLI's ``serve``, the tests and any ASGI server build the app the same way, from
explicit settings. Routers are listed by module path in :data:`ROUTER_MODULES`; each
module exposes ``router`` (a FastAPI ``APIRouter``), so adding a page or an API area is
one line here.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from credstack import __version__
from credstack.api.problems import install_problem_handlers
from credstack.core.errors import BusyError
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk_jobs import BulkJobs, recover
from credstack.settings import Settings
from credstack.store.engine import Transactions, engine_for, session_factory, session_scope
from credstack.web.rendering import STATIC_DIR
from credstack.web.sessions import install_sessions

logger = logging.getLogger("credstack.app")

#: modules whose ``router`` is mounted, in order (add one line per router)
ROUTER_MODULES: tuple[str, ...] = (
    "credstack.api.health",
    "credstack.api.routes.issuers",
    "credstack.api.routes.achievements",
    "credstack.web.routes.credential_page",
    "credstack.api.routes.credentials",
    "credstack.api.routes.status",
    "credstack.web.routes.home",
    "credstack.web.routes.verify_page",
    "credstack.web.routes.wallet",
    "credstack.web.routes.auth",
    "credstack.web.routes.dashboard",
    "credstack.web.routes.achievements",
    "credstack.web.routes.awards",
    "credstack.api.routes.v1_organizations",
    "credstack.api.routes.v1_tokens",
    "credstack.api.routes.v1_achievements",
    "credstack.api.routes.v1_awards",
    "credstack.api.routes.v1_credentials",
    "credstack.api.routes.v1_verify",
)


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    sessions: sessionmaker[Session] | None = None,
) -> FastAPI:
    """Build the app from explicit settings.

    ``engine`` lets a caller (``serve``, the tests) share its engine, else one is made from
    the settings; ``sessions`` lets tests bind request sessions to a connection whose
    outer transaction they roll back afterwards.

    The app keeps three session factories on one engine (``credstack.store.engine``):
    ``session_factory`` for requests that change data (SQLite write lock first),
    ``read_session_factory`` for GET and HEAD requests (never wait for a writer), and
    ``background_session_factory`` for bulk jobs and other work behind the requests.
    """
    owns_engine = engine is None
    engine = engine or engine_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(_recover_bulk_jobs, app)
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="Credstack",
        version=__version__,
        description="Issue, stack, share and verify Open Badges 3.0 micro-credentials.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = sessions or session_factory(engine, Transactions.WRITE)
    app.state.read_session_factory = sessions or session_factory(engine, Transactions.READ)
    app.state.background_session_factory = sessions or session_factory(
        engine, Transactions.BACKGROUND
    )
    app.state.bulk_jobs = BulkJobs(
        app.state.background_session_factory, readers=app.state.read_session_factory
    )
    install_problem_handlers(app)
    install_sessions(app)
    for module_name in ROUTER_MODULES:
        router = importlib.import_module(module_name).router
        if not isinstance(router, APIRouter):
            raise TypeError(f"{module_name}.router is not a FastAPI APIRouter")
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _recover_bulk_jobs(app: FastAPI) -> None:
    """Before serving: end the jobs a dead server left running, delete orphaned uploads.

    A write that waits at most the busy timeout: a start-up must not hang behind
    another process's long write, nor fail on a database that is not ready (``/healthz``
    says what is wrong); the next start-up tries again.
    """
    ctx = ServiceContext(
        base_url=app.state.settings.base_url, master_secret=b"", home=app.state.settings.home
    )
    try:
        with session_scope(app.state.session_factory) as session:
            found = recover(session, ctx)
    except (BusyError, SQLAlchemyError, OSError) as exc:
        logger.warning("bulk jobs left by a stopped server were not checked: %s", exc)
        return
    if found.interrupted or found.deleted_uploads:
        logger.info(
            "bulk jobs: %d interrupted by a stopped server, %d orphaned uploads deleted",
            len(found.interrupted),
            len(found.deleted_uploads),
        )
