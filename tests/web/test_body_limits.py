"""Request bodies are refused before they are buffered (issue 9, finding 13).

Driven at the ASGI level with a body source that counts what the app pulled, so "refused
without reading it" is measured, not assumed. The memory of a real server under eight
50 MB uploads is measured in ``tests/e2e/test_body_limits_serve.py``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credstack.web.body_limits import DEFAULT_BODY_LIMIT
from credstack.web.csrf_form import CSRF_SCAN_BYTES
from credstack.web.sessions import SESSION_COOKIE

CHUNK = 64 * 1024
MB50 = 50 * 1024 * 1024


class Upload:
    """An ASGI body of ``size`` bytes in chunks; counts how many bytes the app pulled."""

    def __init__(self, size: int, first: bytes = b"") -> None:
        self.first = first
        self.size = size
        self.pulled = 0

    async def receive(self) -> dict[str, Any]:
        if self.pulled >= self.size:
            await asyncio.sleep(3600)  # the client has sent everything; wait for the answer
        start, end = self.pulled, min(self.size, self.pulled + CHUNK)
        self.pulled = end
        data = self.first[start:end].ljust(end - start, b"x")
        return {"type": "http.request", "body": data, "more_body": end < self.size}


def call(
    app: FastAPI, path: str, upload: Upload, headers: dict[str, str], declare_length: bool = True
) -> tuple[int, dict[str, str], bytes]:
    """POST ``upload`` to ``path``; the status, headers and body of the answer."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if declare_length:
        raw.append((b"content-length", str(upload.size).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": raw, "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    answer: dict[str, Any] = {"body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    async def run() -> None:
        await asyncio.wait_for(app(scope, upload.receive, send), timeout=30)

    with TestClient(app):  # lifespan: the app is started as a server would
        asyncio.run(run())
    return answer["status"], answer["headers"], answer["body"]


def multipart_head(boundary: str, field: str, value: bytes = b"") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + value


def test_a_declared_length_over_the_limit_is_refused_unread(app: FastAPI) -> None:
    upload = Upload(MB50 + 10 * 1024 * 1024)
    status, headers, body = call(
        app, "/api/v1/awards/bulk", upload, {"content-type": "multipart/form-data; boundary=b"}
    )
    assert status == 413
    assert upload.pulled == 0
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["detail"].startswith("the CSV file is larger than 50.0625 MB")


def test_a_page_gets_an_html_413(app: FastAPI) -> None:
    upload = Upload(2 * 1024 * 1024)
    status, headers, body = call(
        app,
        "/sign-in",
        upload,
        {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )
    assert (status, upload.pulled) == (413, 0)
    assert headers["content-type"].startswith("text/html")
    assert "The request body is larger than 256 KB" in body.decode()
    assert headers["x-frame-options"] == "DENY"  # still inside the security headers


def test_a_stream_without_length_is_cut_off_at_the_limit(app: FastAPI) -> None:
    upload = Upload(20 * 1024 * 1024)
    status, _, body = call(
        app,
        "/api/v1/organizations",
        upload,
        {"content-type": "application/json", "authorization": "Bearer cst_x"},
        declare_length=False,
    )
    assert status == 413, body
    assert upload.pulled <= DEFAULT_BODY_LIMIT + CHUNK


def test_a_forged_upload_with_a_cookie_is_refused_after_its_first_bytes(app: FastAPI) -> None:
    """The CSRF check no longer buffers the body to look for a token that is not there."""
    with TestClient(app) as client:
        client.get("/sign-in")  # a session cookie with a CSRF token, as a browser holds it
        cookie = client.cookies[SESSION_COOKIE]
    upload = Upload(MB50, first=multipart_head("b", "file"))
    status, _, body = call(
        app,
        "/dashboard/o/achievements/a/awards/bulk",
        upload,
        {"content-type": "multipart/form-data; boundary=b", "cookie": f"{SESSION_COOKIE}={cookie}"},
    )
    assert status == 403, body
    assert upload.pulled <= CSRF_SCAN_BYTES + CHUNK


def test_a_cookie_without_a_session_token_is_refused_unread(app: FastAPI) -> None:
    upload = Upload(MB50, first=multipart_head("b", "file"))
    status, _, _ = call(
        app,
        "/verify",
        upload,
        {"content-type": "multipart/form-data; boundary=b", "cookie": f"{SESSION_COOKIE}=forged"},
        declare_length=False,
    )
    assert (status, upload.pulled) == (403, 0)


@pytest.mark.parametrize("path", ["/api/v1/verify", "/verify"])
def test_verify_keeps_its_own_limit_and_message(app: FastAPI, path: str) -> None:
    with TestClient(app) as client:
        big = b"{" + b" " * (9 * 1024 * 1024) + b"}"
        response = client.post(path, content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "the credential is larger than" in response.text
