"""One award in the forms a learner shares it: JSON, VC-JWT, baked PNG and baked SVG.

Every form carries the credential exactly as it was signed: the JSON is the stored text
byte for byte, the images bake that text, and the VC-JWT is a second proof over the same
credential (signed once, on first request, and stored beside it — the stored JSON is
never rewritten).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy.orm import Session

from credstack.core.badge_image import default_badge_png, default_badge_svg
from credstack.core.baking import bake_png, bake_svg
from credstack.core.errors import ConflictError, InputError, NotFoundError
from credstack.core.proofs.vcjwt import sign_vc_jwt
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import signer_for_did
from credstack.store.engine import best_effort
from credstack.store.models import Achievement, Award, Organization, SigningKey
from credstack.store.models.keys import KeyState

PNG_MIME = "image/png"
SVG_MIME = "image/svg+xml"
#: what each export format is served as (architecture §5 URLs and ``award export``)
MEDIA_TYPES = {
    "json": "application/json",
    "jwt": "application/jwt",
    "png": PNG_MIME,
    "svg": SVG_MIME,
}


def credential_json(award: Award) -> bytes:
    """The credential exactly as signed (UTF-8 of the stored text, nothing re-serialised)."""
    return award.credential.encode("utf-8")


def _issuer_id(credential: dict[str, Any]) -> str:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        raise ConflictError("the stored credential names no issuer id; it cannot be re-signed")
    return issuer_id


def credential_jwt(session: Session, ctx: ServiceContext, award: Award) -> str:
    """The award as an OB 3.0 VC-JWT (EdDSA), signed on first request by the same DID.

    The payload is the stored credential without its Data Integrity proof (the JWS is
    the proof of this form). The key is one the credential's issuer DID controls, so
    the JWT verifies against the same DID document; a compromised key never signs.
    """
    if award.jwt:
        return award.jwt
    credential = json.loads(award.credential)
    signer = signer_for_did(session, ctx, award.organization_id, _issuer_id(credential))
    key = session.get(SigningKey, signer.key_id)
    if key is not None and key.state is KeyState.COMPROMISED:
        raise ConflictError(
            f"the key that signed award {award.id} is compromised; no new proof is made with it"
        )
    payload = {name: value for name, value in credential.items() if name != "proof"}
    token = sign_vc_jwt(payload, signer.key_pair, kid=signer.verification_method)
    # Ed25519 signs deterministically: if a GET cannot store it now, the next one makes
    # the very same token
    with best_effort(session):
        award.jwt = token
    return token


def _achievement_and_issuer(session: Session, award: Award) -> tuple[Achievement, Organization]:
    achievement = session.get(Achievement, award.achievement_id)
    organization = session.get(Organization, award.organization_id)
    if achievement is None or organization is None:
        raise NotFoundError(f"award {award.id} points at a missing achievement or issuer")
    return achievement, organization


def _badge_seed(achievement: Achievement, organization: Organization) -> str:
    """The colour seed ``services.achievements.lifecycle.default_image`` uses, so colours match."""
    return f"{organization.slug}/{achievement.name}"


def baked_png(session: Session, award: Award) -> bytes:
    """The achievement's PNG with the credential baked in.

    An SVG or JPEG achievement image cannot carry a PNG chunk, so the generated default
    badge (same title, issuer and colours) is baked instead.
    """
    achievement, organization = _achievement_and_issuer(session, award)
    if achievement.image is not None and achievement.image_mime == PNG_MIME:
        image = achievement.image
    else:
        seed = _badge_seed(achievement, organization)
        image = default_badge_png(achievement.name, organization.name, seed)
    return bake_png(image, json.loads(award.credential))


def baked_svg(session: Session, award: Award) -> bytes:
    """The achievement's SVG with the credential baked in.

    A raster image (PNG, JPEG) is wrapped in an SVG that shows it, so the learner shares
    the issuer's own artwork; without any image the generated default badge is used.
    """
    achievement, organization = _achievement_and_issuer(session, award)
    if achievement.image is not None and achievement.image_mime == SVG_MIME:
        image = achievement.image
    elif achievement.image is not None and achievement.image_mime:
        image = _raster_in_svg(achievement.image, achievement.image_mime, achievement.name)
    else:
        seed = _badge_seed(achievement, organization)
        image = default_badge_svg(achievement.name, organization.name, seed).encode("utf-8")
    return bake_svg(image, json.loads(award.credential))


def _raster_in_svg(image: bytes, mime: str, title: str) -> bytes:
    data = base64.b64encode(image).decode("ascii")
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" '
        'viewBox="0 0 400 400" role="img">'
        f"<title>{safe_title}</title>"
        f'<image href="data:{mime};base64,{data}" width="400" height="400"/>'
        "</svg>"
    ).encode()


def render(session: Session, ctx: ServiceContext, award: Award, fmt: str) -> bytes:
    """The award in one export format: ``json``, ``jwt``, ``png`` or ``svg``."""
    if fmt == "json":
        return credential_json(award)
    if fmt == "jwt":
        return credential_jwt(session, ctx, award).encode("ascii")
    if fmt == "png":
        return baked_png(session, award)
    if fmt == "svg":
        return baked_svg(session, award)
    raise InputError(f"unknown format {fmt!r}: use one of {', '.join(MEDIA_TYPES)}")
