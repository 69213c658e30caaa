"""Home, sign up, sign in, sign out: pages render, forms work end to end, CSRF is enforced.

TestClient on the rolled-back test database (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_client import PASSWORD, csrf_from, emailed_link, post_form, sign_up


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def test_home_tells_each_newcomer_where_to_go(client: TestClient) -> None:
    page = client.get("/")

    assert page.status_code == 200
    assert "<title>Micro-credentials you can verify · Credstack</title>" in page.text
    assert page.text.count("<h1") == 1
    for heading, link in (
        ("I award micro-credentials", 'href="/sign-up"'),
        ("I earned a micro-credential", 'href="/wallet"'),
        ("I want to check one", 'href="/verify"'),
    ):
        assert heading in page.text
        assert link in page.text
    assert 'href="#main"' in page.text  # skip link for keyboard users


def test_stylesheet_is_served_with_focus_styles(client: TestClient) -> None:
    css = client.get("/static/credstack.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text


def test_sign_up_signs_in_and_leads_to_the_organisation_form(client: TestClient) -> None:
    response = sign_up(client, "grace@example.org")

    assert response.headers["location"] == "/organizations/new"
    form = client.get("/organizations/new")
    assert form.status_code == 200
    assert "Welcome, Grace Hopper" in form.text  # the flash, shown once
    assert "Welcome, Grace Hopper" not in client.get("/organizations/new").text
    assert "Sign out" in form.text
    # a signed-in person reaches both sides: the credentials they hold and those they award
    assert '<a href="/wallet">My credentials</a>' in form.text
    assert '<a href="/dashboard">Issuer dashboard</a>' in form.text


def test_sign_up_errors_are_shown_next_to_their_fields(client: TestClient) -> None:
    response = post_form(
        client, "/sign-up", {"name": "", "email": "not-an-address", "password": "short"}
    )

    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="name-error">must not be empty<', page)
    assert re.search(r'id="password-error">at least 10 characters \(got 5\)<', page)
    assert 'id="email-error"' in page
    assert 'value="not-an-address"' in page  # what was typed is kept
    assert 'aria-invalid="true"' in page


def test_the_same_email_cannot_sign_up_twice(client: TestClient, app: FastAPI) -> None:
    """Finding 12: the second sign-up gets the answer a new address gets, never "exists"."""
    sign_up(client, "twice@example.org")
    other = TestClient(app)
    taken = post_form(
        other, "/sign-up", {"name": "X", "email": "twice@example.org", "password": "x" * 12}
    )
    fresh = post_form(
        other, "/sign-up", {"name": "X", "email": "fresh@example.org", "password": "x" * 12}
    )
    assert taken.status_code == fresh.status_code == 200
    assert _main(taken.text).replace("twice@", "fresh@") == _main(fresh.text)
    assert "already" not in taken.text
    # the existing account is untouched; its owner is told by e-mail
    assert emailed_link(other, "twice@example.org", "/password-reset")
    signed_in = post_form(other, "/sign-in", {"email": "twice@example.org", "password": PASSWORD})
    assert signed_in.status_code == 303
    intruder = post_form(
        TestClient(app), "/sign-in", {"email": "twice@example.org", "password": "x" * 12}
    )
    assert intruder.status_code == 401


def _main(page: str) -> str:
    """The ``<main>`` of a page (the header differs by CSRF token only)."""
    return page[page.index("<main") : page.index("</main>")]


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    client.get("/sign-up")
    data = {"name": "Eve", "email": "eve@example.org", "password": PASSWORD}
    response = client.post("/sign-up", data=data, follow_redirects=False)
    assert response.status_code == 403
    forged = client.post("/sign-up", data={**data, "csrf_token": "forged"})
    assert forged.status_code == 403
    # nothing was created: signing in with those details fails
    failed = post_form(client, "/sign-in", {"email": "eve@example.org", "password": PASSWORD})
    assert failed.status_code == 401


def test_sign_in_and_out(client: TestClient, app: FastAPI) -> None:
    sign_up(client, "ada@example.org", name="Ada")
    browser = TestClient(app)

    wrong = post_form(browser, "/sign-in", {"email": "ada@example.org", "password": "nope" * 3})
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    assert 'value="ada@example.org"' in wrong.text

    signed_in = post_form(
        browser,
        "/sign-in",
        {"email": "ADA@example.org", "password": PASSWORD, "next": "/dashboard"},
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/dashboard"
    assert browser.get("/dashboard").status_code == 200

    token = csrf_from(browser.get("/dashboard"))
    out = browser.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    after = browser.get("/dashboard", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"] == "/sign-in?next=/dashboard"


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    sign_up(client, "safe@example.org")
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/"))})
    response = post_form(
        client,
        "/sign-in",
        {"email": "safe@example.org", "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/dashboard"
