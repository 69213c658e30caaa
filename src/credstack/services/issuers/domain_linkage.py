"""An issuer proves it controls its website: DIF domain linkage, checked and produced here.

:func:`check_domain` fetches ``/.well-known/did-configuration.json`` from the origin of
the issuer's ``url`` through the verifier's fetcher (https only, no private addresses,
size and time limits; plain http to loopback only when the operator allows it, for
tests) and checks it with ``core.domain_linkage``. A linkage is recorded with its expiry
and makes the issuer verified (``services.issuers.trust``) unless it is flagged for
review. A configuration that was read but does not link ends an earlier linkage; one
that could not be fetched at all leaves things as they were (a website can be down).

Credstack holds its issuers' keys, so an issuer cannot sign the linkage itself:
:func:`issuer_configuration` makes the file for it, signed with its active Ed25519 key,
for it to publish on its own website. :func:`host_configuration` is what Credstack
serves on its own origin for the did:web issuers it hosts (docs/security.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.dids import did_web_to_url
from credstack.core.domain_linkage import (
    DomainLinkage,
    check_did_configuration,
    configuration_url,
    did_configuration,
    linkage_credential,
    origin_of,
    sign_linkage_jwt,
)
from credstack.core.errors import FetchError, NotFoundError
from credstack.core.fetching import Fetcher
from credstack.core.verify_proof import KeyResolver
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import active_signer
from credstack.services.issuers.profiles import did_document
from credstack.services.issuers.trust import IssuerTrust, trust_of
from credstack.store.models import Organization

#: how long a linkage file made for an issuer's own website stays valid
ISSUER_LINKAGE_VALIDITY = timedelta(days=365)
#: the linkage Credstack serves on its own origin is re-made daily and valid this long
HOST_LINKAGE_VALIDITY = timedelta(days=30)


@dataclass(frozen=True)
class DomainCheck:
    """What one check found, and the issuer's trust after it."""

    linkage: DomainLinkage
    url: str
    trust: IssuerTrust


def check_domain(
    session: Session,
    ctx: ServiceContext,
    organization: Organization,
    *,
    fetch: Fetcher,
) -> DomainCheck:
    """Fetch and check the issuer's DID configuration; record (or end) the linkage.

    ``fetch`` is the network, given by the edge (``services.verification.fetcher``
    under the deployment's fetch policy), so issuers import nothing of verification.
    """
    origin = origin_of(organization.url)
    url = configuration_url(origin)
    if organization.did is None:
        raise NotFoundError(f"issuer {organization.slug} has no DID yet")
    network = fetch
    try:
        data = network(url)
    except FetchError as exc:
        linkage = DomainLinkage(False, f"cannot read {url}: {exc}")
        _record(session, ctx, organization, linkage, kept=organization.domain_origin)
        return DomainCheck(linkage, url, trust_of(organization, ctx.now()))
    resolver = KeyResolver(fetch=_own_documents_first(session, organization, network))
    linkage = check_did_configuration(
        data, origin=origin, did=organization.did, resolve=resolver, now=ctx.now()
    )
    if linkage.linked:
        organization.domain_origin = origin
        organization.domain_linked_at = ctx.now()
        organization.domain_linked_until = linkage.expires
    else:
        organization.domain_origin = None
        organization.domain_linked_at = None
        organization.domain_linked_until = None
    session.flush()
    _record(session, ctx, organization, linkage, kept=None)
    return DomainCheck(linkage, url, trust_of(organization, ctx.now()))


def _own_documents_first(session: Session, organization: Organization, network: Fetcher) -> Fetcher:
    """Our own did:web document comes from the database, not from a request to ourselves."""
    did = organization.did or ""
    own = did_web_to_url(did) if did.startswith("did:web:") else None

    def fetch(url: str) -> bytes:
        if url == own:
            return json.dumps(did_document(session, organization)).encode("utf-8")
        return network(url)

    return fetch


def _record(
    session: Session,
    ctx: ServiceContext,
    organization: Organization,
    linkage: DomainLinkage,
    *,
    kept: str | None,
) -> None:
    data: dict[str, Any] = {"slug": organization.slug, "message": linkage.message}
    if kept is not None:
        data["kept"] = kept
    audit.record(
        session,
        ctx,
        "issuer.domain_linked" if linkage.linked else "issuer.domain_check_failed",
        subject_type="organization",
        subject_id=organization.id,
        organization_id=organization.id,
        data=data,
    )


def issuer_configuration(
    session: Session, ctx: ServiceContext, organization: Organization
) -> dict[str, Any]:
    """The DID configuration the issuer publishes on ``url``'s origin (valid one year)."""
    return did_configuration(
        [_signed_linkage(session, ctx, organization, organization.url, ISSUER_LINKAGE_VALIDITY)]
    )


def host_configuration(session: Session, ctx: ServiceContext) -> dict[str, Any] | None:
    """Credstack's own origin linked to the verified did:web issuers it hosts, or None.

    Only with an https base URL at the root of its origin (did:web lives there). Only
    verified issuers: the operator's origin vouches for no one it has not vouched for.
    """
    parts = urlsplit(ctx.base_url)
    if parts.scheme != "https" or parts.path not in ("", "/"):
        return None
    now = ctx.now()
    issued = datetime(now.year, now.month, now.day, tzinfo=UTC)
    candidates = session.scalars(
        select(Organization)
        .where(Organization.did.startswith("did:web:"))
        .order_by(Organization.slug)
    ).all()
    linked: list[str | dict[str, Any]] = [
        _signed_linkage(session, ctx, org, ctx.base_url, HOST_LINKAGE_VALIDITY, issued=issued)
        for org in candidates
        if trust_of(org, now).verified and _hosted_here(org, ctx)
    ]
    return did_configuration(linked) if linked else None


def _hosted_here(organization: Organization, ctx: ServiceContext) -> bool:
    did = organization.did or ""
    return did.startswith("did:web:") and did_web_to_url(did).startswith(ctx.base_url + "/")


def _signed_linkage(
    session: Session,
    ctx: ServiceContext,
    organization: Organization,
    origin: str,
    validity: timedelta,
    *,
    issued: datetime | None = None,
) -> str:
    if organization.did is None:
        raise NotFoundError(f"issuer {organization.slug} has no DID yet")
    signer = active_signer(session, ctx, organization.id)
    start = (issued or ctx.now()).replace(microsecond=0)
    credential = linkage_credential(
        signer.issuer_id, origin, issued=start, expires=start + validity
    )
    return sign_linkage_jwt(credential, signer.key_pair, signer.verification_method)
