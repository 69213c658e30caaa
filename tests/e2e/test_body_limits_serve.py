"""Eight 50 MB uploads to a real ``credstack serve`` do not grow its memory (finding 13).

The probe that found it: 8 x 50 MB POSTs carrying a cookie took a server from 823 MB to
1,319 MB, because the CSRF check buffered each body before refusing it. Here the same
requests go over loopback sockets to a real process; its resident memory is read from
``/proc`` before and after. The bound is generous (a loaded CI machine, allocator noise):
buffering even one of the bodies would pass it.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_harness import RunningServer, start_server

from credstack.web.sessions import SESSION_COOKIE

BODY_BYTES = 50 * 1024 * 1024
REQUESTS = 8
#: a single buffered body is 50 MB; all eight would be 400 MB
MAX_GROWTH_BYTES = 40 * 1024 * 1024
_CHUNK = b"x" * (256 * 1024)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("limits") / "home")
    yield running
    running.stop()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def post_big(base_url: str, path: str, headers: dict[str, str], declare: bool) -> int | None:
    """Stream a 50 MB multipart body; the status the server answered (None: it hung up)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    head = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    try:
        connection.putrequest("POST", path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Type", "multipart/form-data; boundary=b")
        if declare:
            connection.putheader("Content-Length", str(BODY_BYTES))
        else:
            connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        sent = 0
        try:
            while sent < BODY_BYTES:
                piece = (head if sent == 0 else b"") + _CHUNK
                piece = piece[: BODY_BYTES - sent]
                connection.send(piece if declare else b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            if not declare:
                connection.send(b"0\r\n\r\n")
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed: what a limit should do
        try:
            return connection.getresponse().status
        except (TimeoutError, http.client.HTTPException, ConnectionError):
            return None
    finally:
        connection.close()


def test_eight_large_posts_with_a_cookie_do_not_grow_the_server(server: RunningServer) -> None:
    before = rss_bytes(server.process.pid)
    cookie = {"Cookie": f"{SESSION_COOKIE}=stolen-or-forged"}
    targets = [
        ("/verify", cookie, True),  # a page form with a cookie: refused by CSRF, unread
        ("/verify", cookie, False),
        ("/dashboard/x/achievements/y/awards/bulk", cookie, True),
        ("/dashboard/x/achievements/y/awards/bulk", cookie, False),
        ("/api/v1/awards/bulk", cookie, True),  # an API call with a cookie
        ("/api/v1/verify", {}, True),  # over the verify limit: 413 before a byte is read
        ("/api/v1/verify", {}, False),  # no length: cut off at the limit
        ("/sign-in", {}, True),
    ]
    assert len(targets) == REQUESTS
    statuses = [
        post_big(server.base_url, path, headers, declare) for path, headers, declare in targets
    ]
    after = rss_bytes(server.process.pid)
    print(f"RSS before {before / 1e6:.0f} MB, after {after / 1e6:.0f} MB; statuses {statuses}")
    assert after - before < MAX_GROWTH_BYTES, (before, after, statuses)
    assert all(status in (403, 413, None) for status in statuses), statuses
    assert statuses.count(None) < REQUESTS  # the server answered, not just hung up
    # and it still serves
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(server.base_url).port, timeout=5)
    connection.request("GET", "/healthz")
    assert connection.getresponse().status == 200
