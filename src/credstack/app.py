"""``create_app(settings)``: the one web application object (pages, API, health).

The CLI's ``serve``, the tests and any ASGI server build the app the same way, from
explicit settings. Routers are listed by module path in :data:`ROUTER_MODULES`; each
module exposes ``router`` (a FastAPI ``APIRouter``), so adding a page or an API area is
one line here.

Errors are answered here, once for both edges (:func:`install_error_handlers`): every
exception is described by ``api.problems.describe`` (the one map from error class to
status), then shown as an HTML page to a browser asking for a page and as RFC 9457
problem details to everyone else (``web.negotiation`` decides which).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credstack import __version__
from credstack.api import problems
from credstack.api.allow import allowed_methods
from credstack.api.openapi import install_openapi
from credstack.settings import Settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.web.errors import error_response, refusal_response
from credstack.web.negotiation import answers_with_page
from credstack.web.rendering import STATIC_DIR
from credstack.web.sessions import install_sessions

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
    """
    owns_engine = engine is None
    engine = engine or create_database_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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
    app.state.session_factory = sessions or session_factory(engine)
    install_error_handlers(app)
    install_openapi(app)
    install_sessions(app, refuse=refusal_response)
    for module_name in ROUTER_MODULES:
        router = importlib.import_module(module_name).router
        if not isinstance(router, APIRouter):
            raise TypeError(f"{module_name}.router is not a FastAPI APIRouter")
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
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
        )
    return problems.problem_response(described, request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every exception through :func:`answer_error` (a 500 for the unexpected)."""
    for kind in problems.HANDLED:
        app.add_exception_handler(kind, answer_error)
