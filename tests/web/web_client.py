"""Browser-like helpers for the page tests: read the CSRF token, sign up, post forms."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from credstack.store.models import OutboxEmail

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


def csrf_from(page: Response) -> str:
    """The hidden CSRF field of a rendered form."""
    match = _CSRF.search(page.text)
    assert match, f"no CSRF field on {page.url}"
    return html.unescape(match.group(1))


def post_form(
    client: TestClient, url: str, data: dict[str, str], form_page: str | None = None, **kw: Any
) -> Response:
    """GET the form page (for its token), then POST ``data`` with it, not following redirects."""
    token = csrf_from(client.get(form_page or url))
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def sign_up(client: TestClient, email: str, name: str = "Grace Hopper") -> Response:
    """Sign up as a person does: the form, the link in the e-mail, the password again.

    Returns the answer to the last step (the redirect of a signed-in person).
    """
    response = post_form(client, "/sign-up", {"name": name, "email": email, "password": PASSWORD})
    assert response.status_code == 200 and "Check your e-mail" in response.text, response.text
    link = emailed_link(client, email, "/sign-up/confirm/")
    response = post_form(client, link, {"password": PASSWORD})
    assert response.status_code == 303, response.text
    return response


def emailed_link(client: TestClient, address: str, prefix: str) -> str:
    """The path of the newest link starting with ``prefix`` e-mailed to ``address``."""
    factory: sessionmaker[Session] = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as db:
        bodies = db.scalars(
            select(OutboxEmail.text_body)
            .where(OutboxEmail.to_address == address.strip().lower())
            .order_by(OutboxEmail.id.desc())
        ).all()
    for body in bodies:
        match = re.search(re.escape(prefix) + r"[A-Za-z0-9_-]*", body)
        if match:
            return match.group(0)
    raise AssertionError(f"no e-mail to {address} holds a link {prefix}...")


def create_organization(client: TestClient, name: str = "Open Data Academy", **fields: str) -> str:
    """Create an organisation through the form; returns its id (from the redirect)."""
    data = {
        "name": name,
        "type": "university",
        "url": "https://academy.example",
        "country": "NL",
        **fields,
    }
    response = post_form(client, "/organizations/new", data)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/dashboard/")
    return location.removeprefix("/dashboard/")
