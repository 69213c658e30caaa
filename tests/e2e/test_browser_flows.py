"""Issuer, learner and employer in a real browser against a real ``credstack serve``.

Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded browser), one
browser context per person, a fresh CREDSTACK_HOME per test, claim e-mails read from the
server's outbox folder. Every step leaves a screenshot in
``test-artifacts/screenshots/<test name>/`` (printed with ``-s``) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_harness import RunningServer, Screenshots, start_server

pytestmark = pytest.mark.browser

ISSUER_NAME = "Ada Lovelace"
ISSUER_EMAIL = "ada@harbour-college.example"
ISSUER_PASSWORD = "correct horse battery staple"
ORGANIZATION = "Harbour College"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "home")
    yield running
    running.stop()


def _person(browser: Any) -> Any:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def _expect_heading(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def issuer_signs_up_and_creates_the_organisation(
    page: Any, server: RunningServer, shots: Screenshots
) -> None:
    page.goto(server.base_url + "/")
    _expect_heading(page, "micro-credentials")
    shots.take(page, "home for newcomers")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Your name").fill(ISSUER_NAME)
    page.get_by_label("E-mail address").fill(ISSUER_EMAIL)
    page.get_by_label("Password").fill(ISSUER_PASSWORD)
    shots.take(page, "issuer signs up")
    page.get_by_role("button", name="Create account").click()
    _expect_heading(page, "Create your organisation")
    page.get_by_label("Name").first.fill(ORGANIZATION)
    page.get_by_label("Type of organisation").select_option("university")
    page.get_by_label("Website").fill("https://www.harbour-college.example")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Region").fill("Munster")
    page.get_by_label("Contact e-mail").fill("badges@harbour-college.example")
    page.get_by_label("Description").fill("A college of further education in Cork.")
    shots.take(page, "issuer creates the organisation")
    page.get_by_role("button", name="Create organisation").click()
    _expect_heading(page, ORGANIZATION)
    shots.take(page, "organisation dashboard")


def test_issue_claim_download_verify_tamper_and_revoke(
    browser: Any, page: Any, server: RunningServer, screenshots: Screenshots
) -> None:
    issuer_signs_up_and_creates_the_organisation(page, server, screenshots)
