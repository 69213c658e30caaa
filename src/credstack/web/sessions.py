"""Session cookies for people, kept in the database, and the CSRF check on every unsafe request.

The cookie is a small JSON payload signed with HMAC-SHA256 under a key derived from the
deployment's master secret: the CSRF token, one-time messages and, once someone signs
in, a random session id. Who is signed in is decided by the database, not the cookie:
the id names a row of ``user_sessions`` (``services.accounts.sessions``), so signing
out, changing or resetting the password end a session on every copy of the cookie, and
a session also ends when unused for ``CREDSTACK_SESSION_IDLE_HOURS`` or
``CREDSTACK_SESSION_MAX_DAYS`` after signing in. The cookie is ``HttpOnly``,
``SameSite=Lax``, ``Path=/`` and ``Secure`` when the base URL is https; it expires after
:data:`SESSION_LIFETIME` and is renewed when half of that has passed.

CSRF: each session carries a random token; pages put it in a hidden ``csrf_token`` field
(:func:`csrf_token`), scripts may send it as ``X-CSRF-Token``. The middleware refuses,
before a route runs, any POST/PUT/PATCH/DELETE without it that either carries the session
cookie or is a form (url-encoded, multipart, text/plain) to a page. The header is checked
without reading the body; a request without a session token is refused unread; a form
is read only as far as its token (``web.csrf_form``), so a refused upload is never
buffered. Exempt are
``POST /api/v1/verify`` (anonymous, no state changes), requests with a bearer token
(no ambient cookie authority), and API calls that carry no session cookie at all.

Rate limits (:func:`enforce_rate_limit`, :func:`rate_limited`) count in the database
(``services.rate_limits``), shared by every process of the site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credstack.core.errors import AuthenticationError
from credstack.services import rate_limits
from credstack.services.accounts import sessions as account_sessions
from credstack.services.accounts.sessions import SessionPolicy
from credstack.services.context import ServiceContext
from credstack.services.rate_limits import Hit, RateLimiter
from credstack.settings import Settings
from credstack.store.models import User
from credstack.store.request_scope import mark_reads_only, open_write_session, request_scope
from credstack.web.csrf_form import CSRF_FIELD as CSRF_FIELD  # re-exported
from credstack.web.csrf_form import csrf_field_of

SESSION_COOKIE = "credstack_session"
#: how long the cookie lasts (renewed while used); the signed-in session ends sooner
SESSION_LIFETIME = 7 * 24 * 3600
CSRF_HEADER = "x-csrf-token"
CSRF_EXEMPT_PATHS = frozenset({"/api/v1/verify"})
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SCOPE_KEY = "credstack.session"
#: content types a page on another site can POST without asking (no CORS preflight)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
CSRF_REFUSED = (
    "this form has expired or was sent from another site (no valid CSRF token): "
    "reload the page and send it again"
)


def session_key(master_secret: bytes) -> bytes:
    """The cookie-signing key: derived, so the master secret itself never signs cookies."""
    return hmac.new(master_secret, b"credstack/session-cookie/v1", hashlib.sha256).digest()


def encode_cookie(key: bytes, data: dict[str, Any]) -> str:
    """``payload.signature``, both base64url, the payload being compact JSON."""
    payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return payload + "." + _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def decode_cookie(key: bytes, value: str, now: float) -> dict[str, Any] | None:
    """The payload if the signature is ours and it has not expired, else None."""
    payload, _, signature = value.partition(".")
    expected = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        return None
    try:
        data = json.loads(_unb64(payload))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int) or data["exp"] <= now:
        return None
    return data


class WebSession:
    """The current request's session data; changes are written back as a cookie."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.data: dict[str, Any] = dict(data or {})
        self.dirty = False

    @property
    def session_id(self) -> str | None:
        """The id of the signed-in session (a row of ``user_sessions``), if any."""
        value = self.data.get("sid")
        return value if isinstance(value, str) else None

    def csrf(self) -> str:
        """The session's CSRF token, created on first use (this also starts a session)."""
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            self.data["csrf"] = token
            self.dirty = True
        return token

    def start(self, session_id: str) -> None:
        """A fresh session with id ``session_id``: new CSRF token, so a fixed one is useless."""
        self.data = {"sid": session_id, "csrf": secrets.token_urlsafe(32)}
        self.dirty = True

    def clear(self) -> None:
        self.data = {}
        self.dirty = True


