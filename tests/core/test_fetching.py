"""URL policy: only public https hosts are fetched; the decision needs no network."""

from __future__ import annotations

import pytest

from credstack.core.errors import FetchError
from credstack.core.fetching import (
    CheckedURL,
    FetchPolicy,
    MappedFetcher,
    check_url,
)

STRICT = FetchPolicy()
LOOPBACK_OK = FetchPolicy(allow_http_loopback=True)


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def resolve(host: str) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


PUBLIC = resolver({"badges.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]})


def test_public_https_url_passes_with_its_addresses() -> None:
    checked = check_url("https://badges.example/status/1", STRICT, PUBLIC)
    assert checked == CheckedURL(
        url="https://badges.example/status/1",
        scheme="https",
        host="badges.example",
        port=443,
        addresses=("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
    )
    assert checked.host_header == "badges.example"


def test_non_default_port_is_kept_in_the_host_header() -> None:
    checked = check_url("https://badges.example:8443/x", STRICT, PUBLIC)
    assert (checked.port, checked.host_header) == (8443, "badges.example:8443")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://badges.example/x", "uses plain http; only https is allowed"),
        ("ftp://badges.example/x", "is not an https URL"),
        ("file:///etc/passwd", "is not an https URL"),
        ("https://user:pw@badges.example/x", "user name or password"),
        ("https://user@badges.example/x", "user name or password"),
        ("https:///nohost", "has no host"),
        ("https://badges.example:99999/x", "not a valid URL"),
    ],
)
def test_url_shape_rules(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        check_url(url, STRICT, PUBLIC)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.251", "a multicast address"),
        ("100.64.0.1", "a reserved address"),
        ("240.0.0.1", "a reserved address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fd12:3456::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("2002:a9fe:a9fe::1", "a link-local address"),  # 6to4 wrapping 169.254.169.254
    ],
)
def test_non_public_ip_literals_are_refused(address: str, kind: str) -> None:
    host = f"[{address}]" if ":" in address else address
    url = f"https://{host}/status/1"
    with pytest.raises(FetchError) as info:
        check_url(url, STRICT, PUBLIC, what="status list URL")
    assert str(info.value) == f"status list URL {url} points to {kind}"


def test_message_matches_the_documented_one_line_reason() -> None:
    with pytest.raises(FetchError) as info:
        check_url("https://10.0.0.1/lists/7", STRICT, PUBLIC, what="status list URL")
    assert str(info.value) == "status list URL https://10.0.0.1/lists/7 points to a private address"


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    resolve = resolver({"intranet.example": ["10.1.2.3"]})
    with pytest.raises(FetchError, match=r"intranet\.example resolves to 10\.1\.2\.3"):
        check_url("https://intranet.example/did.json", STRICT, resolve)


def test_every_resolved_address_must_be_public() -> None:
    resolve = resolver({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(FetchError, match="loopback"):
        check_url("https://mixed.example/x", STRICT, resolve)


def test_numeric_host_tricks_are_caught_after_resolution() -> None:
    # "2130706433" is 127.0.0.1 in decimal; the system resolver turns it into that address
    resolve = resolver({"2130706433": ["127.0.0.1"]})
    with pytest.raises(FetchError, match="loopback"):
        check_url("https://2130706433/x", STRICT, resolve)


def test_ip_literals_are_not_sent_to_the_resolver() -> None:
    resolve = resolver({})
    check_url("https://93.184.216.34/x", STRICT, resolve)
    assert resolve.calls == []  # type: ignore[attr-defined]


def test_unresolvable_host_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match=r"cannot be resolved \(.*Name or service not known"):
        check_url("https://nowhere.example/x", STRICT, resolver({}))
    with pytest.raises(FetchError, match="cannot be resolved"):
        check_url("https://empty.example/x", STRICT, resolver({"empty.example": []}))


def test_loopback_http_only_when_allowed() -> None:
    resolve = resolver({"localhost": ["127.0.0.1", "::1"]})
    with pytest.raises(FetchError, match="only https"):
        check_url("http://localhost:8000/x", STRICT, resolve)
    checked = check_url("http://localhost:8000/x", LOOPBACK_OK, resolve)
    assert checked.port == 8000
    assert checked.host_header == "localhost:8000"
    # the loopback exception does not open private networks or plain http elsewhere
    with pytest.raises(FetchError, match="private"):
        check_url("https://10.0.0.1/x", LOOPBACK_OK, resolve)
    with pytest.raises(FetchError, match="allowed only for loopback"):
        check_url("http://badges.example/x", LOOPBACK_OK, PUBLIC)


def test_policy_limits_must_make_sense() -> None:
    with pytest.raises(FetchError, match="positive"):
        FetchPolicy(max_bytes=0)
    with pytest.raises(FetchError, match="positive"):
        FetchPolicy(max_redirects=-1)
    assert FetchPolicy().max_bytes == 1024 * 1024


def test_mapped_fetcher_serves_documents_and_ignores_fragments() -> None:
    fetcher = MappedFetcher({"https://badges.example/issuers/1": b'{"id": "1"}'})
    assert fetcher("https://badges.example/issuers/1") == b'{"id": "1"}'
    assert fetcher("https://badges.example/issuers/1#key-1") == b'{"id": "1"}'
    with pytest.raises(FetchError, match="not in the documents map"):
        fetcher("https://badges.example/issuers/2")


def test_mapped_fetcher_falls_back() -> None:
    seen: list[str] = []

    def network(url: str) -> bytes:
        seen.append(url)
        return b"from the network"

    fetcher = MappedFetcher({"did:web:a.example": b"{}"}, fallback=network)
    assert fetcher("did:web:a.example") == b"{}"
    assert fetcher("https://b.example/list") == b"from the network"
    assert seen == ["https://b.example/list"]
