"""Browser-like helpers for the page tests: read the CSRF token, sign up, post forms."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

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
    response = post_form(client, "/sign-up", {"name": name, "email": email, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return response


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
