"""DIF Well-Known DID Configuration: proof that a website's owner controls a DID.

An origin publishes ``/.well-known/did-configuration.json``: ``{"@context": …,
"linked_dids": [...]}``, each entry a *Domain Linkage Credential* that the DID issues
about itself (issuer = subject = the DID) naming the origin. Only someone who controls
the origin can put the file there and only the DID's key can sign the credential, so a
valid one links the two (https://identity.foundation/.well-known/resources/did-configuration/).

Both forms of the specification are read: a compact JWT (``iss`` = ``sub`` = the DID,
the credential in ``vc``) and a JSON-LD credential with an embedded proof; each is
checked with the verifier's own proof code, and the key must belong to the DID under
``assertionMethod``. Then the credential itself: its type, the DIF context, the DID as
issuer and subject, ``origin`` equal to the origin it was fetched from (the spec's own
JWT example writes the origin without a scheme; https is assumed then), and its dates:
issued by now and not expired (an expiry date is required, so a linkage lapses).

Pure: the fetched bytes, the key resolver and the clock are arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from credstack.core.contexts import offline_loader
from credstack.core.dids import ResolvedMethod
from credstack.core.errors import InputError
from credstack.core.jsonld_values import as_list, node_id
from credstack.core.keys import SigningKeyPair
from credstack.core.multibase import b64url_decode
from credstack.core.proofs import verify_proofs
from credstack.core.proofs.results import ProofReport
from credstack.core.proofs.vcjwt import sign_jws, verify_vc_jwt
from credstack.core.timestamps import format_datetime, numeric_date, parse_datetime
from credstack.core.verify_proof import ownership_problem

WELL_KNOWN_PATH = "/.well-known/did-configuration.json"
CONTEXT = "https://identity.foundation/.well-known/did-configuration/v1"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
CREDENTIAL_TYPE = "DomainLinkageCredential"
#: a configuration lists one credential per linked DID; beyond this many, stop reading
MAX_LINKED_DIDS = 50

#: the DIF context (decentralized-identity/.well-known, did-configuration/v1), served to
#: the JSON-LD loader only while a Domain Linkage Credential is checked
CONTEXT_DOCUMENT: dict[str, Any] = {
    "@context": [
        {
            "@version": 1.1,
            "@protected": True,
            "LinkedDomains": f"{CONTEXT}#DomainLinkageCredential",
            "DomainLinkageCredential": f"{CONTEXT}#DomainLinkageCredential",
            "origin": f"{CONTEXT}#origin",
            "linked_dids": f"{CONTEXT}#linked_dids",
        }
    ]
}

Resolve = Callable[[str], ResolvedMethod]


@dataclass(frozen=True)
class DomainLinkage:
    """The outcome of checking an origin's DID configuration for one DID."""

    linked: bool
    #: one sentence a person can act on: what linked, or why nothing did
    message: str
    #: when the linking credential expires (the linkage lapses then)
    expires: datetime | None = None


def origin_of(url: str) -> str:
    """``https://Example.org:443/about`` → ``https://example.org`` (scheme, host, port)."""
    parts = urlsplit(url.strip() if "//" in url else "https://" + url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url!r} is not an http(s) website address")
    default = {"http": 80, "https": 443}[scheme]
    try:
        port = parts.port
    except ValueError as exc:
        raise InputError(f"{url!r} has a bad port: {exc}") from exc
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def configuration_url(origin: str) -> str:
    """Where ``origin`` publishes its DID configuration."""
    return origin_of(origin) + WELL_KNOWN_PATH


def linkage_credential(
    did: str, origin: str, *, issued: datetime, expires: datetime
) -> dict[str, Any]:
    """The unsigned Domain Linkage Credential by which ``did`` claims ``origin``."""
    return {
        "@context": [VC_V1_CONTEXT, CONTEXT],
        "issuer": did,
        "issuanceDate": format_datetime(issued),
        "expirationDate": format_datetime(expires),
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "credentialSubject": {"id": did, "origin": origin_of(origin)},
    }


def sign_linkage_jwt(credential: Mapping[str, Any], key: SigningKeyPair, kid: str) -> str:
    """The credential in the spec's JWT form: ``iss`` = ``sub`` = the DID, ``vc`` = it."""
    did = str(credential["issuer"])
    issued = parse_datetime(credential.get("issuanceDate"))
    expires = parse_datetime(credential.get("expirationDate"))
    if issued is None or expires is None:
        raise InputError("a Domain Linkage Credential needs issuanceDate and expirationDate")
    header = {"alg": key.jose_algorithm, "kid": kid, "typ": "JWT"}
    payload = {
        "iss": did,
        "sub": did,
        "nbf": numeric_date(issued),
        "exp": numeric_date(expires),
        "vc": dict(credential),
    }
    return sign_jws(header, payload, key)


