"""The one way Credstack reads remote documents: a ``Fetcher``, and the rules it obeys.

Why: verification fetches URLs chosen by whoever wrote the credential (did:web documents,
status lists). Without rules, a verifier running inside a company network becomes a proxy
into it (SSRF: ``https://10.0.0.1/admin``, cloud metadata at ``169.254.169.254``). So
every URL is checked against a :class:`FetchPolicy` here, in the pure core, where it can
be tested without a network: https only, no credentials in the URL, and every address the
host resolves to must be public. Loopback plain http is allowed only when the operator
says so (local testing). The network side (``services/verification/fetcher.py``) resolves
once, checks with :func:`check_url`, and connects to the checked address, so DNS cannot
change the answer between check and use.

:class:`MappedFetcher` serves documents from memory (``credstack verify --documents``,
tests), optionally falling back to another fetcher.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from credstack.core.errors import FetchError

#: ``resolve_host(host) -> ["93.184.216.34", "2606:2800::1"]`` (the IP addresses of a name)
HostResolver = Callable[[str], list[str]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Fetcher(Protocol):
    """Return the body of ``url`` or raise ``FetchError`` with a one-line reason."""

    def __call__(self, url: str) -> bytes: ...


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for remote fetches; the defaults are the production rules."""

    allow_http_loopback: bool = False
    max_bytes: int = 1024 * 1024
    timeout_seconds: float = 10.0
    max_redirects: int = 3

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.timeout_seconds <= 0 or self.max_redirects < 0:
            raise FetchError(
                "fetch policy limits must be positive (max_bytes, timeout_seconds) "
                "and max_redirects must not be negative"
            )


@dataclass(frozen=True)
class CheckedURL:
    """A URL that passed :func:`check_url`, with the addresses it may be fetched from."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """``Host`` header value: the name, with the port when it is not the default."""
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or Teredo IPv6 address, if any."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why fetching from ``address`` is refused (``"a private address"``), or ``None``."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_problem(embedded)
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a reserved address"
    return None


def _parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def check_url(
    url: str,
    policy: FetchPolicy,
    resolve_host: HostResolver,
    *,
    what: str = "URL",
) -> CheckedURL:
    """Check ``url`` against ``policy`` and resolve its host once; raise ``FetchError``.

    ``what`` names the document in messages ("status list URL https://10.0.0.1/s points to
    a private address"). Every resolved address must pass, not just the first: a host that
    answers with one public and one private address is refused.
    """
    label = f"{what} {url}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"{label} is not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise FetchError(f"{label} is not an https URL")
    if scheme == "http" and not policy.allow_http_loopback:
        raise FetchError(f"{label} uses plain http; only https is allowed")
    if parts.username is not None or parts.password is not None:
        raise FetchError(f"{label} contains a user name or password, which is not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(f"{label} has no host")
    literal = _parse_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve_host(host)
        except FetchError:
            raise
        except Exception as exc:  # resolver failures (OSError, UnicodeError) become one line
            raise FetchError(f"{label}: the host {host} cannot be resolved ({exc})") from exc
        if not addresses:
            raise FetchError(f"{label}: the host {host} cannot be resolved")
    for text in addresses:
        address = _parse_address(text)
        if address is None:
            raise FetchError(f"{label}: the resolver returned {text!r}, which is not an address")
        loopback = address.is_loopback or bool(
            (embedded := _embedded_ipv4(address)) and embedded.is_loopback
        )
        if loopback and policy.allow_http_loopback:
            continue
        if scheme == "http":
            raise FetchError(f"{label} uses plain http, allowed only for loopback addresses")
        problem = address_problem(address)
        if problem is not None:
            shown = "" if literal is not None else f" ({host} resolves to {address})"
            raise FetchError(f"{label} points to {problem}{shown}")
    return CheckedURL(
        url=url,
        scheme=scheme,
        host=host,
        port=port if port is not None else (443 if scheme == "https" else 80),
        addresses=tuple(addresses),
    )


class MappedFetcher:
    """Serve documents from a URL → bytes map; other URLs go to ``fallback`` or fail.

    A URL with a ``#fragment`` is also looked up without it, because a map names
    documents (a DID document, a status list) and fragments point inside them.
    """

    def __init__(self, mapping: Mapping[str, bytes], fallback: Fetcher | None = None) -> None:
        self._mapping = dict(mapping)
        self._fallback = fallback

    def __call__(self, url: str) -> bytes:
        for key in (url, url.split("#", 1)[0]):
            if key in self._mapping:
                return self._mapping[key]
        if self._fallback is not None:
            return self._fallback(url)
        raise FetchError(f"{url} is not in the documents map and network fetching is off")
