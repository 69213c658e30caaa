"""The network fetcher against real local HTTP(S) servers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credstack.core.errors import FetchError
from credstack.core.fetching import FetchPolicy
from credstack.services.verification.fetcher import HttpFetcher, system_resolver
from loopback_site import serving

LOOPBACK = FetchPolicy(allow_http_loopback=True, timeout_seconds=2.0)
STATUS_LIST = b'{"type": ["VerifiableCredential", "BitstringStatusListCredential"]}'


class _Handler(BaseHTTPRequestHandler):
    """Routes used by the tests; every request is recorded on the server."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        server.requests.append((self.path, self.headers.get("Host")))  # type: ignore[attr-defined]
        routes: dict[str, Callable[[], None]] = {
            "/status/1": lambda: self._send(200, STATUS_LIST),
            "/big": lambda: self._send(200, b"x" * 5000),
            "/big-chunked": self._chunked_big,
            "/missing": lambda: self._send(404, b"no"),
            "/redirect": lambda: self._redirect("/status/1"),
            "/redirect-private": lambda: self._redirect("http://10.0.0.1/status/1"),
            "/loop": lambda: self._redirect("/loop"),
            "/slow": self._slow,
            "/gzip": self._gzip,
            "/slow-redirect": self._slow_redirect,
        }
        routes.get(self.path, lambda: self._send(404, b"unknown"))()

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, b"", {"Location": location})

    def _chunked_big(self) -> None:
        # no Content-Length: the cap must be enforced while streaming
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(50):
            self.wfile.write(b"y" * 1000)
            self.wfile.flush()

    def _slow(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(10):
            self.wfile.write(b"z")
            self.wfile.flush()
            time.sleep(0.3)

    def _slow_redirect(self) -> None:
        time.sleep(0.4)
        self._redirect("/slow-redirect")

    def _gzip(self) -> None:
        self._send(200, b"\x1f\x8b\x08\x00", {"Content-Encoding": "gzip"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str | None]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        # the fetcher hanging up on an oversized or slow body is the expected outcome
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _serve(server: _Server) -> Iterator[_Server]:
    yield from serving(server)


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _serve(_Server())


def _url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


# --- plain http on loopback ------------------------------------------------------------------


def test_fetches_a_document(server: _Server) -> None:
    assert HttpFetcher(LOOPBACK)(_url(server, "/status/1")) == STATUS_LIST


def test_http_status_errors_are_one_line(server: _Server) -> None:
    url = _url(server, "/missing")
    with pytest.raises(FetchError) as info:
        HttpFetcher(LOOPBACK, what="status list URL")(url)
    assert str(info.value) == f"status list URL {url} answered HTTP 404"


def test_body_over_the_cap_is_refused(server: _Server) -> None:
    fetcher = HttpFetcher(FetchPolicy(allow_http_loopback=True, max_bytes=4096))
    with pytest.raises(FetchError, match="5000 bytes, more than the 4096 allowed"):
        fetcher(_url(server, "/big"))
    with pytest.raises(FetchError, match="larger than the 4096 bytes allowed"):
        fetcher(_url(server, "/big-chunked"))


def test_redirects_are_followed(server: _Server) -> None:
    assert HttpFetcher(LOOPBACK)(_url(server, "/redirect")) == STATUS_LIST
    assert [path for path, _ in server.requests] == ["/redirect", "/status/1"]


def test_redirect_into_a_private_network_is_refused_before_connecting(server: _Server) -> None:
    with pytest.raises(FetchError, match=r"http://10\.0\.0\.1/status/1 uses plain http"):
        HttpFetcher(LOOPBACK)(_url(server, "/redirect-private"))
    assert [path for path, _ in server.requests] == ["/redirect-private"]


def test_redirect_loops_stop(server: _Server) -> None:
    fetcher = HttpFetcher(FetchPolicy(allow_http_loopback=True, max_redirects=2))
    with pytest.raises(FetchError, match="redirects more than 2 times"):
        fetcher(_url(server, "/loop"))
    assert len(server.requests) == 3


def test_slow_server_times_out(server: _Server) -> None:
    fetcher = HttpFetcher(FetchPolicy(allow_http_loopback=True, timeout_seconds=1.0))
    started = time.monotonic()
    with pytest.raises(FetchError, match="within 1 s"):
        fetcher(_url(server, "/slow"))
    assert time.monotonic() - started < 2.5


def test_the_time_limit_covers_the_whole_redirect_chain(server: _Server) -> None:
    policy = FetchPolicy(allow_http_loopback=True, timeout_seconds=1.0, max_redirects=10)
    started = time.monotonic()
    with pytest.raises(FetchError, match="within 1 s"):
        HttpFetcher(policy)(_url(server, "/slow-redirect"))
    assert time.monotonic() - started < 1.5
    assert 2 <= len(server.requests) <= 3


def test_unrequested_compression_is_refused(server: _Server) -> None:
    with pytest.raises(FetchError, match=r"compressed body \(gzip\)"):
        HttpFetcher(LOOPBACK)(_url(server, "/gzip"))


def test_connection_refused_is_a_fetch_error() -> None:
    with _Server() as closed:
        port = closed.server_address[1]
    with pytest.raises(FetchError, match="could not be reached"):
        HttpFetcher(LOOPBACK)(f"http://127.0.0.1:{port}/status/1")


# --- policy: refused without any connection ----------------------------------------------------


def test_loopback_is_refused_without_the_operator_flag(server: _Server) -> None:
    with pytest.raises(FetchError, match="only https"):
        HttpFetcher()(_url(server, "/status/1"))
    https_url = f"https://127.0.0.1:{server.server_address[1]}/status/1"
    with pytest.raises(FetchError, match="points to a loopback address"):
        HttpFetcher()(https_url)
    assert server.requests == []


def test_name_resolving_to_a_private_address_is_refused_without_connecting() -> None:
    def resolve(host: str) -> list[str]:
        return ["10.0.0.1"]

    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        HttpFetcher(resolve_host=resolve, what="status list URL")("https://lists.example/s/1")
    assert str(info.value) == (
        "status list URL https://lists.example/s/1 points to a private address "
        "(lists.example resolves to 10.0.0.1)"
    )
    assert time.monotonic() - started < 0.5  # no connection attempt, no timeout


def test_connects_to_the_checked_address_and_keeps_the_name(server: _Server) -> None:
    calls: list[str] = []

    def resolve(host: str) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    port = server.server_address[1]
    body = HttpFetcher(LOOPBACK, resolve_host=resolve)(f"http://badges.test:{port}/status/1")
    assert body == STATUS_LIST
    assert calls == ["badges.test"]  # resolved exactly once
    assert server.requests == [("/status/1", f"badges.test:{port}")]


def test_next_address_is_tried_when_the_first_refuses(server: _Server) -> None:
    port = server.server_address[1]
    # 127.0.0.2 is loopback too, but nothing listens there on this port
    fetcher = HttpFetcher(LOOPBACK, resolve_host=lambda host: ["127.0.0.2", "127.0.0.1"])
    assert fetcher(f"http://badges.test:{port}/status/1") == STATUS_LIST


def test_system_resolver_knows_localhost() -> None:
    assert "127.0.0.1" in system_resolver("localhost") or "::1" in system_resolver("localhost")


# --- https with certificate checks against the name, connection to the pinned IP -------------


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for ``name``; returns (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "credstack test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[_Server, ssl.SSLContext]]:
    ca, cert, key = _certificate(tmp_path, "badges.test")
    server = _Server()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    client_context = ssl.create_default_context(cafile=str(ca))
    yield from ((s, client_context) for s in _serve(server))


def test_https_checks_the_certificate_against_the_name_not_the_ip(
    https_server: tuple[_Server, ssl.SSLContext],
) -> None:
    server, client_context = https_server
    port = server.server_address[1]
    fetcher = HttpFetcher(
        LOOPBACK, resolve_host=lambda host: ["127.0.0.1"], ssl_context=client_context
    )
    assert fetcher(f"https://badges.test:{port}/status/1") == STATUS_LIST
    assert server.requests == [("/status/1", f"badges.test:{port}")]
    with pytest.raises(FetchError, match="could not be reached"):
        fetcher(f"https://impostor.test:{port}/status/1")  # certificate names badges.test
