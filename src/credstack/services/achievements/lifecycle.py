"""Micro-credentials (achievements): create from a definition, publish, version, archive.

Why versions: the OB 3.0 ``Achievement`` is copied into every credential signed for it,
and its ``id`` URL is what verifiers and wallets look up. Once published, a version is
therefore never changed: editing it makes a new version (same ``lineage_id``, version
+ 1, a new id, a draft until published) while the old one stays published, so the
credentials already issued keep pointing at the text they were signed with.

Publishing is where the EU rules bite: an achievement marked as an EU micro-credential
is refused while any Annex I mandatory element is missing, each one named, so the
issuer can fix the file in one go. Services flush, never commit (architecture §3).

Each use case takes the acting ``principal`` and checks it (``services.accounts.authz``):
viewing needs a member, creating and editing the ``edit_achievements`` action.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.achievement import (
    AchievementDefinition,
    definition_from_mapping,
    definition_to_mapping,
    missing_eu_elements,
    parse_definition,
)
from credstack.core.badge_image import default_badge_png, default_badge_svg
from credstack.core.canonicalize import canonicalize
from credstack.core.credential import achievement_json, build_achievement_credential
from credstack.core.errors import (
    CanonicalizationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from credstack.core.image_data import sniff_image_type
from credstack.services import audit
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.issuers.organizations import organization_by_slug
from credstack.services.issuers.profiles import (
    IMAGE_TYPES,
    MAX_IMAGE_BYTES,
    SVG_MIME,
    issuer_profile_json,
)
from credstack.services.paging import Page, Window
from credstack.services.skills.catalog import link_skills
from credstack.store.models import Achievement, AchievementState, Organization

PNG_MIME = "image/png"
#: the formats an achievement image may have (baking needs PNG or SVG; JPEG is shown only)
ACHIEVEMENT_IMAGE_TYPES = (*IMAGE_TYPES, SVG_MIME)


def achievement_url(ctx: ServiceContext, achievement: Achievement) -> str:
    """The public URL of one version (architecture §5), printed as the Achievement ``id``."""
    return ctx.url(f"/achievements/{achievement.id}")


def achievement_image_url(ctx: ServiceContext, achievement: Achievement) -> str:
    """Where ``/achievements/<id>/image`` serves the stored image."""
    return ctx.url(f"/achievements/{achievement.id}/image")


def definition_of(achievement: Achievement) -> AchievementDefinition:
    """The stored definition, read back into the core model."""
    return definition_from_mapping(achievement.definition)


def _definition(definition: AchievementDefinition | str) -> AchievementDefinition:
    return parse_definition(definition) if isinstance(definition, str) else definition


def sniff_image(image: bytes, declared_mime: str | None = None) -> str:
    """The MIME type of an uploaded achievement image, checked against its bytes."""
    if len(image) > MAX_IMAGE_BYTES:
        raise ValidationError(
            f"the achievement image is {len(image):,} bytes; at most {MAX_IMAGE_BYTES:,} allowed"
        )
    sniffed = sniff_image_type(image)
    if sniffed is None:
        raise ValidationError("the achievement image is not a PNG, JPEG or SVG file")
    if declared_mime is not None and declared_mime != sniffed:
        raise ValidationError(
            f"the achievement image is declared as {declared_mime} but its content is {sniffed}"
        )
    return sniffed


def default_image(
    defn: AchievementDefinition, organization: Organization, fmt: Literal["png", "svg"]
) -> tuple[bytes, str]:
    """The generated badge (hexagon, colours seeded by the title) when no image is given."""
    seed = f"{organization.slug}/{defn.name}"
    if fmt == "svg":
        return default_badge_svg(defn.name, organization.name, seed).encode(), SVG_MIME
    return default_badge_png(defn.name, organization.name, seed), PNG_MIME


def _new_id(ctx: ServiceContext) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


def _add_draft(
    session: Session,
    ctx: ServiceContext,
    *,
    achievement_id: str,
    organization_id: str,
    lineage_id: str,
    version: int,
    defn: AchievementDefinition,
    image: tuple[bytes | None, str | None],
) -> Achievement:
    """Insert one draft version of a definition, with its skills linked."""
    now = ctx.now()
    draft = Achievement(
        id=achievement_id,
        organization_id=organization_id,
        lineage_id=lineage_id,
        version=version,
        name=defn.name,
        state=AchievementState.DRAFT,
        definition=definition_to_mapping(defn),
        achievement_json=None,
        eu_micro_credential=defn.eu_micro_credential,
        image=image[0],
        image_mime=image[1],
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    link_skills(session, draft.id, defn.skills)
    return draft


def create_achievement(
    session: Session,
    ctx: ServiceContext,
    *,
    issuer_slug: str | None = None,
    organization_id: str | None = None,
    definition: AchievementDefinition | str,
    image: bytes | None = None,
    image_mime: str | None = None,
    default_image_format: Literal["png", "svg"] = "png",
    principal: Principal | None = None,
) -> Achievement:
    """A new achievement (version 1, a draft) of the issuer, from a definition or its text.

    The issuer is named by ``issuer_slug`` (the CLI) or ``organization_id`` (the API);
    ``principal`` needs ``edit_achievements`` there (``None``: see ``authz``). ``image`` is
    the badge image (PNG, JPEG or SVG); without one a default badge is generated. Raises
    ``ValidationError`` listing every problem of the definition.
    """
    organization = _issuer(
        session, principal, Action.EDIT_ACHIEVEMENTS, issuer_slug, organization_id
    )
    defn = _definition(definition)
    if image is not None:
        stored_image, stored_mime = image, sniff_image(image, image_mime)
    else:
        stored_image, stored_mime = default_image(defn, organization, default_image_format)
    achievement_id = _new_id(ctx)
    achievement = _add_draft(
        session,
        ctx,
        achievement_id=achievement_id,
        organization_id=organization.id,
        lineage_id=achievement_id,
        version=1,
        defn=defn,
        image=(stored_image, stored_mime),
    )
    audit.record(
        session,
        ctx,
        "achievement.created",
        subject_type="achievement",
        subject_id=achievement.id,
        organization_id=organization.id,
        data={"name": defn.name, "version": 1, "eu_micro_credential": defn.eu_micro_credential},
    )
    return achievement


def _issuer(
    session: Session,
    principal: Principal | None,
    action: Action,
    issuer_slug: str | None,
    organization_id: str | None,
) -> Organization:
    """The organisation named by slug or by id, once ``principal`` may ``action`` in it."""
    if (issuer_slug is None) == (organization_id is None):
        raise TypeError("name the issuer by issuer_slug or by organization_id, not both")
    if issuer_slug is not None:
        organization = organization_by_slug(session, issuer_slug)
        if principal is not None:
            authz.require(session, principal, organization.id, action)
        return organization
    assert organization_id is not None
    if principal is not None:
        return authz.organization_for(session, principal, organization_id, action)
    found = session.get(Organization, organization_id)
    if found is None:
        raise authz.not_found(organization_id)
    return found


def get(session: Session, achievement_id: str) -> Achievement:
    """One achievement version by id (``NotFoundError`` otherwise); no permission check."""
    achievement = session.get(Achievement, achievement_id)
    if achievement is None:
        raise NotFoundError(
            f"no achievement with id {achievement_id!r} (see 'credstack achievement list')"
        )
    return achievement


def achievement_for(
    session: Session, principal: Principal, achievement_id: str, action: Action
) -> Achievement:
    """The achievement version, once ``principal`` may ``action`` in its organisation.

    Another organisation's id answers exactly like an unknown one (``NotFoundError``).
    """
    if principal.is_operator:
        return get(session, achievement_id)  # its message points at 'achievement list'
    missing = NotFoundError(f"no achievement with id {achievement_id!r}")
    achievement = session.get(Achievement, achievement_id)
    if achievement is None:
        raise missing
    authz.require_on(session, principal, achievement.organization_id, action, missing)
    return achievement


def _checked(
    session: Session, principal: Principal | None, achievement_id: str, action: Action
) -> Achievement:
    if principal is None:  # a caller that checked already (see ``authz``)
        return get(session, achievement_id)
    return achievement_for(session, principal, achievement_id, action)


def _organization(session: Session, achievement: Achievement) -> Organization:
    organization = session.get(Organization, achievement.organization_id)
    if organization is None:  # the foreign key forbids it; a clear error beats an AttributeError
        raise NotFoundError(f"the issuer of achievement {achievement.id} no longer exists")
    return organization


def published_json(
    ctx: ServiceContext, achievement: Achievement, organization: Organization
) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` of this version, its ``id`` = its public URL.

    The image is the definition's own URL when it names a published one, else the image
    Credstack stores and serves for this version.
    """
    defn = definition_of(achievement)
    remote = defn.image is not None and ("://" in defn.image or defn.image.startswith("data:"))
    return achievement_json(
        defn,
        achievement_id_url=achievement_url(ctx, achievement),
        issuer_profile=issuer_profile_json(ctx, organization),
        image_url=None if remote else achievement_image_url(ctx, achievement),
    )


