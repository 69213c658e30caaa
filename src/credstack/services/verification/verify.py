"""Verifying credentials for people: read the inputs, build the fetcher, run core.verify().

The CLI, the API and the web page all come through here, so they see the same checks.
What is specific to an edge (where the bytes come from, how the report is shown) stays
at that edge; what is specific to this deployment (the issuers it knows, the status
lists and DID documents it serves itself) comes in through :class:`LocalRegistry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from credstack.core.errors import CredstackError, InputError
from credstack.core.fetching import Fetcher, FetchPolicy, MappedFetcher
from credstack.core.inputs import MAX_INPUT_BYTES
from credstack.core.issuer_trust import IssuerLookup, nobody_vouches
from credstack.core.json_input import load_json
from credstack.core.report import VerificationReport
from credstack.core.timestamps import parse_datetime
from credstack.core.verify import VerifyOptions, unreadable, verify
from credstack.core.verify_budget import VerifyBudget

#: Largest documents map accepted (it lists URLs and file names, nothing more).
_MAX_MAP_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LocalRegistry:
    """What this deployment knows first-hand: its issuers, status lists and DID documents."""

    trusted_issuers: IssuerLookup = nobody_vouches
    status_list: Callable[[str], dict[str, Any] | None] | None = None
    document: Callable[[str], bytes | None] | None = None


@dataclass
class VerificationRequest:
    """One call of ``credstack verify`` (or its API twin)."""

    inputs: list[str]
    documents_map: Path | None = None
    recipient: str | None = None
    now: str | None = None
    allow_http_loopback: bool = False
    stdin: BinaryIO | None = None
    registry: LocalRegistry = field(default_factory=LocalRegistry)
    budget: VerifyBudget = field(default_factory=VerifyBudget)


def parse_now(text: str | None) -> datetime:
    """``--now`` as a timezone-aware datetime; the clock when not given."""
    if text is None:
        return datetime.now(UTC)
    moment = parse_datetime(text)
    if moment is None:
        raise InputError(f"--now {text!r} is not an ISO 8601 date-time (e.g. 2026-05-01T12:00:00Z)")
    return moment


def load_documents_map(path: Path) -> dict[str, bytes]:
    """Read a ``--documents`` map: ``{"<url>": "<file relative to the map>"}``.

    The map and every file it names are read with a cap (1 MB for the map, the largest
    input the verifier reads for each file), so naming ``/dev/zero`` or a huge file is
    an error, not an attempt to read it all.
    """
    raw = _read_capped(path, _MAX_MAP_BYTES, f"cannot read the documents map {path}")
    if raw is None:
        raise InputError(f"the documents map {path} is larger than 1 MB")
    mapping = load_json(raw, what=f"the documents map {path}")
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise InputError(f"the documents map {path} must be a JSON object of URL to file name")
    documents: dict[str, bytes] = {}
    for url, name in mapping.items():
        named = f"the documents map names {name} for {url}, which"
        target = (path.parent / name).resolve()
        body = _read_capped(target, MAX_INPUT_BYTES, f"{named} cannot be read")
        if body is None:
            raise InputError(
                f"{named} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB, "
                "the most the verifier reads from one document"
            )
        documents[url] = body
    return documents


def _read_capped(path: Path, limit: int, cannot: str) -> bytes | None:
    """At most ``limit`` bytes of ``path``; None when it holds more (``cannot`` on OSError)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{cannot}: {exc.strerror}") from exc
    return data if len(data) <= limit else None


def build_fetcher(request: VerificationRequest, *, max_bytes: int | None = None) -> Fetcher:
    """The network fetcher under the production rules, behind the documents map if any."""
    # imported here, not to break a cycle: httpx loads only when a network fetch is built
    from credstack.services.verification.fetcher import HttpFetcher

    policy = FetchPolicy(allow_http_loopback=request.allow_http_loopback)
    if max_bytes is not None:
        policy = FetchPolicy(allow_http_loopback=request.allow_http_loopback, max_bytes=max_bytes)
    network: Fetcher = HttpFetcher(policy)
    if request.documents_map is None:
        return network
    return MappedFetcher(load_documents_map(request.documents_map), fallback=network)


def read_input(item: str, *, fetch: Fetcher, stdin: BinaryIO | None) -> bytes:
    """The bytes of one input: ``-`` is standard input, an http(s) URL is fetched."""
    if item == "-":
        if stdin is None:
            raise InputError("no standard input to read")
        return stdin.read(MAX_INPUT_BYTES + 1)
    if item.startswith(("https://", "http://")):
        return fetch(item)
    path = Path(item)
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError as exc:
        raise InputError(f"no such file: {item}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{item} is a directory, not a credential file") from exc
    except OSError as exc:
        raise InputError(f"cannot read {item}: {exc.strerror}") from exc


def verify_inputs(request: VerificationRequest) -> Iterator[VerificationReport]:
    """Verify each input in turn; a bad input yields a failed report, not an exception.

    Raises :class:`InputError` only for problems with the request itself (a bad
    ``--now`` or documents map), which concern every input alike.
    """
    now = parse_now(request.now)
    fetch = build_fetcher(request)
    fetch_input = build_fetcher(request, max_bytes=MAX_INPUT_BYTES)
    options = options_for(request, now=now, fetch=fetch)
    for item in request.inputs:
        try:
            data = read_input(item, fetch=fetch_input, stdin=request.stdin)
        except CredstackError as exc:
            yield unreadable(item, str(exc))
            continue
        yield verify(data, input_name=item, options=options)


def options_for(
    request: VerificationRequest, *, now: datetime, fetch: Fetcher | None = None
) -> VerifyOptions:
    registry = request.registry
    return VerifyOptions(
        now=now,
        fetch=fetch if fetch is not None else build_fetcher(request),
        recipient=request.recipient,
        trusted_issuers=registry.trusted_issuers,
        local_status=registry.status_list,
        local_documents=registry.document,
        budget=request.budget,
    )
