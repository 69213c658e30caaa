"""The page matrix: every page route x unknown id, another's id, no sign-in, a program asking.

Like the API's authorisation matrix (``tests/api/test_v1_authorization.py``), each page
route of the app has a row, and a test fails when a route is added without one. For
every route, asked as a browser (``Accept: text/html``):

- with an id that does not exist (each path parameter in turn): an HTML 404 page;
- with another organisation's id, or another person's credential (each parameter in
  turn, then all of them): an HTML 404 page, exactly as if it did not exist;
- without sign-in, where the page needs it: a redirect to ``/sign-in?next=…`` that comes
  back to this page (for a form post: to the page the form is on);

and asked as a program (``Accept: application/json``): RFC 9457 problem details, 401
without sign-in and 404 for an unknown id. Wallet actions are the one exception, kept
from before: refusing one is a message on the wallet page the form was on.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from page_world import BROWSER, PROGRAM, PageWorld, Side, browser, build_page_world
from sqlalchemy.orm import Session

from credstack.app import ROUTER_MODULES
from credstack.settings import Settings
from credstack.web.negotiation import PageRoute

UNKNOWN = "no-such-id"
_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Page:
    """How one page route answers: whether it needs sign-in, and where a refusal lands."""

    signed_in: bool
    #: for a form post: the page it is on (``next`` after signing in)
    back: str | None = None
    #: refusals are a flashed message on this page instead of a 404 (wallet actions)
    refused_on: str | None = None
    #: form fields a post sends (empty for most: the guards answer before the form is read)
    data: dict[str, str] | None = None


ORG = "/dashboard/{organization_id}"
ACH = ORG + "/achievements/{achievement_id}"
PAGES: dict[str, Page] = {
    "GET /": Page(signed_in=False),
    "GET /verify": Page(signed_in=False),
    "POST /verify": Page(signed_in=False),
    "GET /sign-up": Page(signed_in=False),
    "POST /sign-up": Page(signed_in=False),
    "GET /sign-in": Page(signed_in=False),
    "POST /sign-in": Page(signed_in=False),
    "POST /sign-out": Page(signed_in=False),
    "GET /sign-up/confirm/{token}": Page(signed_in=False),
    "POST /sign-up/confirm/{token}": Page(signed_in=False),
    "GET /password-reset": Page(signed_in=False),
    "POST /password-reset": Page(signed_in=False),
    "GET /password-reset/{token}": Page(signed_in=False),
    "POST /password-reset/{token}": Page(signed_in=False),
    "GET /account/password": Page(signed_in=True),
    "POST /account/password": Page(True, back="/account/password"),
    "GET /credentials/{award_id}": Page(signed_in=False),
    "GET /credentials/{award_id}.pdf": Page(signed_in=False),
    "GET /claim/{token}": Page(signed_in=False),
    "POST /claim/{token}": Page(signed_in=True, back="/claim/{token}"),
    "POST /claim/{token}/sign-up": Page(signed_in=False),
    "POST /claim/{token}/resend": Page(signed_in=False),
    "GET /wallet": Page(signed_in=True),
    "POST /wallet/{award_id}/accept": Page(True, back="/wallet", refused_on="/wallet"),
    "POST /wallet/{award_id}/decline": Page(True, back="/wallet", refused_on="/wallet"),
    "POST /wallet/{award_id}/public": Page(
        True, back="/wallet", refused_on="/wallet", data={"public": "on"}
    ),
    "GET /wallet/export": Page(signed_in=True),
    "GET /wallet/delete": Page(signed_in=True),
    "POST /wallet/delete": Page(True, back="/wallet/delete"),
    "GET /dashboard": Page(signed_in=True),
    "GET /organizations/new": Page(signed_in=True),
    "POST /organizations/new": Page(True, back="/organizations/new"),
    f"GET {ORG}": Page(signed_in=True),
    f"GET {ORG}/achievements/new": Page(signed_in=True),
    f"POST {ORG}/achievements/new": Page(True, back=f"{ORG}/achievements/new"),
    f"GET {ACH}": Page(signed_in=True),
    f"GET {ACH}/edit": Page(signed_in=True),
    f"POST {ACH}/edit": Page(True, back=f"{ACH}/edit"),
    f"POST {ACH}/publish": Page(True, back=ACH),
    f"GET {ACH}/skills": Page(signed_in=True),
    f"POST {ACH}/skills": Page(True, back=f"{ACH}/skills"),
    f"GET {ACH}/awards": Page(signed_in=True),
    f"POST {ACH}/awards": Page(True, back=f"{ACH}/awards"),
    f"POST {ACH}/awards/bulk": Page(True, back=f"{ACH}/awards"),
    f"GET {ORG}/jobs/{{job_id}}": Page(signed_in=True),
    f"GET {ORG}/did-configuration.json": Page(signed_in=True),
    f"POST {ORG}/domain-check": Page(True, back=ORG),
    f"POST {ORG}/awards/{{award_id}}/revoke": Page(True, back=ORG),
}


def page_routes() -> set[str]:
    """``METHOD /path`` of every page route of the routers the app mounts."""
    return {
        f"{method} {route.path}"
        for module in ROUTER_MODULES
        for route in importlib.import_module(module).router.routes
        if isinstance(route, PageRoute)
        for method in route.methods or ()
    }


def test_the_matrix_covers_every_page_route() -> None:
    """A new page route must get a row here (and so the four checks below)."""
    assert page_routes() == set(PAGES)


def _fill(template: str, side: Side, **override: str) -> str:
    return _PARAM.sub(lambda m: override.get(m.group(1), side.ids[m.group(1)]), template)


def _unknown_paths(template: str, world: PageWorld) -> list[str]:
    """The page with each of its ids in turn replaced by one nobody has."""
    return [_fill(template, world.home, **{name: UNKNOWN}) for name in _PARAM.findall(template)]


def _foreign_paths(template: str, world: PageWorld) -> list[str]:
    """The page with each id in turn (then all) taken from the other organisation."""
    names = [name for name in _PARAM.findall(template) if name != "token"]  # a link is a secret
    paths = [_fill(template, world.home, **{name: world.other.ids[name]}) for name in names]
    if len(names) > 1:
        paths.append(_fill(template, world.other))
    return paths


def _ask(
    client: TestClient, method: str, path: str, page: Page, headers: dict[str, str], follow: bool
) -> Response:
    response: Response = client.request(
        method, path, data=page.data or {}, headers=headers, follow_redirects=follow
    )
    return response


def _assert_refused_as_not_found(response: Response, page: Page, what: str) -> None:
    if page.refused_on is not None:
        assert response.url.path == page.refused_on, what
        assert 'class="flash flash-error"' in response.text, what
        return
    assert response.status_code == 404, f"{what}: {response.status_code}"
    assert response.headers["content-type"].startswith("text/html"), what
    assert "<h1>" in response.text and "Traceback" not in response.text, what


@pytest.mark.parametrize("route", list(PAGES))
def test_page_route_guards(
    app: FastAPI, db: Session, settings: Settings, route: str
) -> None:  # fmt: skip
    world = build_page_world(app, db, settings)
    method, template = route.split(" ", 1)
    page = PAGES[route]
    member = browser(app, settings, world.owner)
    visitor = browser(app, settings, None)

    for path in _unknown_paths(template, world):
        response = _ask(member, method, path, page, BROWSER, True)
        _assert_refused_as_not_found(response, page, f"unknown id: {method} {path}")
    for path in _foreign_paths(template, world):
        response = _ask(member, method, path, page, BROWSER, True)
        _assert_refused_as_not_found(response, page, f"another's id: {method} {path}")

    own = _fill(template, world.home)
    response = _ask(visitor, method, own, page, BROWSER, False)
    if page.signed_in:
        back = own if method == "GET" else _fill(page.back or "?", world.home)
        assert response.status_code == 303, f"{method} {own}: {response.status_code}"
        assert response.headers["location"] == f"/sign-in?next={quote(back, safe='/')}"
    else:
        assert not response.headers.get("location", "").startswith("/sign-in"), own

    if page.signed_in:
        response = _ask(visitor, method, own, page, PROGRAM, False)
        assert response.status_code == 401, f"{method} {own} as a program"
        assert response.headers["content-type"] == "application/problem+json"
    for path in _unknown_paths(template, world) if page.refused_on is None else []:
        response = _ask(member, method, path, page, PROGRAM, False)
        assert response.status_code == 404, f"{method} {path} as a program"
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404