def publish(
    session: Session,
    ctx: ServiceContext,
    achievement_id: str,
    *,
    principal: Principal | None = None,
) -> Achievement:
    """Publish a draft so it can be awarded; its OB 3.0 JSON is fixed from now on.

    Needs ``edit_achievements``. Refused with ``ValidationError`` (one problem per missing
    element) when the definition is an EU micro-credential lacking an Annex I mandatory
    element, and with ``ConflictError`` when the version is not a draft.
    """
    achievement = _checked(session, principal, achievement_id, Action.EDIT_ACHIEVEMENTS)
    if achievement.state is not AchievementState.DRAFT:
        raise ConflictError(
            f"achievement {achievement.id} is {achievement.state.value}; only a draft can be "
            "published (edit it with 'credstack achievement update' to make a new version)"
        )
    organization = _organization(session, achievement)
    defn = definition_of(achievement)
    if defn.eu_micro_credential:
        missing = missing_eu_elements(defn, issuer_country=organization.country)
        if missing:
            count = len(missing)
            raise ValidationError(
                f"cannot publish {defn.name!r} as an EU micro-credential: {count} mandatory "
                f"element{'s are' if count > 1 else ' is'} missing: " + "; ".join(missing),
                missing,
            )
    now = ctx.now()
    achievement.achievement_json = published_json(ctx, achievement, organization)
    _check_awardable(ctx, organization, defn.name, achievement.achievement_json)
    achievement.state = AchievementState.PUBLISHED
    achievement.published_at = now
    achievement.updated_at = now
    session.flush()
    audit.record(
        session,
        ctx,
        "achievement.published",
        subject_type="achievement",
        subject_id=achievement.id,
        organization_id=organization.id,
        data={"lineage_id": achievement.lineage_id, "version": achievement.version},
    )
    return achievement


