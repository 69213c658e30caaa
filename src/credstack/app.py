"""``create_app(settings)``: the one web application object (pages, API, health).

The CLI's ``serve``, the tests and any ASGI server build the app the same way, from
explicit settings. Routers are listed by module path in :data:`ROUTER_MODULES`; each
module exposes ``router`` (a FastAPI ``APIRouter``), so adding a page or an API area is
one line here.

This is also where the edges meet: the API and the web pages never import
``credstack.workers`` (the edges are independent layers); the app gives them the bulk job
registry (``app.state.bulk_jobs``) with a worker behind it, and runs the mail delivery
loop while it serves when asked to (``credstack serve``).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credstack import __version__
from credstack.api.problems import install_problem_handlers
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk_jobs import BulkJobs
from credstack.settings import Settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.web.rendering import STATIC_DIR
from credstack.web.sessions import install_sessions
from credstack.workers.bulk_jobs import ThreadedJobRunner
from credstack.workers.mail_delivery import MailDelivery

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
    *,
    deliver_mail: bool = False,
) -> FastAPI:
    """Build the app from explicit settings.

    ``engine`` lets a caller (``serve``, the tests) share its engine, else one is made from
    the settings; ``sessions`` lets tests bind request sessions to a connection whose
    outer transaction they roll back afterwards. ``deliver_mail`` runs the mail delivery
    loop (``credstack.workers.mail_delivery``) from the app's start to its shutdown.
    """
    owns_engine = engine is None
    engine = engine or create_database_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        mail = (
            MailDelivery(engine, ServiceContext.from_settings(settings)) if deliver_mail else None
        )
        if mail is not None:
            mail.start()
        try:
            yield
        finally:
            if mail is not None:
                mail.stop()
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
    app.state.session_factory = sessions or session_factory(engine)
    app.state.bulk_jobs = BulkJobs(
        app.state.session_factory, runner=ThreadedJobRunner(app.state.session_factory)
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
