"""The app's own pages run under its Content Security Policy without a single violation.

A real ``credstack serve --demo`` and Debian's chromium: every page a signed-in issuer and a
learner can reach by following links (plus the sign-in pages, /verify with a result, and
the API docs rendered by the vendored Swagger UI) is opened, and the browser's CSP
violation reports are collected. A template that gained an inline script or ``style=``
attribute, or a page that loads something from another origin, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from browser_harness import RunningServer, start_server

from credstack.services.operations.demo import DemoAccount, load_accounts

pytestmark = pytest.mark.browser

#: links not to follow: files a browser downloads, and what changes state on GET (none do)
_SKIP_SUFFIXES = (".pdf", ".png", ".svg", ".json", ".jwt", "/export", "/image")
_MAX_PAGES = 60
_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("csp") / "home", demo=True)
    yield running
    running.stop()


class ViolationWatch:
    """Collects CSP violations of one browser context (DOM events and console reports)."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(_RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.found: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.found.append(f"{self.page.url}: {message.text}")

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.found.append(f"{self.page.url}: {violation}")

    def sign_in(self, base_url: str, account: DemoAccount) -> None:
        self.open(base_url + "/sign-in")
        self.page.get_by_label("E-mail address").fill(account.email)
        self.page.get_by_label("Password").fill(account.password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("networkidle")
        assert "/sign-in" not in self.page.url, "the demo sign-in failed"

    def crawl(self, base_url: str, start: str) -> list[str]:
        """Open every same-origin page reachable from ``start`` by links (bounded)."""
        queue, seen = [base_url + start], {base_url + start}
        while queue and len(seen) <= _MAX_PAGES:
            url = queue.pop(0)
            self.open(url)
            for href in self.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
                target = urljoin(url, href).split("#")[0]
                ours = target.startswith(base_url) and target not in seen
                if ours and not urlsplit(target).path.endswith(_SKIP_SUFFIXES):
                    seen.add(target)
                    queue.append(target)
        return sorted(seen)


def _account(server: RunningServer, role: str) -> DemoAccount:
    accounts = load_accounts(server.home)
    assert accounts is not None
    return next(a for a in accounts.accounts if a.role.startswith(role))


def test_public_pages_and_api_docs_raise_no_violation(browser: Any, server: RunningServer) -> None:
    from playwright.sync_api import expect

    watch = ViolationWatch(browser)
    visited = watch.crawl(server.base_url, "/")
    assert any("/verify" in url for url in visited)
    watch.open(server.base_url + "/api/docs")
    # the vendored Swagger UI ran (a blocked script would leave the loading text)
    expect(watch.page.locator(".opblock").first).to_be_visible()
    watch.page.locator(".opblock-summary").first.click()
    watch.collect()
    accounts = load_accounts(server.home)
    assert accounts is not None
    watch.open(f"{server.base_url}/credentials/{accounts.award_ids[0]}")
    expect(watch.page.locator("figure.qr svg")).to_be_visible()
    watch.open(server.base_url + "/verify")
    credential = watch.page.context.request.get(
        f"{server.base_url}/credentials/{accounts.award_ids[0]}.json"
    ).text()
    watch.page.get_by_label("Or paste the credential").fill(credential)
    watch.page.get_by_role("button", name="Verify").click()
    expect(watch.page.locator("#result-heading")).to_be_visible()
    watch.collect()
    watch.context.close()
    assert watch.found == []


@pytest.mark.parametrize("role", ["issuer admin", "learner"])
def test_signed_in_pages_raise_no_violation(browser: Any, server: RunningServer, role: str) -> None:
    watch = ViolationWatch(browser)
    watch.sign_in(server.base_url, _account(server, role))
    visited = watch.crawl(server.base_url, "/dashboard" if role != "learner" else "/wallet")
    assert len(visited) > 3, visited
    watch.context.close()
    assert watch.found == [], "\n".join(watch.found)


def test_the_watch_sees_an_inline_script_being_blocked(browser: Any, server: RunningServer) -> None:
    """The guard of the tests above: an inline script is refused, and reported."""
    watch = ViolationWatch(browser)
    watch.open(server.base_url + "/")
    ran = watch.page.evaluate(
        """() => {
          window.__ran = false;
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
          return new Promise((done) => setTimeout(() => done(window.__ran), 200));
        }"""
    )
    watch.collect()
    watch.context.close()
    assert ran is False
    assert any("script-src" in violation for violation in watch.found), watch.found
