"""Issuer organisations: the profile, its DID, and the documents published about it.

The profile is printed as ``issuer`` inside every credential the organisation signs, and
it carries EU Annex I's "country of the awarding body", so every field is checked here,
once, when the profile is saved; problems are reported all together, each in words a
person can act on. The DID follows architecture §2: ``did:web`` under an https base URL (keys
rotate inside it), else the first key's ``did:key``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.countries import country_code_hint, is_country_code
from credstack.core.credential import issuer_profile
from credstack.core.dids import did_key_document, did_web_document, did_web_for
from credstack.core.email_address import address_problem
from credstack.core.errors import ConflictError, ValidationError
from credstack.core.image_data import MAX_IMAGE_BYTES as MAX_IMAGE_BYTES  # re-exported
from credstack.core.image_data import sniff_image_type
from credstack.core.user_urls import web_url_problem
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import create_ed25519_key
from credstack.services.issuers.trust import screen_new_issuer
from credstack.store.models import KeyAlgorithm, Organization, OrganizationType, SigningKey

SLUG_PATTERN = re.compile(r"[a-z0-9-]{2,64}")
_LINKEDIN_ID = re.compile(r"[0-9]{1,20}")
#: images an issuer may use as its logo, and the bytes each format starts with
IMAGE_TYPES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}
SVG_MIME = "image/svg+xml"


@dataclass(frozen=True)
class IssuerFields:
    """The profile fields as given, before checking (what the CLI and the API collect)."""

    name: str
    type: str
    url: str
    country: str
    region: str | None = None
    email: str | None = None
    description: str | None = None
    image: bytes | None = None
    image_mime: str | None = None
    linkedin_organization_id: str | None = None
    slug: str | None = None


def create_issuer(
    session: Session,
    ctx: ServiceContext,
    *,
    name: str,
    type: str,
    url: str,
    country: str,
    region: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image: bytes | None = None,
    image_mime: str | None = None,
    linkedin_organization_id: str | None = None,
    slug: str | None = None,
) -> Organization:
    """Create an issuer with its DID and first Ed25519 key (secret sealed at rest).

    The new issuer is unverified, and flagged when it resembles a verified one
    (``issuers.trust``); the operator's ``issuer create`` then verifies it. Raises
    ``ValidationError`` listing every bad field, ``ConflictError`` when the slug is taken.
    """
    fields = IssuerFields(
        name=name,
        type=type,
        url=url,
        country=country,
        region=region,
        email=email,
        description=description,
        image=image,
        image_mime=image_mime,
        linkedin_organization_id=linkedin_organization_id,
        slug=slug,
    )
    organization = _checked_organization(fields)
    taken = session.scalars(select(Organization.id).where(Organization.slug == organization.slug))
    if taken.first() is not None:
        raise ConflictError(
            f"an issuer with slug {organization.slug!r} already exists: choose another with --slug"
        )
    organization.created_at = ctx.now()
    if ctx.base_url.startswith("https://"):
        organization.did = did_web_for(ctx.base_url, "issuers", organization.slug)
    session.add(organization)
    session.flush()
    key = create_ed25519_key(session, ctx, organization)
    if organization.did is None:
        organization.did = key.controller_did
    session.flush()
    audit.record(
        session,
        ctx,
        "issuer.created",
        subject_type="organization",
        subject_id=organization.id,
        organization_id=organization.id,
        data={"slug": organization.slug, "did": organization.did, "key": key.id},
    )
    screen_new_issuer(session, ctx, organization)
    return organization


def _checked_organization(fields: IssuerFields) -> Organization:
    problems: list[str] = []
    name = fields.name.strip()
    if not name:
        problems.append("name: must not be empty")
    elif len(name) > 200:
        problems.append(f"name: at most 200 characters (got {len(name)})")
    org_type = _organization_type(fields.type, problems)
    url = fields.url.strip()
    url_problem = web_url_problem(url)
    if url_problem is not None:
        problems.append(f"url: {url_problem}")
    country = fields.country.strip()
    if not is_country_code(country):
        problems.append(f"country: {country_code_hint(country)}")
    region = _optional(fields.region)
    if region is not None and len(region) > 100:
        problems.append(f"region: at most 100 characters (got {len(region)})")
    email = _optional(fields.email)
    email_problem = address_problem(email) if email is not None else None
    if email_problem is not None:
        problems.append(f"email: {email_problem}")
    linkedin = _optional(fields.linkedin_organization_id)
    if linkedin is not None and not _LINKEDIN_ID.fullmatch(linkedin):
        problems.append(
            f"linkedin organization id: {linkedin!r} must be the number in the organisation's "
            "LinkedIn admin URL (digits only)"
        )
    image_mime = _image_problem(fields.image, fields.image_mime, problems)
    slug = _slug(fields.slug, name, problems)
    if problems:
        raise ValidationError("the issuer profile is not valid: " + "; ".join(problems), problems)
    return Organization(
        slug=slug,
        name=name,
        type=org_type,
        url=url,
        email=email,
        country=country.upper(),
        region=region,
        description=_optional(fields.description),
        image=fields.image,
        image_mime=image_mime,
        linkedin_organization_id=linkedin,
    )


def _optional(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


def _organization_type(value: str, problems: list[str]) -> OrganizationType:
    normalised = re.sub(r"[\s-]+", "_", value.strip().lower())
    try:
        return OrganizationType(normalised)
    except ValueError:
        allowed = ", ".join(t.value for t in OrganizationType)
        problems.append(f"type: {value!r} is not one of {allowed}")
        return OrganizationType.OTHER


def _image_problem(image: bytes | None, mime: str | None, problems: list[str]) -> str | None:
    """The checked MIME type of the logo (sniffed from its bytes when not given)."""
    if image is None:
        return None
    if len(image) > MAX_IMAGE_BYTES:
        problems.append(f"image: at most {MAX_IMAGE_BYTES:,} bytes (got {len(image):,})")
        return None
    sniffed = sniff_image_type(image)
    if sniffed is None:
        problems.append("image: not a PNG, JPEG or SVG file")
    elif mime is not None and mime != sniffed:
        problems.append(f"image: declared as {mime} but its content is {sniffed}")
    return sniffed


def slug_from_name(name: str) -> str:
    """``"Universiteit van Amsterdam"`` -> ``"universiteit-van-amsterdam"`` (ASCII, ≤ 64)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64].rstrip("-")


