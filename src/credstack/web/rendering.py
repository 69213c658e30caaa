"""Server-rendered pages: one Jinja2 environment, escaping on, the CSRF token and flashes added.

Every page goes through :func:`render`, so no template can forget the CSRF field value,
the signed-in user for the header, or the one-time messages queued with :func:`flash`
before a redirect (stored in the signed session cookie, shown once, then dropped).
Autoescaping is on for every template: a name such as ``<script>`` prints as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from credstack.web.sessions import CSRF_FIELD, csrf_token, web_session

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
_FLASH_KEY = "flash"
#: the kinds of one-time message the layout knows how to show
FLASH_KINDS = ("info", "success", "error")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def link_target(url: object) -> str | None:
    """``url`` when a browser may follow it (http, https, mailto), else None.

    Autoescaping stops markup, not ``javascript:`` or ``data:`` links: a credential we are
    asked to verify can carry any text as its ``id``, so every link built from credential
    data goes through this filter and is shown as plain text when it is not safe.
    """
    if not isinstance(url, str):
        return None
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    return url if scheme in {"http", "https", "mailto"} else None


environment.filters["link_target"] = link_target


def flash(request: Request, message: str, kind: str = "info") -> None:
    """Queue a message for the next page this browser renders (after a redirect)."""
    if kind not in FLASH_KINDS:
        raise ValueError(f"flash kind must be one of {', '.join(FLASH_KINDS)}")
    session = web_session(request)
    queued = list(session.data.get(_FLASH_KEY) or [])
    queued.append([kind, message])
    session.data[_FLASH_KEY] = queued
    session.dirty = True


def _take_flashes(request: Request) -> list[tuple[str, str]]:
    session = web_session(request)
    queued = session.data.pop(_FLASH_KEY, None)
    if not queued:
        return []
    session.dirty = True
    return [(str(kind), str(text)) for kind, text in queued]


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template`` with ``context`` plus ``user``, ``csrf_token`` and ``flashes``.

    ``user`` (the signed-in :class:`~credstack.store.models.User` or None) is passed by
    the route, which already has it from its dependency; it defaults to None.
    """
    context.setdefault("user", None)
    context.setdefault("errors", {})
    page = environment.get_template(template).render(
        request=request,
        csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(request),
        flashes=_take_flashes(request),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """A 303 See Other: after a POST the browser GETs ``url`` (no re-post on reload)."""
    return RedirectResponse(url, status_code=303)


def field_errors(problems: list[str]) -> dict[str, list[str]]:
    """Service problems (``"name: must not be empty"``) grouped by field for the form.

    A problem without a ``field:`` prefix is kept under ``""`` and shown above the form.
    """
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        head, separator, rest = problem.partition(": ")
        if separator and head.replace("_", "").replace(".", "").isalnum() and " " not in head:
            grouped.setdefault(head, []).append(rest)
        else:
            grouped.setdefault("", []).append(problem)
    return grouped


def standalone_error_page(status_code: int, title: str, message: str) -> HTMLResponse:
    """The error page without a request session, for middleware that answers first.

    The body-limit check refuses a request before the session middleware has read its
    cookie; the page then shows the signed-out header (which needs no CSRF token).
    """
    page = environment.get_template("error.html").render(
        csrf_field=CSRF_FIELD, csrf_token="", flashes=[], user=None, errors={},
        title=title, message=message, hint="", problems=[],
    )  # fmt: skip
    return HTMLResponse(page, status_code=status_code)