def web_session(request: Request) -> WebSession:
    """The session of this request (installed by :class:`SessionMiddleware`)."""
    session = request.scope.get(_SCOPE_KEY)
    if not isinstance(session, WebSession):
        raise RuntimeError("SessionMiddleware is not installed (call install_sessions)")
    return session


def ensure_web_session(request: Request) -> None:
    """Give a request that never passed the middleware an empty session (for error pages).

    Only a server error raised by the middleware itself is answered outside it; its page
    then renders as for a visitor, and nothing of this session is saved.
    """
    request.scope.setdefault(_SCOPE_KEY, WebSession(None))


def csrf_token(request: Request) -> str:
    """The value pages put in their hidden ``csrf_token`` field."""
    return web_session(request).csrf()


def session_policy(request: Request) -> SessionPolicy:
    """How long sessions last in this app (from its settings)."""
    return SessionPolicy.from_settings(request.app.state.settings)


def sign_in(request: Request, db: Session, user: User) -> None:
    """Make ``user`` the signed-in person of this browser (call after ``accounts.sign_in``).

    Any session this browser had ends: a session id planted before signing in is useless.
    """
    sign_out(request, db)
    ctx = ServiceContext.from_settings(request.app.state.settings, actor=f"user:{user.id}")
    session_id = account_sessions.start_session(
        db,
        ctx,
        user,
        session_policy(request),
        user_agent=request.headers.get("user-agent"),
        ip_address=client_address(request),
    )
    web_session(request).start(session_id)


def sign_out(request: Request, db: Session) -> None:
    """End this browser's session, in the database too (every copy of the cookie)."""
    session = web_session(request)
    if session.session_id is not None:
        account_sessions.end_session(db, session.session_id)
    session.clear()


async def get_web_db(request: Request) -> AsyncIterator[Session]:
    """A page request's database session: committed on success, rolled back on error.

    The same contract as ``credstack.api.dependencies.get_session`` (pages may not import
    the API package: the two edges are independent layers): GET and HEAD pages read
    without waiting for writers, forms begin their write transaction up front.
    """
    async with request_scope(request) as session:
        yield session


async def reads_only(request: Request) -> None:
    """Mark this page request as one that only reads (a form that verifies, then shows).

    The same as ``credstack.api.dependencies.reads_only``, for pages.
    """
    mark_reads_only(request)


#: ``dependencies=[ReadsOnly]``: the form only reads, then works without the database
ReadsOnly = Depends(reads_only)
#: a page request's session, committed before the response goes out
WebDb = Annotated[Session, Depends(get_web_db, scope="function")]


def optional_user(request: Request, db: WebDb) -> User | None:
    """The signed-in user, or None (no session, or it ended: signed out, expired, password
    changed or reset, account deleted)."""
    session = web_session(request)
    if session.session_id is None:
        return None
    now = datetime.now(UTC)
    user = account_sessions.session_user(db, session.session_id, session_policy(request), now)
    if user is None:
        session.clear()
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in user; ``AuthenticationError`` (401) when nobody is signed in."""
    if user is None:
        raise AuthenticationError("you are not signed in: sign in at /sign-in and try again")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


#: how the middleware answers a request it refuses: ``(request, status, detail)``
Refusal = Callable[[Request, int, str], Response]


class SessionMiddleware:
    """Loads and saves the session cookie, and refuses unsafe requests without CSRF token."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        refuse: Refusal | None = None,
    ):
        self.app = app
        self.settings = settings
        self.refuse = refuse or problem_refusal
        self.secure = settings.base_url.startswith("https://")
        self.clock = clock
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = session_key(self.settings.master_secret())
        return self._key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = self.clock()
        headers = _headers(scope)
        raw_cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        data = decode_cookie(self.key, raw_cookie, now) if raw_cookie else None
        session = WebSession(data)
        if data is not None and data["exp"] - now < SESSION_LIFETIME / 2:
            session.dirty = True  # renew a session that is past half its life
        scope[_SCOPE_KEY] = session
        if _needs_csrf(scope, headers, has_cookie=raw_cookie is not None):
            expected = session.data.get("csrf")
            presented = headers.get(CSRF_HEADER)
            if presented is None and isinstance(expected, str):
                presented, receive = await csrf_field_of(headers, receive)
            if not (
                isinstance(expected, str)
                and presented
                and hmac.compare_digest(presented.encode(), expected.encode())
            ):
                await self._refuse(scope, send, 403, CSRF_REFUSED)
                return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.dirty:
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], self._set_cookie(session, now)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _refuse(self, scope: Scope, send: Send, status: int, detail: str) -> None:
        """Answer a refused request (in a worker thread: a page may read the database)."""
        response = await run_in_threadpool(self.refuse, Request(scope), status, detail)
        await response(scope, _replay(b""), send)

    def _set_cookie(self, session: WebSession, now: float) -> tuple[bytes, bytes]:
        attributes = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
        if not session.data:
            value = f"{SESSION_COOKIE}=; Max-Age=0{attributes}"
        else:
            data = {**session.data, "exp": int(now) + SESSION_LIFETIME}
            value = (
                f"{SESSION_COOKIE}={encode_cookie(self.key, data)}; "
                f"Max-Age={SESSION_LIFETIME}{attributes}"
            )
        return b"set-cookie", value.encode("latin-1")


