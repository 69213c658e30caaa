"""The issuer dashboard: your organisations, creating one, and one organisation's overview.

Who may see what is the dependencies' (``web.access``): a person who is not a member gets
the same 404 as for an id that does not exist (an outsider learns nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from credstack.core.countries import ISO_3166_ALPHA2
from credstack.core.errors import ConflictError, ValidationError
from credstack.services.accounts import authz
from credstack.services.issuers.profiles import MAX_IMAGE_BYTES
from credstack.services.issuers.trust import trust_of
from credstack.services.issuing.statistics import micro_credential_stats
from credstack.store.models import OrganizationType, User
from credstack.web.access import MayView, SignedInPerson
from credstack.web.negotiation import page_router
from credstack.web.rendering import field_errors, flash, redirect, render
from credstack.web.sessions import WebDb

router = page_router()

FormText = Annotated[str, Form()]
ORGANIZATION_TYPES = [
    (OrganizationType.UNIVERSITY.value, "University or higher-education institution"),
    (OrganizationType.ASSOCIATION.value, "Industry or professional association"),
    (OrganizationType.COMPANY.value, "Company"),
    (OrganizationType.TRAINING_PROVIDER.value, "Training provider"),
    (OrganizationType.OTHER.value, "Other"),
]
COUNTRIES = [(code, code) for code in sorted(ISO_3166_ALPHA2)]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, db: WebDb, person: SignedInPerson) -> Response:
    """The organisations you belong to (one click into each), or a prompt to create one."""
    organizations = authz.organizations_of(db, person.principal)
    return render(request, "dashboard/index.html", user=person.user, organizations=organizations)


def _organization_form(
    request: Request, user: User, values: dict[str, str], errors: dict[str, list[str]], status: int
) -> HTMLResponse:
    return render(
        request,
        "dashboard/organization_form.html",
        status_code=status,
        user=user,
        values=values,
        errors=errors,
        types=ORGANIZATION_TYPES,
        countries=COUNTRIES,
        max_image_bytes=MAX_IMAGE_BYTES,
    )


@router.get("/organizations/new", response_class=HTMLResponse)
def new_organization_form(request: Request, person: SignedInPerson) -> Response:
    return _organization_form(request, person.user, {"email": person.user.email}, {}, 200)


@router.post("/organizations/new", response_class=HTMLResponse)
async def create_organization(
    request: Request,
    db: WebDb,
    person: SignedInPerson,
    name: FormText = "",
    type: FormText = "",
    url: FormText = "",
    country: FormText = "",
    region: FormText = "",
    email: FormText = "",
    description: FormText = "",
    linkedin_organization_id: FormText = "",
    slug: FormText = "",
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Create the organisation with every profile field; the creator becomes its owner."""
    values = {
        "name": name,
        "type": type,
        "url": url,
        "country": country,
        "region": region,
        "email": email,
        "description": description,
        "linkedin_organization_id": linkedin_organization_id,
        "slug": slug,
    }
    image_bytes: bytes | None = None
    image_mime: str | None = None
    if image is not None and image.filename:
        image_bytes = await image.read(MAX_IMAGE_BYTES + 1)
        image_mime = image.content_type
    try:
        organization = authz.create_organization(
            db,
            person.ctx,
            person.principal,
            name=name,
            type=type,
            url=url,
            country=country.upper(),
            region=region or None,
            email=email or None,
            description=description or None,
            linkedin_organization_id=linkedin_organization_id or None,
            slug=slug or None,
            image=image_bytes or None,
            image_mime=image_mime if image_bytes else None,
        )
    except ValidationError as exc:
        return _organization_form(request, person.user, values, field_errors(exc.problems), 422)
    except ConflictError as exc:
        return _organization_form(request, person.user, values, {"slug": [exc.message]}, 409)
    flash(request, f"{organization.name} is ready: create its first micro-credential.", "success")
    return redirect(f"/dashboard/{organization.id}")


@router.get("/dashboard/{organization_id}", response_class=HTMLResponse)
def organization_dashboard(request: Request, db: WebDb, member: MayView) -> Response:
    """One organisation: its profile and, per micro-credential, issued/claimed/shared/verified."""
    return render(
        request,
        "dashboard/organization.html",
        user=member.user,
        organization=member.organization,
        role=member.role,
        can_edit=member.allows(authz.Action.EDIT_ACHIEVEMENTS),
        can_edit_organization=member.allows(authz.Action.EDIT_ORGANIZATION),
        trust=trust_of(member.organization, datetime.now(UTC)),
        stats=micro_credential_stats(db, member.organization.id),
    )