def _slug(given: str | None, name: str, problems: list[str]) -> str:
    if given is not None and given.strip():
        slug = given.strip()
        if not SLUG_PATTERN.fullmatch(slug):
            problems.append(
                f"slug: {slug!r} must be 2 to 64 characters of lower-case a-z, 0-9 and '-'"
            )
        return slug
    slug = slug_from_name(name)
    if name and len(slug) < 2:
        problems.append(f"slug: cannot derive one from the name {name!r}; pass --slug")
    return slug


def list_issuers(session: Session) -> Sequence[Organization]:
    """Every issuer, by slug."""
    return session.scalars(select(Organization).order_by(Organization.slug)).all()


def profile_url(ctx: ServiceContext, organization: Organization) -> str:
    """The public profile page (architecture §5): ``<base>/issuers/<slug>``."""
    return ctx.url(f"/issuers/{organization.slug}")


def image_url(ctx: ServiceContext, organization: Organization) -> str | None:
    """Where the logo is served, when the issuer has one."""
    if organization.image is None:
        return None
    return ctx.url(f"/issuers/{organization.slug}/image")


def issuer_profile_json(ctx: ServiceContext, organization: Organization) -> dict[str, Any]:
    """The OB 3.0 ``Profile`` of the issuer, ``id`` = its current DID.

    This is what credentials embed as ``issuer`` and what ``/issuers/<slug>`` serves.
    """
    if organization.did is None:
        raise ValidationError(f"issuer {organization.slug} has no DID yet")
    return issuer_profile(
        id=organization.did,
        name=organization.name,
        url=organization.url,
        email=organization.email,
        description=organization.description,
        image_url=image_url(ctx, organization),
        country_code=organization.country,
        region=organization.region,
    )


def did_document(session: Session, organization: Organization) -> dict[str, Any]:
    """The issuer's DID document, as ``/issuers/<slug>/did.json`` serves it.

    did:web: every active and retired key of the DID (so old credentials keep verifying),
    compromised keys left out. did:key: the document the DID itself expands to.
    """
    did = organization.did
    if did is None:
        raise ValidationError(f"issuer {organization.slug} has no DID yet")
    if not did.startswith("did:web:"):
        return did_key_document(did)
    query = (
        select(SigningKey)
        .where(SigningKey.organization_id == organization.id, SigningKey.controller_did == did)
        .order_by(SigningKey.created_at, SigningKey.id)
    )
    keys = session.scalars(query).all()
    return did_web_document(
        did,
        [
            (
                key.id,
                key.public_multibase
                if key.algorithm is KeyAlgorithm.ED25519 and key.public_multibase
                else key.public_jwk,
                key.state.value,
            )
            for key in keys
        ],
    )
