"""Issuers with real keys, their credentials and status lists, and a verify() runner.

Shared by the verify() tests (one file per group of checks), so each builds the same
credentials and reads reports the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from credstack.core.errors import FetchError
from credstack.core.issuer_trust import IssuerLookup
from credstack.core.report import TrustedIssuer
from credstack.core.verify import VerifyOptions, verify
from signing_issuer import LIST_URL as LIST_URL  # re-exported for the verify() tests
from signing_issuer import Issuer as Issuer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def no_network(url: str) -> bytes:
    raise FetchError(f"{url} is not reachable in this test")


def mapped(documents: dict[str, Any]) -> Callable[[str], bytes]:
    def fetch(url: str) -> bytes:
        if url not in documents:
            raise FetchError(f"{url} is not reachable in this test")
        return json.dumps(documents[url]).encode()

    return fetch


ISSUER = Issuer(7)
OTHER = Issuer(9)


def run(
    document: dict[str, Any] | str | bytes,
    *,
    fetch: Callable[[str], bytes] = no_network,
    recipient: str | None = None,
    now: datetime = NOW,
    trusted: frozenset[str] = frozenset(),
) -> Any:
    data = json.dumps(document) if isinstance(document, dict) else document
    options = VerifyOptions(
        now=now, fetch=fetch, recipient=recipient, trusted_issuers=vouched_for(trusted)
    )
    return verify(data, input_name="test", options=options)


def vouched_for(trusted: frozenset[str]) -> IssuerLookup:
    """A lookup that vouches for exactly the ``trusted`` ids, as a test registry."""

    def lookup(issuer_id: str) -> TrustedIssuer | None:
        if issuer_id not in trusted:
            return None
        return TrustedIssuer(name="Test Issuer", how=("listed by the test",))

    return lookup


def statuses(report: Any) -> dict[str, str]:
    return {c.id: c.status.value for c in report.checks}
