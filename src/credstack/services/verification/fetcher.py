"""The real network fetcher: httpx, under the rules of ``core.fetching.FetchPolicy``.

Why each step:
- the host is resolved once, every address is checked (``check_url``), and the TCP
  connection goes to the checked address with the original name kept for ``Host``, SNI
  and certificate checks, so a DNS answer that changes between check and use (DNS
  rebinding) cannot steer the request into a private network;
- redirects are followed by hand and each target is checked again the same way;
- the body is streamed and cut at ``max_bytes``; compressed transfer encodings are not
  requested and not accepted, so no decompression happens outside our caps;
- ``trust_env=False``: no proxy from the environment can take over the connection;
- every failure becomes one ``FetchError`` line naming the document and the reason.
"""

from __future__ import annotations

import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from credstack.core.errors import FetchError
from credstack.core.fetching import CheckedURL, FetchPolicy, HostResolver, check_url

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "credstack-verifier"


def system_resolver(host: str) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6, deduplicated)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _pinned_url(checked: CheckedURL, address: str) -> str:
    """``checked.url`` with its host replaced by the checked IP address."""
    parts = urlsplit(checked.url)
    netloc = f"[{address}]" if ":" in address else address
    return urlunsplit(
        (checked.scheme, f"{netloc}:{checked.port}", parts.path or "/", parts.query, "")
    )


class HttpFetcher:
    """``Fetcher`` over https (loopback http when the policy allows), safe by default.

    ``what`` names the documents in error messages ("status list URL …");
    ``resolve_host`` and ``ssl_context`` exist for tests and unusual deployments.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolve_host: HostResolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
        what: str = "URL",
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._resolve_host = resolve_host
        self._ssl_context = ssl_context
        self._what = what

    def __call__(self, url: str) -> bytes:
        deadline = time.monotonic() + self.policy.timeout_seconds
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            checked = check_url(current, self.policy, self._resolve_host, what=self._what)
            status, location, body = self._get(checked, deadline)
            if status in _REDIRECTS:
                if not location:
                    raise FetchError(f"{self._label(current)} redirects without a Location")
                current = urljoin(current, location)
                continue
            if status != 200:
                raise FetchError(f"{self._label(current)} answered HTTP {status}")
            return body
        raise FetchError(
            f"{self._label(url)} redirects more than {self.policy.max_redirects} times"
        )

    def _label(self, url: str) -> str:
        return f"{self._what} {url}"

    def _client(self, deadline: float) -> httpx.Client:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.TimeoutException("the fetch deadline has passed")
        timeout = httpx.Timeout(remaining)  # each step gets at most what is left
        return httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False, verify=self._tls()
        )

    def _tls(self) -> ssl.SSLContext:
        """One TLS context per fetcher: building one loads the CA bundle (~25 ms)."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context(trust_env=False)
        return self._ssl_context

    def _get(self, checked: CheckedURL, deadline: float) -> tuple[int, str | None, bytes]:
        """GET from the checked addresses in turn (the next one only if connecting fails)."""
        label = self._label(checked.url)
        failure: httpx.ConnectError | None = None
        for address in checked.addresses:
            try:
                return self._get_from(checked, address, label, deadline)
            except httpx.ConnectError as exc:
                failure = exc
            except httpx.TimeoutException as exc:
                raise FetchError(
                    f"{label} did not answer within {self.policy.timeout_seconds:g} s"
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{label} failed: {exc or type(exc).__name__}") from exc
        raise FetchError(f"{label} could not be reached: {failure or 'no address'}") from failure

    def _get_from(
        self, checked: CheckedURL, address: str, label: str, deadline: float
    ) -> tuple[int, str | None, bytes]:
        headers = {
            "Host": checked.host_header,
            "Accept-Encoding": "identity",
            "User-Agent": _USER_AGENT,
        }
        extensions = {"sni_hostname": checked.host} if checked.scheme == "https" else {}
        with (
            self._client(deadline) as client,
            client.stream(
                "GET", _pinned_url(checked, address), headers=headers, extensions=extensions
            ) as response,
        ):
            if response.status_code in _REDIRECTS:
                return response.status_code, response.headers.get("location"), b""
            if response.status_code != 200:
                return response.status_code, None, b""
            return 200, None, self._read_body(response, label, deadline)

    def _read_body(self, response: httpx.Response, label: str, deadline: float) -> bytes:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError(f"{label} sent a compressed body ({encoding}) that was not asked for")
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{label} is {declared} bytes, more than the {limit} allowed")
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > limit:
                raise FetchError(f"{label} is larger than the {limit} bytes allowed")
            if time.monotonic() > deadline:
                raise FetchError(f"{label} did not finish within {self.policy.timeout_seconds:g} s")
        return bytes(body)
