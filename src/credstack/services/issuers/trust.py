"""Who vouches for an issuer: the operator, a domain linkage, or an imported registry.

"Registered here" used to mean only that someone signed up. Now an issuer is *verified*
when the operator vouched for it (``credstack issuer create``, ``issuer verify``) or when
it proved control of its website's origin with a DIF domain linkage
(``services.issuers.domain_linkage``), and it is not held for review. Organisations made
through sign-up start unverified. A new organisation that resembles a verified issuer or
a registry-listed one (``core.lookalikes``) is flagged: an audit event, a ``flagged``
reason in ``credstack issuer list``, and no verified state until the operator verifies
it explicitly. ``issuer unverify`` holds an issuer the same way, so a domain check alone
cannot undo the operator's decision.

:func:`issuer_lookup` answers the verifier's question "who vouches for this DID?" from
the verified organisations and the imported registries (``services.registries``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError
from credstack.core.issuer_trust import IssuerLookup
from credstack.core.lookalikes import KnownIssuer, resemblance
from credstack.core.report import TrustedIssuer
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.store.models import IssuerRegistry, Organization, RegistryIssuer, SigningKey

OPERATOR_VERIFIED = "verified by this Credstack's operator"


@dataclass(frozen=True)
class IssuerTrust:
    """An issuer's trust as a person reads it: verified or not, how, and any hold."""

    verified: bool
    #: one phrase per voucher ("verified by this Credstack's operator", …)
    how: tuple[str, ...]
    flagged_reason: str | None

    @property
    def label(self) -> str:
        """``verified (…)``, ``unverified`` or ``flagged: …``, for lists and pages."""
        if self.flagged_reason is not None:
            return f"flagged: {self.flagged_reason}"
        if self.verified:
            return "verified (" + "; ".join(self.how) + ")"
        return "unverified"


def domain_phrase(origin: str) -> str:
    """How a domain linkage vouches, in the words the trust check prints."""
    return f"proved control of {origin} (DIF domain linkage)"


def trust_of(organization: Organization, now: datetime) -> IssuerTrust:
    """Whether ``organization`` is verified at ``now``, and by whom."""
    how: list[str] = []
    if organization.operator_verified_at is not None:
        how.append(OPERATOR_VERIFIED)
    until = organization.domain_linked_until
    if organization.domain_origin is not None and (until is None or now < until):
        how.append(domain_phrase(organization.domain_origin))
    flagged = organization.flagged_reason
    return IssuerTrust(
        verified=bool(how) and flagged is None, how=tuple(how), flagged_reason=flagged
    )


def verify_issuer(session: Session, ctx: ServiceContext, organization: Organization) -> bool:
    """The operator vouches for the issuer (and lifts any hold); False if it already was.

    Operator only: reached from the CLI (``issuer create``, ``issuer verify``) and the demo.
    """
    if organization.operator_verified_at is not None and organization.flagged_reason is None:
        return False
    lifted = organization.flagged_reason
    organization.operator_verified_at = ctx.now()
    organization.flagged_reason = None
    session.flush()
    _record(session, ctx, "issuer.verified", organization, by="operator", lifted_flag=lifted)
    return True


def unverify_issuer(session: Session, ctx: ServiceContext, organization: Organization) -> None:
    """The operator withdraws every vouch and holds the issuer until ``issuer verify``."""
    if organization.flagged_reason is not None and organization.operator_verified_at is None:
        raise ConflictError(
            f"issuer {organization.slug} is already held for review: {organization.flagged_reason}"
        )
    organization.operator_verified_at = None
    organization.domain_origin = None
    organization.domain_linked_at = None
    organization.domain_linked_until = None
    organization.flagged_reason = f"unverified by the operator on {ctx.now():%Y-%m-%d}"
    session.flush()
    _record(session, ctx, "issuer.unverified", organization, reason=organization.flagged_reason)


@dataclass(frozen=True)
class VerifyAllResult:
    """What ``issuer verify --all`` did: who it verified, and who it left held for review."""

    verified: tuple[Organization, ...]
    held: tuple[Organization, ...]


