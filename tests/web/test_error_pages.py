"""Errors as a browser and as a program see them; sign-in redirects with a safe ``next``.

A page request (``Accept: text/html``, or a page route asked without naming JSON) gets
an HTML page in the site's layout; everything else gets RFC 9457 problem details. Each
typed error of ``core/errors.py`` is tried through a page route added for the test, so
the real handlers answer it; the other cases use the app's own pages.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from page_world import BROWSER, PROGRAM, browser, build_page_world
from sqlalchemy.orm import Session
from web_client import PASSWORD, csrf_from, post_form, sign_up

from credstack.api.problems import SERVER_ERROR
from credstack.core import errors
from credstack.settings import Settings
from credstack.web.access import safe_next
from credstack.web.negotiation import PageRoute

SECRET = "database password is hunter2"
RAISED: dict[str, tuple[Exception, int]] = {
    "not-found": (errors.NotFoundError("there is no such micro-credential here"), 404),
    "forbidden": (errors.PermissionDeniedError("'award' needs the role awarder or higher"), 403),
    "input": (errors.InputError("the cursor is not one this site made"), 400),
    "invalid": (
        errors.ValidationError("cannot publish", ["ects_credits: missing", "name: <b>empty</b>"]),
        422,
    ),
    "conflict": (errors.ConflictError("this award is already revoked"), 409),
    "unexpected": (RuntimeError(SECRET), 500),
}


@pytest.fixture
def raising_app(app: FastAPI) -> FastAPI:
    """The app plus one page route raising the error named in its path."""

    def boom(kind: str) -> None:
        raise RAISED[kind][0]

    app.router.add_api_route("/test-errors/{kind}", boom, route_class_override=PageRoute)
    return app


@pytest.mark.parametrize("kind", list(RAISED))
def test_a_browser_gets_an_error_page_in_the_layout(raising_app: FastAPI, kind: str) -> None:
    error, status = RAISED[kind]
    client = TestClient(raising_app, raise_server_exceptions=False)
    response = client.get(f"/test-errors/{kind}", headers=BROWSER)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'href="/static/credstack.css"' in page and "Skip to the content" in page
    if status == 500:
        assert SECRET not in page and "Traceback" not in page
        assert "<h1>Something went wrong</h1>" in page
        return
    assert str(error).replace("'", "&#39;") in page
    if isinstance(error, errors.ValidationError):
        assert "<li>ects_credits: missing</li>" in page
        assert "<li>name: &lt;b&gt;empty&lt;/b&gt;</li>" in page  # escaped, not markup


@pytest.mark.parametrize("kind", list(RAISED))
def test_a_program_gets_problem_details(raising_app: FastAPI, kind: str) -> None:
    error, status = RAISED[kind]
    client = TestClient(raising_app, raise_server_exceptions=False)
    response = client.get(f"/test-errors/{kind}", headers=PROGRAM)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["instance"] == f"/test-errors/{kind}"
    assert body["detail"] == (SERVER_ERROR if status == 500 else str(error))
    if isinstance(error, errors.ValidationError):
        assert body["problems"] == error.problems


def test_an_unknown_page_is_an_html_404_for_browsers_and_a_problem_for_programs(
    app: FastAPI,
) -> None:
    client = TestClient(app)
    page = client.get("/no/such/page", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Page not found · Credstack</title>" in page.text
    for headers in (PROGRAM, {"Accept": "*/*"}):
        problem = client.get("/no/such/page", headers=headers)
        assert problem.status_code == 404
        assert problem.headers["content-type"] == "application/problem+json"


def test_api_paths_answer_problems_even_to_a_browser(app: FastAPI) -> None:
    client = TestClient(app)
    for path, status in (("/api/v1/no-such-thing", 404), ("/api/v1/organizations", 401)):
        response = client.get(path, headers=BROWSER)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/problem+json", path


def test_bad_query_input_is_a_422_page_listing_the_problem(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_page_world(app, db, settings)
    home = world.home.ids
    url = f"/dashboard/{home['organization_id']}/achievements/{home['achievement_id']}/awards"
    response = browser(app, settings, world.owner).get(f"{url}?page=second", headers=BROWSER)
    assert response.status_code == 422
    assert "<h1>Some of the input is not valid</h1>" in response.text
    assert "query.page" in response.text


def test_an_error_page_shows_who_is_signed_in(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_page_world(app, db, settings)
    response = browser(app, settings, world.owner).get("/dashboard/no-such-id", headers=BROWSER)
    assert response.status_code == 404
    assert "Sign out" in response.text and world.owner.name in response.text


def test_a_form_address_asked_for_as_a_page_is_a_405_page(app: FastAPI) -> None:
    response = TestClient(app).get("/sign-out", headers=BROWSER)
    assert response.status_code == 405
    assert "go back to the page the form is on" in response.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "/x\x7f",
        "dashboard",
        "",
        None,
    ],
)
def test_next_refuses_anything_but_a_path_on_this_site(target: str | None) -> None:
    assert safe_next(target) == "/dashboard"


def test_next_keeps_a_path_with_its_query() -> None:
    assert safe_next("/dashboard/x/achievements/y/awards?page=2") == (
        "/dashboard/x/achievements/y/awards?page=2"
    )


def test_after_sign_in_the_visitor_lands_on_the_page_they_asked_for(app: FastAPI) -> None:
    client = TestClient(app)
    sign_up(client, "back@example.org")
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/"))})
    asked = "/dashboard/some-org/achievements/some-id/awards?page=2"
    redirected = client.get(asked, headers=BROWSER, follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"] == f"/sign-in?next={quote(asked, safe='/')}"
    form = client.get(redirected.headers["location"], headers=BROWSER)
    assert f'name="next" value="{asked.replace("&", "&amp;")}"' in form.text
    signed_in = post_form(
        client,
        "/sign-in",
        {"email": "back@example.org", "password": PASSWORD, "next": asked},
        form_page=redirected.headers["location"],
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == asked


def test_an_unsafe_next_from_a_link_is_dropped_from_the_sign_in_form(app: FastAPI) -> None:
    unsafe = quote("/\\evil.example")
    form = TestClient(app).get(f"/sign-in?next={unsafe}", headers=BROWSER)
    assert 'name="next" value=""' in form.text


def test_a_form_without_its_csrf_token_is_refused_with_a_page_for_browsers(app: FastAPI) -> None:
    client = TestClient(app)
    client.get("/sign-in")  # a visitor's session, whose token the post leaves out
    form = {"email": "a@example.org", "password": PASSWORD}
    page = client.post("/sign-in", data=form, headers=BROWSER)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Not allowed</h1>" in page.text and "reload the page" in page.text
    problem = client.post("/sign-in", data=form, headers=PROGRAM)
    assert problem.status_code == 403
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"] == "urn:credstack:problem:csrf"