def _check_awardable(
    ctx: ServiceContext, organization: Organization, name: str, body: dict[str, Any]
) -> None:
    """Refuse to publish what could not be awarded: canonicalize a credential around it.

    Every award canonicalizes the achievement inside its credential; a value that breaks
    that (an IRI the canonicalizer refuses, an undefined term) would publish and then fail
    each award. Checking once here, as an award would, keeps that failure at the door.
    """
    probe = build_achievement_credential(
        credential_id=ctx.url("/credentials/publish-check"),
        issuer=issuer_profile_json(ctx, organization),
        achievement=body,
        recipient_email="publish-check@example.invalid",
        recipient_name="Publish Check",
        salt="cHVibGlzaC1jaGVjaw",
        valid_from=ctx.now(),
    )
    try:
        canonicalize(probe)
    except CanonicalizationError as exc:
        raise ValidationError(
            f"cannot publish {name!r}: a credential for it could not be signed ({exc})",
            [exc.message],
        ) from None


def _pending_draft(session: Session, lineage_id: str) -> Achievement | None:
    query = select(Achievement).where(
        Achievement.lineage_id == lineage_id, Achievement.state == AchievementState.DRAFT
    )
    return session.scalars(query.order_by(Achievement.version.desc())).first()


def _edit_draft(
    session: Session,
    ctx: ServiceContext,
    draft: Achievement,
    defn: AchievementDefinition,
    image: tuple[bytes, str] | None,
) -> Achievement:
    draft.definition = definition_to_mapping(defn)
    draft.name = defn.name
    draft.eu_micro_credential = defn.eu_micro_credential
    if image is not None:
        draft.image, draft.image_mime = image
    draft.updated_at = ctx.now()
    session.flush()
    link_skills(session, draft.id, defn.skills)
    audit.record(
        session,
        ctx,
        "achievement.updated",
        subject_type="achievement",
        subject_id=draft.id,
        organization_id=draft.organization_id,
        data={"version": draft.version},
    )
    return draft


