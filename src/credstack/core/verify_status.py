"""Check 7 of verify(): the credential's Bitstring Status List entry.

The list credential is itself signed; it only counts when its proof is valid *and* it was
signed by the credential's own issuer with a key that issuer authorises (architecture §2),
otherwise anyone able to serve a file at that URL could "un-revoke" a credential. A list
may be secured as Data Integrity JSON or as a VC-JWT, like any credential.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.errors import CredstackError, InputError
from credstack.core.inputs import jwt_payload, parse_credential_json
from credstack.core.jsonld_values import as_list
from credstack.core.proofs import ProofReport, vcjwt, verify_proofs
from credstack.core.report import CheckStatus, Outcome
from credstack.core.status_list import ENTRY_TYPE
from credstack.core.status_list import check_status as read_status
from credstack.core.verify_proof import KeyResolver, issuer_id_of, ownership_problem

#: Returns the signed status list credential for a URL we host ourselves, or None.
LocalStatusLookup = Callable[[str], dict[str, Any] | None]

#: Largest status list credential fetched (a 131,072-entry list is about 20 KB encoded).
MAX_LIST_CREDENTIAL_BYTES = 512 * 1024


def check_status(
    credential: dict[str, Any],
    *,
    fetch: Callable[[str], bytes],
    local_status: LocalStatusLookup | None,
    resolver: KeyResolver,
    loader: DocumentLoader | None,
    now: datetime,
) -> Outcome:
    """Pass when every status entry is unset in a list the issuer signed.

    Every entry is checked: a failing entry (revoked, unverifiable list) fails the check
    even when another entry is of a type Credstack cannot read, which only warns.
    """
    entries = as_list(credential.get("credentialStatus"))
    if not entries:
        return ("status", CheckStatus.SKIP, "no status entry: the issuer cannot revoke it")
    sources = _ListSources(fetch, local_status, resolver, loader, now)
    outcomes = [_check_one(credential, entry, sources) for entry in entries]
    for worst in (CheckStatus.FAIL, CheckStatus.WARN):
        found = [message for _, status, message in outcomes if status is worst]
        if found:
            return ("status", worst, "; ".join(found))
    return ("status", CheckStatus.PASS, "; ".join(message for _, _, message in outcomes))


@dataclass(frozen=True)
class _ListSources:
    """Where status lists come from and how their proofs are checked, for every entry."""

    fetch: Callable[[str], bytes]
    local_status: LocalStatusLookup | None
    resolver: KeyResolver
    loader: DocumentLoader | None
    now: datetime


def _check_one(credential: dict[str, Any], entry: object, sources: _ListSources) -> Outcome:
    if not isinstance(entry, dict):
        return ("status", CheckStatus.FAIL, "credentialStatus must be an object")
    kind = entry.get("type")
    if kind != ENTRY_TYPE:
        return (
            "status",
            CheckStatus.WARN,
            f"status type {kind!r} is not supported, so that status was not checked",
        )
    try:
        return _check_entry(credential, entry, sources)
    except CredstackError as exc:
        return ("status", CheckStatus.FAIL, f"status could not be checked: {exc}")


def _check_entry(
    credential: dict[str, Any], entry: dict[str, Any], sources: _ListSources
) -> Outcome:
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        return ("status", CheckStatus.FAIL, "credentialStatus names no statusListCredential")
    local = sources.local_status
    list_credential = local(url) if local is not None else None
    token: str | None = None
    if list_credential is None:
        list_credential, token = _fetch_list(url, sources.fetch)
    proofs: ProofReport
    if token is not None:
        proofs = vcjwt.verify_vc_jwt(token, resolve=sources.resolver)
    else:
        proofs = verify_proofs(
            list_credential, resolve=sources.resolver, loader=sources.loader, now=sources.now
        )
    if not proofs.verified:
        return ("status", CheckStatus.FAIL, f"the status list at {url} is not validly signed")
    issuer = issuer_id_of(credential)
    if issuer is None:
        return ("status", CheckStatus.FAIL, "the credential names no issuer id to own its list")
    problems = [ownership_problem(r, issuer) for r in proofs.valid]
    if all(problems):
        return (
            "status",
            CheckStatus.FAIL,
            f"the status list at {url} was not signed by the credential's issuer {issuer}: "
            + "; ".join(str(p) for p in problems),
        )
    result = read_status(entry, list_credential, now=sources.now)
    state = {"revocation": "revoked", "suspension": "suspended"}.get(
        result.purpose, f"flagged for {result.purpose}"
    )
    if result.is_set:
        return ("status", CheckStatus.FAIL, f"{state} by the issuer (status list {url})")
    return ("status", CheckStatus.PASS, f"not {state} (status list {url}, entry {result.index})")


def _fetch_list(url: str, fetch: Callable[[str], bytes]) -> tuple[dict[str, Any], str | None]:
    """The list credential at ``url``, and its compact JWT when it is secured as a VC-JWT."""
    raw = fetch(url)
    if len(raw) > MAX_LIST_CREDENTIAL_BYTES:
        raise InputError(
            f"the status list at {url} is larger than {MAX_LIST_CREDENTIAL_BYTES} bytes"
        )
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError as exc:
        raise InputError(f"the status list at {url} is not UTF-8 JSON") from exc
    if text.startswith("{"):
        return parse_credential_json(text, what=f"the status list at {url}"), None
    try:
        return jwt_payload(text), text
    except InputError as exc:
        raise InputError(
            f"the status list at {url} is neither credential JSON nor a VC-JWT ({exc})"
        ) from exc
