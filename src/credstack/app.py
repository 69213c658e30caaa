"""``create_app(settings)``: the one web application object (pages, API, health).

The CLI's ``serve``, the tests and any ASGI server build the app the same way, from
explicit settings. Routers are listed by module path in :data:`ROUTER_MODULES`; each
module exposes ``router`` (a FastAPI ``APIRouter``), so adding a page or an API area is
one line here.

Errors are answered here, once for both edges (:func:`install_error_handlers`): every
exception is described by ``api.problems.describe`` (the one map from error class to
status), then shown as an HTML page to a browser asking for a page and as RFC 9457
problem details to everyone else (``web.negotiation`` decides which).

This is also where the edges meet: the API and the web pages never import
``credstack.workers`` (the edges are independent layers); the app gives them the bulk job
registry (``app.state.bulk_jobs``) with a worker behind it, and runs the mail delivery
loop while it serves when asked to (``credstack serve``).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from credstack import __version__
from credstack.api import problems
from credstack.api.allow import allowed_methods
from credstack.api.openapi import install_openapi
from credstack.api.routes import v1_achievements, v1_awards
from credstack.core.errors import BusyError
from credstack.core.image_data import MAX_IMAGE_BYTES
from credstack.core.inputs import MAX_INPUT_BYTES
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk_jobs import BulkJobs, recover
from credstack.settings import Settings
from credstack.store.engine import Transactions, engine_for, session_factory, session_scope
from credstack.store.write_errors import cannot_write_reason
from credstack.web.body_limits import MULTIPART_ALLOWANCE, BodyLimit, BodyLimitMiddleware
from credstack.web.errors import error_response, refusal_response
from credstack.web.negotiation import answers_with_page
from credstack.web.rendering import STATIC_DIR
from credstack.web.routes import achievements as web_achievements
from credstack.web.routes import awards as web_awards
from credstack.web.security_headers import SecurityHeadersMiddleware
from credstack.web.sessions import install_sessions
from credstack.workers.bulk_jobs import ThreadedJobRunner
from credstack.workers.mail_delivery import MailDelivery
from credstack.workers.status_lists import status_list_refresher

logger = logging.getLogger("credstack.app")

#: modules whose ``router`` is mounted, in order (add one line per router)
ROUTER_MODULES: tuple[str, ...] = (
    "credstack.api.health",
    "credstack.api.docs",
    "credstack.api.routes.issuers",
    "credstack.api.routes.achievements",
    "credstack.web.routes.credential_page",
    "credstack.api.routes.credentials",
    "credstack.api.routes.status",
    "credstack.web.routes.home",
    "credstack.web.routes.verify_page",
    "credstack.web.routes.wallet",
    "credstack.web.routes.auth",
    "credstack.web.routes.passwords",
    "credstack.web.routes.dashboard",
    "credstack.web.routes.issuer_trust",
    "credstack.web.routes.achievements",
    "credstack.web.routes.awards",
    "credstack.api.routes.v1_organizations",
    "credstack.api.routes.v1_tokens",
    "credstack.api.routes.v1_achievements",
    "credstack.api.routes.v1_awards",
    "credstack.api.routes.v1_credentials",
    "credstack.api.routes.v1_verify",
    "credstack.api.routes.well_known",
)


def body_limits() -> tuple[BodyLimit, ...]:
    """The routes whose bodies may exceed the default 256 KB: uploads, each its own limit.

    Each limit is the route's own documented one plus room for multipart framing and the
    other fields, so the route still answers a file just over it with its own message.
    """
    room = MULTIPART_ALLOWANCE
    return (
        BodyLimit(
            r"/dashboard/[^/]+/achievements/[^/]+/awards/bulk",
            web_awards.MAX_CSV_BYTES + room,
            "the CSV file",
        ),
        BodyLimit(r"/api/v1/awards/bulk", v1_awards.MAX_CSV_BYTES + room, "the CSV file"),
        BodyLimit(r"/verify|/api/v1/verify", MAX_INPUT_BYTES + room, "the credential"),
        BodyLimit(
            r"/dashboard/[^/]+/achievements/(new|[^/]+/edit)",
            web_achievements.MAX_BADGE_BYTES + room,
            "the achievement form with its image",
        ),
        BodyLimit(r"/organizations/new", MAX_IMAGE_BYTES + room, "the form with its logo"),
        BodyLimit(
            r"/api/v1/organizations/[^/]+/achievements|/api/v1/achievements/[^/]+",
            v1_achievements.MAX_DEFINITION_BYTES + room,
            "the achievement definition",
        ),
    )


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    sessions: sessionmaker[Session] | None = None,
    *,
    background: bool = False,
) -> FastAPI:
    """Build the app from explicit settings.

    ``engine`` lets a caller (``serve``, the tests) share its engine, else one is made from
    the settings; ``sessions`` lets tests bind request sessions to a connection whose
    outer transaction they roll back afterwards. ``background`` runs the background loops
    (``credstack.workers``: mail delivery, status-list re-signing) from the app's start to
    its shutdown.

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
        loops = []
        if background:
            ctx = ServiceContext.from_settings(settings)
            loops = [MailDelivery(engine, ctx), status_list_refresher(engine, ctx)]
        for loop in loops:
            loop.start()
        try:
            yield
        finally:
            for loop in reversed(loops):
                loop.stop()
            if owns_engine:
                engine.dispose()

    app = FastAPI(
        title="Credstack",
        version=__version__,
        description="Issue, stack, share and verify Open Badges 3.0 micro-credentials.",
        docs_url=None,  # credstack.api.docs serves it from vendored files (no CDN)
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
        app.state.read_session_factory,
        runner=ThreadedJobRunner(app.state.background_session_factory),
    )
    install_error_handlers(app)
    install_openapi(app)
    install_sessions(app, refuse=refusal_response)
    for module_name in ROUTER_MODULES:
        router = importlib.import_module(module_name).router
        if not isinstance(router, APIRouter):
            raise TypeError(f"{module_name}.router is not a FastAPI APIRouter")
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # outside the session/CSRF middleware: a body is limited before anything buffers it
    app.add_middleware(BodyLimitMiddleware, limits=body_limits())
    # added last, so it is the outermost: every answer of the layers inside gets the headers
    app.add_middleware(SecurityHeadersMiddleware, base_url=settings.base_url)
    return app


def answer_error(request: Request, exc: Exception) -> Response:
    """An error as a page (browsers on pages) or as problem details (everyone else).

    Synchronous on purpose: Starlette runs it in a worker thread, and the error page may
    read the signed-in person from the database for the site header.
    """
    described = problems.describe(exc)
    if described.status == 405:
        allow = {"Allow": allowed_methods(request)}
        described = dataclasses.replace(described, headers=described.headers | allow)
    if answers_with_page(request):
        return error_response(
            request,
            described.status,
            described.detail,
            problems=described.problems,
            headers=described.headers,
            title=described.heading,
        )
    return problems.problem_response(described, request.url.path)


def answer_database_error(request: Request, exc: Exception) -> Response:
    """A write the database refuses (read-only, disk full) as a 503; any other database
    error goes on to the 500 handler, which logs it (it is a bug, not a state to wait out)."""
    if cannot_write_reason(exc) is None:
        raise exc
    return answer_error(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every exception through :func:`answer_error` (a 500 for the unexpected)."""
    for kind in problems.HANDLED:
        app.add_exception_handler(kind, answer_error)
    app.add_exception_handler(DBAPIError, answer_database_error)


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