def verify_all(session: Session, ctx: ServiceContext) -> VerifyAllResult:
    """Vouch for every issuer not yet verified by the operator, except the flagged ones.

    The upgrade step after migration ``0004_issuer_trust``: the issuers that existed
    before had no trust state, and their operator vouches for them all at once. A flagged
    issuer needs its own ``issuer verify SLUG``.
    """
    rows = session.scalars(
        select(Organization)
        .where(Organization.operator_verified_at.is_(None))
        .order_by(Organization.slug)
    ).all()
    verified = [org for org in rows if org.flagged_reason is None]
    for organization in verified:
        verify_issuer(session, ctx, organization)
    held = tuple(org for org in rows if org.flagged_reason is not None)
    return VerifyAllResult(verified=tuple(verified), held=held)


def screen_new_issuer(
    session: Session, ctx: ServiceContext, organization: Organization
) -> str | None:
    """Flag a new organisation that resembles a verified or registry-listed issuer.

    Returns the reason (also stored and audited as ``issuer.flagged``), or None.
    """
    for known in _known_issuers(session, ctx.now(), exclude=organization.id):
        reason = resemblance(organization.name, organization.url, organization.email, known)
        if reason is not None:
            organization.flagged_reason = reason
            session.flush()
            _record(session, ctx, "issuer.flagged", organization, reason=reason)
            return reason
    return None


def _known_issuers(session: Session, now: datetime, *, exclude: str) -> list[KnownIssuer]:
    """Verified organisations (but ``exclude``), then every registry-listed issuer."""
    organizations = session.scalars(
        select(Organization)
        .where(
            Organization.id != exclude,
            or_(
                Organization.operator_verified_at.is_not(None),
                Organization.domain_origin.is_not(None),
            ),
        )
        .order_by(Organization.slug)
    ).all()
    known = [
        KnownIssuer(label=f"verified issuer {org.slug}", name=org.name, url=org.url)
        for org in organizations
        if trust_of(org, now).verified
    ]
    listed = session.execute(
        select(RegistryIssuer.name, RegistryIssuer.url, IssuerRegistry.name)
        .join(IssuerRegistry, IssuerRegistry.id == RegistryIssuer.registry_id)
        .order_by(IssuerRegistry.name, RegistryIssuer.name)
    ).all()
    known += [
        KnownIssuer(label=f"{name} (registry {registry})", name=name, url=url)
        for name, url, registry in listed
    ]
    return known


def issuer_lookup(session: Session, now: datetime) -> IssuerLookup:
    """Who vouches for an issuer id: a verified organisation of ours, imported registries.

    An organisation counts under every DID its keys were made for (a did:key issuer that
    rotated keeps its old DID for old credentials). Its name comes from its profile here;
    a registry's from the registry.
    """

    def lookup(issuer_id: str) -> TrustedIssuer | None:
        name: str | None = None
        how: list[str] = []
        organization = _organization_with_did(session, issuer_id)
        if organization is not None:
            trust = trust_of(organization, now)
            if trust.verified:
                name, how = organization.name, list(trust.how)
        for listed_name, registry in registry_listings(session, issuer_id):
            name = name or listed_name
            how.append(f"listed in the registry {registry}")
        return TrustedIssuer(name=name, how=tuple(how)) if name is not None else None

    return lookup


def _organization_with_did(session: Session, did: str) -> Organization | None:
    found = session.scalars(select(Organization).where(Organization.did == did)).first()
    if found is not None:
        return found
    return session.scalars(
        select(Organization)
        .join(SigningKey, SigningKey.organization_id == Organization.id)
        .where(SigningKey.controller_did == did)
    ).first()


def registry_listings(session: Session, issuer_id: str) -> Sequence[tuple[str, str]]:
    """``(name the registry gives, registry name)`` for each registry listing the id."""
    rows = session.execute(
        select(RegistryIssuer.name, IssuerRegistry.name)
        .join(IssuerRegistry, IssuerRegistry.id == RegistryIssuer.registry_id)
        .where(RegistryIssuer.issuer_id == issuer_id)
        .order_by(IssuerRegistry.imported_at, IssuerRegistry.name)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _record(
    session: Session,
    ctx: ServiceContext,
    kind: str,
    organization: Organization,
    **data: str | None,
) -> None:
    audit.record(
        session,
        ctx,
        kind,
        subject_type="organization",
        subject_id=organization.id,
        organization_id=organization.id,
        data={"slug": organization.slug, **{k: v for k, v in data.items() if v is not None}},
    )
