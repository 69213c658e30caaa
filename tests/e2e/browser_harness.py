"""A real ``credstack serve`` process and Debian's chromium, for the end-to-end tests.

The server runs as a subprocess on a free port with its own CREDSTACK_HOME (SQLite), so
the tests exercise exactly what a person starts; e-mails land as .eml files in the home's
``outbox`` folder (no SMTP configured), where the tests read the claim links. The browser
is the system's ``/usr/bin/chromium`` driven by Playwright: never a downloaded browser.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: headless, no sandbox (containers), and nothing that phones home or updates itself
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
SCREENSHOT_ROOT = REPO_ROOT / "test-artifacts" / "screenshots"
#: design promise: /healthz answers within 20 s of `credstack serve --demo`
HEALTH_DEADLINE_SECONDS = 20.0


def require_chromium() -> None:
    """Skip locally without chromium; in CI (CI=true) its absence is a failure."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (install it with 'apt-get install -y chromium')"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Status and body of a GET (error statuses returned, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class RunningServer:
    """A ``credstack serve`` subprocess and where to find what it writes."""

    base_url: str
    home: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    started_in: float = 0.0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def emails_to(self, address: str) -> list[EmailMessage]:
        """Every .eml in the outbox addressed to ``address``, oldest first."""
        found: list[tuple[float, EmailMessage]] = []
        for path in self.outbox.glob("**/*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if address.lower() in str(message.get("To", "")).lower():
                found.append((path.stat().st_mtime, message))
        return [message for _, message in sorted(found, key=lambda item: item[0])]

    def wait_for_email(self, address: str, timeout: float = 15.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.emails_to(address)
            if messages:
                return messages[-1]
            time.sleep(0.2)
        listing = sorted(p.name for p in self.outbox.glob("**/*")) if self.outbox.exists() else []
        raise AssertionError(f"no e-mail to {address} in {self.outbox} (files: {listing})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def link_in(message: EmailMessage, pattern: str) -> str:
    """The first URL in the e-mail's text matching ``pattern`` (e.g. ``/claim/``)."""
    body = message.get_body(preferencelist=("plain", "html"))
    assert body is not None, "the e-mail has no text body"
    text = body.get_content()
    for url in re.findall(r"https?://[^\s\"'<>]+", text):
        if re.search(pattern, url):
            return str(url)
    raise AssertionError(f"no link matching {pattern!r} in the e-mail:\n{text}")


def server_env(home: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    """The environment of a server on ``home`` (SQLite inside it unless ``database_url``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDSTACK_")}
    env.update(
        CREDSTACK_HOME=str(home),
        CREDSTACK_BASE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    if database_url is not None:
        env["CREDSTACK_DATABASE_URL"] = database_url
    return env


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credstack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start_server(
    home: Path,
    *,
    demo: bool = False,
    settings: dict[str, str] | None = None,
    database_url: str | None = None,
    port: int | None = None,
) -> RunningServer:
    """Start ``credstack serve`` (after ``init``, or with ``--demo``) and wait for /healthz.

    ``settings`` are extra environment variables (``CREDSTACK_VERIFY_CPU_SECONDS``…);
    ``database_url`` serves another database than the home's SQLite file; ``port`` starts
    the server again on the address its credentials already name (a restart).
    """
    port = port or free_port()
    env = server_env(home, port, database_url) | (settings or {})
    home.mkdir(parents=True, exist_ok=True)
    if not demo:
        initialised = run_cli(["init"], env)
        assert initialised.returncode == 0, initialised.stderr
    log_path = home / "serve.log"
    log = log_path.open("wb")
    command = [sys.executable, "-m", "credstack", "serve", "--port", str(port)]
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, "--demo"] if demo else command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = RunningServer(f"http://127.0.0.1:{port}", home, process, log_path, env=env)
    deadline = started + HEALTH_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"credstack serve exited ({process.returncode}):\n{server.log()}")
        try:
            status, _ = http_get(f"{server.base_url}/healthz", timeout=1.0)
        except OSError:
            status = 0
        if status == 200:
            server.started_in = time.monotonic() - started
            return server
        time.sleep(0.1)
    server.stop()
    raise AssertionError(
        f"/healthz did not answer 200 within {HEALTH_DEADLINE_SECONDS:.0f} s:\n{server.log()}"
    )


class Screenshots:
    """Numbered full-page screenshots of each step, in a folder named after the test."""

    def __init__(self, test_name: str) -> None:
        self.folder = SCREENSHOT_ROOT / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        print(f"\nscreenshots of each step: {self.folder}")

    def take(self, page: Any, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