def install_sessions(app: FastAPI, refuse: Refusal | None = None) -> None:
    """Add the session + CSRF middleware and the rate limiter to an app (``create_app``).

    ``refuse`` answers a request the middleware refuses (no CSRF token, form too large);
    by default as problem details (``credstack.app`` passes one that shows browsers a page).
    """
    app.state.rate_limiter = RateLimiter.from_settings(
        app.state.session_factory, app.state.settings
    )
    app.add_middleware(SessionMiddleware, settings=app.state.settings, refuse=refuse)


def client_address(request: Request) -> str:
    """The peer's IP address (no proxy header is trusted: set one up in the proxy instead)."""
    return request.client.host if request.client is not None else "unknown"


def client_hit(request: Request, name: str, key: str = "") -> Hit:
    """A hit of limit ``name`` by this client's IP address (and ``key``, e.g. an address)."""
    address = client_address(request)
    return Hit(name, f"{address}|{key}" if key else address)


def enforce_rate_limit(request: Request, *hits: Hit) -> None:
    """Count ``hits`` in a transaction of their own; ``TooManyRequestsError`` (429) if over.

    Call it before the request's own database session is used (``services.rate_limits``).
    A form whose write transaction has already begun (its route takes ``WebDb``) holds
    SQLite's write lock, so its hits are counted in that transaction instead: the forms
    that count this way answer a refusal with a page, so the hit commits with it.
    """
    session = open_write_session(request)
    if session is not None:
        count_rate_limit(request, session, *hits)
        return
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.enforce(ServiceContext.from_settings(request.app.state.settings, actor="web"), *hits)


def count_rate_limit(request: Request, db: Session, *hits: Hit) -> None:
    """Count ``hits`` inside the request's transaction (they stand or fall with its work)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    ctx = ServiceContext.from_settings(request.app.state.settings, actor="web")
    decision = rate_limits.count(db, ctx, limiter.limits, hits)
    if not decision.allowed:
        raise rate_limits.refusal(decision)


def rate_limited(name: str) -> Callable[[Request], None]:
    """A dependency counting one hit of ``name`` per client IP before the route runs.

    Declare it before any dependency that reads the database (e.g. ``OptionalUser``), so
    the hit is committed before the request's own transaction begins.
    """

    def dependency(request: Request) -> None:
        enforce_rate_limit(request, client_hit(request, name))

    return dependency


def _needs_csrf(scope: Scope, headers: dict[str, str], *, has_cookie: bool) -> bool:
    """Check requests that carry ambient authority (the cookie) or a form a site could post.

    A form posted from another site may arrive without our cookie (``SameSite=Lax``) yet
    still sign the victim in to the attacker's account, so page forms are checked even
    without a cookie. A cookie-less API call, or one with no form body, has no authority
    a third-party site could borrow.
    """
    if scope["method"] not in _UNSAFE or scope["path"] in CSRF_EXEMPT_PATHS:
        return False
    if headers.get("authorization", "").lower().startswith("bearer "):
        return False
    if has_cookie:
        return True
    if scope["path"].startswith("/api/"):
        return False
    return headers.get("content-type", "").lower().startswith(_FORM_TYPES)


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }


def _cookie(header: str, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is treated as no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def problem_refusal(request: Request, status: int, detail: str) -> Response:
    """An RFC 9457 body like the API's (``api.problems`` is out of reach of ``web``)."""
    body = {
        "type": "urn:credstack:problem:" + ("csrf" if status == 403 else "too-large"),
        "title": "Forbidden" if status == 403 else "Too large",
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
