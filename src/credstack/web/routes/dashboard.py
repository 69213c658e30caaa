"""The issuer dashboard: your organisations, creating one, and one organisation's overview.

Every organisation page goes through ``services.accounts.authz``: a person who is not a member
gets the same 404 as for an id that does not exist (an outsider learns nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from credstack.core.countries import ISO_3166_ALPHA2
from credstack.core.errors import ConflictError, NotFoundError, ValidationError
from credstack.services.accounts import authz
from credstack.services.accounts.users import Principal
from credstack.services.issuers.profiles import MAX_IMAGE_BYTES
from credstack.services.issuers.trust import trust_of
from credstack.services.issuing.statistics import micro_credential_stats
from credstack.store.models import Organization, OrganizationType, Role, User
from credstack.web.rendering import (
    error_page,
    field_errors,
    flash,
    redirect,
    render,
    sign_in_first,
)
from credstack.web.routes.auth import page_context
from credstack.web.sessions import OptionalUser, WebDb

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form()]
ORGANIZATION_TYPES = [
    (OrganizationType.UNIVERSITY.value, "University or higher-education institution"),
    (OrganizationType.ASSOCIATION.value, "Industry or professional association"),
    (OrganizationType.COMPANY.value, "Company"),
    (OrganizationType.TRAINING_PROVIDER.value, "Training provider"),
    (OrganizationType.OTHER.value, "Other"),
]
COUNTRIES = [(code, code) for code in sorted(ISO_3166_ALPHA2)]


def principal_of(user: User) -> Principal:
    """A signed-in person acting through the pages."""
    return Principal(user_id=user.id)


def role_allows(role: Role, action: authz.Action) -> bool:
    """Whether a member with ``role`` may do ``action`` (to offer only the buttons that work)."""
    return authz.ROLE_RANK[role] >= authz.ROLE_RANK[authz.MINIMUM_ROLE[action]]


def not_found(request: Request, user: User) -> HTMLResponse:
    return error_page(
        request,
        404,
        "Page not found",
        "There is no such page, or it belongs to an organisation you are not a member of.",
        user,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, db: WebDb, user: OptionalUser) -> Response:
    """The organisations you belong to (one click into each), or a prompt to create one."""
    if user is None:
        return sign_in_first(request)
    organizations = authz.organizations_of(db, principal_of(user))
    return render(request, "dashboard/index.html", user=user, organizations=organizations)


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
def new_organization_form(request: Request, user: OptionalUser) -> Response:
    if user is None:
        return sign_in_first(request)
    return _organization_form(request, user, {"email": user.email}, {}, 200)


@router.post("/organizations/new", response_class=HTMLResponse)
async def create_organization(
    request: Request,
    db: WebDb,
    user: OptionalUser,
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
    if user is None:
        return sign_in_first(request)
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
            page_context(request, f"user:{user.id}"),
            principal_of(user),
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
        return _organization_form(request, user, values, field_errors(exc.problems), 422)
    except ConflictError as exc:
        return _organization_form(request, user, values, {"slug": [exc.message]}, 409)
    flash(request, f"{organization.name} is ready: create its first micro-credential.", "success")
    return redirect(f"/dashboard/{organization.id}")


@router.get("/dashboard/{organization_id}", response_class=HTMLResponse)
def organization_dashboard(
    request: Request, organization_id: str, db: WebDb, user: OptionalUser
) -> Response:
    """One organisation: its profile and, per micro-credential, issued/claimed/shared/verified."""
    if user is None:
        return sign_in_first(request)
    try:
        role = authz.require(db, principal_of(user), organization_id, authz.Action.VIEW)
    except NotFoundError:
        return not_found(request, user)
    organization = db.get(Organization, organization_id)
    if organization is None:
        return not_found(request, user)
    return render(
        request,
        "dashboard/organization.html",
        user=user,
        organization=organization,
        role=role,
        can_edit=role_allows(role, authz.Action.EDIT_ACHIEVEMENTS),
        can_edit_organization=role_allows(role, authz.Action.EDIT_ORGANIZATION),
        trust=trust_of(organization, datetime.now(UTC)),
        stats=micro_credential_stats(db, organization.id),
    )
