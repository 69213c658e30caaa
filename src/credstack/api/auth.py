"""Who is calling the API: a bearer token (machines) or the browser's session (people).

``Authorization: Bearer cst_...`` wins when present; otherwise the session cookie that
``credstack.web.sessions.SessionMiddleware`` loaded into the request scope is used (that
middleware has already refused unsafe cookie requests without the CSRF token). The API
reads the session through the scope, not by importing ``web``: the two edges are
independent layers.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Protocol

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from credstack.api.dependencies import AppSettings, DbSession
from credstack.core.errors import AuthenticationError
from credstack.core.rate_limit import RateLimiters
from credstack.services.accounts import tokens
from credstack.services.accounts import users as accounts
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext

SESSION_SCOPE_KEY = "credstack.session"
NOT_AUTHENTICATED = (
    "sign in, or send an API token as 'Authorization: Bearer cst_...' "
    "(create one under your organisation's tokens)"
)
#: the two ways in, as the OpenAPI document names them (neither refuses by itself:
#: :func:`api_principal` does, with a message that says what to send)
BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="cst_...",
    description="An API token of an organisation: 'Authorization: Bearer cst_...'.",
    auto_error=False,
)
#: the cookie ``web.sessions`` sets at sign-in (``SESSION_COOKIE``; a test pins the name)
SESSION_COOKIE_SCHEME = APIKeyCookie(
    name="credstack_session",
    scheme_name="session",
    description="A signed-in browser session; unsafe methods also need 'X-CSRF-Token'.",
    auto_error=False,
)


class _SessionView(Protocol):
    """What the API needs from the web session object (see ``web.sessions.WebSession``)."""

    data: dict[str, Any]

    @property
    def user_id(self) -> str | None: ...


def api_principal(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    _cookie: Annotated[str | None, Depends(SESSION_COOKIE_SCHEME)],
) -> Principal:
    """The principal of this API request; ``AuthenticationError`` (401) if there is none.

    ``_cookie`` is there for the OpenAPI document only: the session middleware has
    already checked the cookie and put the session into the request scope.
    """
    if bearer is not None:
        ctx = ServiceContext.from_settings(settings, actor="api")
        return tokens.authenticate(session, ctx, bearer.credentials)
    if "authorization" in request.headers:  # present but empty or not a bearer token
        raise AuthenticationError("use 'Authorization: Bearer cst_...' with an API token")
    web: _SessionView | None = request.scope.get(SESSION_SCOPE_KEY)
    user_id = web.user_id if web is not None else None
    if web is None or user_id is None:
        raise AuthenticationError(NOT_AUTHENTICATED)
    user = accounts.session_user(session, user_id, web.data.get("pw"))
    if user is None:
        raise AuthenticationError(NOT_AUTHENTICATED)
    return Principal(user_id=user.id)


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def acting_context(settings: AppSettings, principal: ApiPrincipal) -> ServiceContext:
    """The service context of a request, naming the principal in the audit log."""
    return ServiceContext.from_settings(settings, actor=principal.actor)


ActingContext = Annotated[ServiceContext, Depends(acting_context)]


def enforce_rate_limit(request: Request, name: str) -> None:
    """Count one hit of limiter ``name`` for the client's IP address; 429 when over it."""
    limiters: RateLimiters | None = getattr(request.app.state, "rate_limiters", None)
    if limiters is None:
        limiters = request.app.state.rate_limiters = RateLimiters()
    address = request.client.host if request.client is not None else "unknown"
    decision = limiters.get(name).hit(address, time.monotonic())
    if not decision.allowed:
        raise HTTPException(
            429,
            f"too many requests: wait {decision.retry_after} seconds and try again",
            headers={"Retry-After": str(decision.retry_after)},
        )