def update(
    session: Session,
    ctx: ServiceContext,
    achievement_id: str,
    definition: AchievementDefinition | str,
    *,
    image: bytes | None = None,
    image_mime: str | None = None,
    principal: Principal | None = None,
) -> Achievement:
    """Change an achievement's definition (and image, when one is given).

    Needs ``edit_achievements``. A draft is edited in place. A published version is left
    untouched: a new draft version of the same lineage is made (or, if one is already
    pending, that draft is edited) and returned; publish it to make it awardable.
    Archived versions are final.
    """
    achievement = _checked(session, principal, achievement_id, Action.EDIT_ACHIEVEMENTS)
    defn = _definition(definition)
    new_image = (image, sniff_image(image, image_mime)) if image is not None else None
    if achievement.state is AchievementState.ARCHIVED:
        raise ConflictError(f"achievement {achievement.id} is archived and cannot be edited")
    pending = _pending_draft(session, achievement.lineage_id)
    if pending is not None:
        return _edit_draft(session, ctx, pending, defn, new_image)
    latest = session.scalar(
        select(func.max(Achievement.version)).where(
            Achievement.lineage_id == achievement.lineage_id
        )
    )
    version = _add_draft(
        session,
        ctx,
        achievement_id=_new_id(ctx),
        organization_id=achievement.organization_id,
        lineage_id=achievement.lineage_id,
        version=(latest or achievement.version) + 1,
        defn=defn,
        image=new_image or (achievement.image, achievement.image_mime),
    )
    audit.record(
        session,
        ctx,
        "achievement.versioned",
        subject_type="achievement",
        subject_id=version.id,
        organization_id=version.organization_id,
        data={
            "lineage_id": version.lineage_id,
            "version": version.version,
            "previous_id": achievement.id,
        },
    )
    return version


def archive(
    session: Session, ctx: ServiceContext, achievement_id: str, *, principal: Principal
) -> Achievement:
    """Stop awarding this version; it stays public so issued credentials keep resolving."""
    achievement = achievement_for(session, principal, achievement_id, Action.EDIT_ACHIEVEMENTS)
    if achievement.state is AchievementState.ARCHIVED:
        raise ConflictError(f"achievement {achievement.id} is already archived")
    achievement.state = AchievementState.ARCHIVED
    achievement.updated_at = ctx.now()
    session.flush()
    audit.record(
        session,
        ctx,
        "achievement.archived",
        subject_type="achievement",
        subject_id=achievement.id,
        organization_id=achievement.organization_id,
        data={"lineage_id": achievement.lineage_id, "version": achievement.version},
    )
    return achievement


def list_achievements(
    session: Session,
    *,
    principal: Principal,
    issuer_slug: str | None = None,
    organization_id: str | None = None,
    window: Window | None = None,
) -> Page[Achievement]:
    """Achievement versions, all of them, lineage by lineage; of one issuer when it is named.

    A member sees its organisation's (named by slug or id); only the operator may list
    every issuer's at once.
    """
    query = select(Achievement).order_by(
        Achievement.created_at, Achievement.lineage_id, Achievement.version
    )
    if issuer_slug is not None or organization_id is not None:
        organization = _issuer(session, principal, Action.VIEW, issuer_slug, organization_id)
        query = query.where(Achievement.organization_id == organization.id)
    elif not principal.is_operator:
        raise PermissionDeniedError("name the organisation whose achievements to list")
    window = window or Window()
    return window.page(session.scalars(window.applied(query)).all())


def current_published(session: Session, lineage_id: str) -> Achievement | None:
    """The newest published version of a lineage (what new awards should use), if any."""
    query = (
        select(Achievement)
        .where(
            Achievement.lineage_id == lineage_id,
            Achievement.state == AchievementState.PUBLISHED,
        )
        .order_by(Achievement.version.desc())
    )
    return session.scalars(query).first()


def public_achievement(session: Session, achievement_id: str) -> Achievement:
    """A version the public may see: published or archived (drafts do not exist publicly)."""
    achievement = session.get(Achievement, achievement_id)
    if (
        achievement is None
        or achievement.state is AchievementState.DRAFT
        or achievement.achievement_json is None
    ):
        raise NotFoundError(f"no published achievement with id {achievement_id!r}")
    return achievement


def of_organization(session: Session, organization_id: str, achievement_id: str) -> Achievement:
    """The version ``achievement_id`` if it belongs to the organisation, else ``NotFoundError``.

    Call it once the caller's membership is checked (``accounts.authz``): an achievement of
    another organisation is "not found", exactly like one that does not exist.
    """
    achievement = session.get(Achievement, achievement_id)
    if achievement is None or achievement.organization_id != organization_id:
        raise NotFoundError(f"this organisation has no micro-credential {achievement_id!r}")
    return achievement