def did_configuration(linked: list[str | dict[str, Any]]) -> dict[str, Any]:
    """The DID configuration resource listing ``linked`` credentials (JWTs or JSON-LD)."""
    return {"@context": CONTEXT, "linked_dids": list(linked)}


def check_did_configuration(
    data: bytes, *, origin: str, did: str, resolve: Resolve, now: datetime
) -> DomainLinkage:
    """Whether the configuration fetched from ``origin`` links it to ``did``, at ``now``."""
    where = configuration_url(origin)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return DomainLinkage(False, f"{where} is not JSON")
    entries = document.get("linked_dids") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return DomainLinkage(False, f"{where} has no 'linked_dids' list")
    problems: list[str] = []
    others: list[str] = []
    for entry in entries[:MAX_LINKED_DIDS]:
        named = _named_did(entry)
        if named != did:
            others.append(named or "(unreadable entry)")
            continue
        outcome = _check_entry(entry, origin=origin_of(origin), did=did, resolve=resolve, now=now)
        if isinstance(outcome, DomainLinkage):
            return outcome
        problems.append(outcome)
    if problems:
        return DomainLinkage(False, f"{where} names {did}, but " + "; ".join(problems))
    named = f" (it names {', '.join(sorted(set(others))[:5])})" if others else " (it is empty)"
    return DomainLinkage(False, f"{where} has no Domain Linkage Credential for {did}{named}")


def _named_did(entry: object) -> str | None:
    """The DID an entry claims to be from, read without checking anything yet."""
    if isinstance(entry, dict):
        return node_id(entry.get("issuer"))
    if not isinstance(entry, str) or entry.count(".") != 2:
        return None
    try:
        payload = json.loads(b64url_decode(entry.split(".")[1]))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) else None


def _check_entry(
    entry: str | dict[str, Any], *, origin: str, did: str, resolve: Resolve, now: datetime
) -> DomainLinkage | str:
    """The linkage an entry proves, or the reason it proves nothing."""
    if isinstance(entry, str):
        form = "JWT"
        token = verify_vc_jwt(entry, resolve=resolve)
        report: ProofReport = token
        credential = token.credential
    else:
        form = "JSON-LD"
        loader = offline_loader(extra={CONTEXT: CONTEXT_DOCUMENT})
        report = verify_proofs(entry, resolve=resolve, loader=loader, now=now)
        credential = entry
    if not report.results:
        return f"its {form} credential carries no proof"
    if not report.verified or credential is None:
        return f"its {form} credential's proof does not verify: {report.message}"
    owned = [ownership_problem(result, did) for result in report.valid]
    if all(problem is not None for problem in owned):
        return "; ".join(p for p in owned if p is not None)
    problem, expires = _credential_problem(credential, origin=origin, did=did, now=now)
    if problem is not None:
        return f"its {form} credential {problem}"
    assert expires is not None
    return DomainLinkage(
        True,
        f"{origin} is linked to {did} by a {form} Domain Linkage Credential valid until "
        f"{format_datetime(expires)}",
        expires,
    )


def _credential_problem(
    credential: Mapping[str, Any], *, origin: str, did: str, now: datetime
) -> tuple[str | None, datetime | None]:
    if CREDENTIAL_TYPE not in as_list(credential.get("type")):
        return f"is not of type {CREDENTIAL_TYPE}", None
    if CONTEXT not in as_list(credential.get("@context")):
        return f"does not use the context {CONTEXT}", None
    if node_id(credential.get("issuer")) != did:
        return f"is not issued by {did}", None
    subjects = as_list(credential.get("credentialSubject"))
    subject = subjects[0] if len(subjects) == 1 and isinstance(subjects[0], dict) else None
    if subject is None or subject.get("id") != did:
        return f"does not have {did} as its one subject", None
    claimed = subject.get("origin")
    try:
        claimed_origin = origin_of(claimed) if isinstance(claimed, str) else None
    except InputError:
        claimed_origin = None
    if claimed_origin != origin:
        return f"names the origin {claimed!r}, not {origin}", None
    issued = parse_datetime(credential.get("issuanceDate") or credential.get("validFrom"))
    expires = parse_datetime(credential.get("expirationDate") or credential.get("validUntil"))
    if issued is None:
        return "states no issuance date", None
    if expires is None:
        return "states no expiry date (a linkage must lapse)", None
    if now < issued:
        return f"is not valid before {format_datetime(issued)}", None
    if now >= expires:
        return f"expired on {format_datetime(expires)}", None
    return None, expires
