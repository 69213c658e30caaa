"""Micro-credential pages: create, view, edit (a new version once published), publish, skills.

All rules (validation, versioning, the EU Annex I check) are ``services.achievements.lifecycle``;
who may do what is the dependencies' (``web.access``: viewing needs a member, editing an
admin). An achievement of another organisation, or one that does not exist, is a 404
either way. The skill picker is a plain GET search (works without JavaScript).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from credstack.core.achievement import definition_from_mapping, missing_eu_elements
from credstack.core.errors import ConflictError, InputError, ValidationError
from credstack.services.achievements import lifecycle as achievements
from credstack.services.skills.search import search_skills
from credstack.store.models import Achievement, Organization, User
from credstack.web.access import (
    AchievementToEdit,
    AchievementToView,
    MayEditAchievements,
    MayView,
    OrgMember,
)
from credstack.web.achievement_form import (
    errors_by_control,
    form_values,
    mapping_from_form,
    sections,
    skill_value,
)
from credstack.web.negotiation import page_router
from credstack.web.rendering import flash, redirect, render
from credstack.web.sessions import WebDb

router = page_router()
MAX_BADGE_BYTES = 1_000_000


def _base(organization: Organization) -> str:
    return f"/dashboard/{organization.id}/achievements"


def _form_page(
    request: Request,
    user: User,
    organization: Organization,
    *,
    values: dict[str, Any],
    skills: list[dict[str, str]],
    errors: dict[str, list[str]],
    action: str,
    heading: str,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "achievements/form.html",
        status_code=status,
        user=user,
        organization=organization,
        sections=sections(),
        values=values,
        skills=[{**skill, "value": skill_value(skill)} for skill in skills],
        errors=errors,
        action=action,
        heading=heading,
    )


async def _read_form(request: Request) -> tuple[FormData, dict[str, Any], tuple[bytes, str] | None]:
    form = await request.form()
    flat: dict[str, Any] = {}
    for section in sections():
        for control in section.controls:
            if control.kind == "multi":
                flat[control.name] = [v for v in form.getlist(control.name) if isinstance(v, str)]
            else:
                flat[control.name] = form.get(control.name)
    image = form.get("image")
    upload = None
    if isinstance(image, UploadFile) and image.filename:
        data = await image.read(MAX_BADGE_BYTES + 1)
        if data:
            upload = (data, image.content_type or "")
    return form, flat, upload


def _skills_of(form: FormData) -> list[str]:
    return [value for value in form.getlist("skills") if isinstance(value, str)]


@router.get("/dashboard/{organization_id}/achievements/new", response_class=HTMLResponse)
def new_form(request: Request, member: MayEditAchievements) -> Response:
    values = {"achievement_type": "MicroCredential", "grading.result_type": "LetterGrade"}
    return _form_page(
        request, member.user, member.organization, values=values, skills=[], errors={},
        action=f"{_base(member.organization)}/new", heading="New micro-credential",
    )  # fmt: skip


async def _save(
    request: Request, db: WebDb, member: OrgMember, existing: Achievement | None
) -> Response:
    organization = member.organization
    form, flat, upload = await _read_form(request)
    mapping = mapping_from_form(flat, _skills_of(form))
    action = (
        f"{_base(organization)}/{existing.id}/edit" if existing else f"{_base(organization)}/new"
    )
    heading = f"Edit {existing.name}" if existing else "New micro-credential"
    try:
        if upload is not None and len(upload[0]) > MAX_BADGE_BYTES:
            raise ValidationError("image too large", [f"image: at most {MAX_BADGE_BYTES:,} bytes"])
        definition = definition_from_mapping(mapping)
        image, mime = upload if upload else (None, None)
        if existing is None:
            saved = achievements.create_achievement(
                db, member.ctx, issuer_slug=organization.slug, definition=definition,
                image=image, image_mime=mime, principal=member.principal,
            )  # fmt: skip
        else:
            saved = achievements.update(
                db, member.ctx, existing.id, definition, image=image, image_mime=mime,
                principal=member.principal,
            )  # fmt: skip
    except (ValidationError, InputError, ConflictError) as exc:
        problems = exc.problems if isinstance(exc, ValidationError) else [exc.message]
        return _form_page(
            request, member.user, organization, values=flat,
            skills=mapping.get("skills", []), errors=errors_by_control(problems),
            action=action, heading=heading, status=422,
        )  # fmt: skip
    flash(request, f"Saved {saved.name} (version {saved.version}, {saved.state.value}).", "success")
    return redirect(f"{_base(organization)}/{saved.id}")


@router.post("/dashboard/{organization_id}/achievements/new", response_class=HTMLResponse)
async def create(request: Request, db: WebDb, member: MayEditAchievements) -> Response:
    return await _save(request, db, member, None)


@router.get(
    "/dashboard/{organization_id}/achievements/{achievement_id}", response_class=HTMLResponse
)
def view(request: Request, member: MayView, achievement: AchievementToView) -> Response:
    """One version: its fields, state, the EU elements still missing, and the next steps."""
    definition = achievements.definition_of(achievement)
    missing = (
        missing_eu_elements(definition, issuer_country=member.organization.country)
        if definition.eu_micro_credential
        else []
    )
    return render(
        request,
        "achievements/view.html",
        user=member.user,
        organization=member.organization,
        achievement=achievement,
        definition=achievement.definition,
        missing=missing,
        sections=sections(),
        values=form_values(achievement.definition),
    )


@router.get(
    "/dashboard/{organization_id}/achievements/{achievement_id}/edit", response_class=HTMLResponse
)
def edit_form(
    request: Request, member: MayEditAchievements, achievement: AchievementToEdit
) -> Response:
    return _form_page(
        request, member.user, member.organization, values=form_values(achievement.definition),
        skills=list(achievement.definition.get("skills", [])), errors={},
        action=f"{_base(member.organization)}/{achievement.id}/edit",
        heading=f"Edit {achievement.name}",
    )  # fmt: skip


@router.post(
    "/dashboard/{organization_id}/achievements/{achievement_id}/edit", response_class=HTMLResponse
)
async def edit(
    request: Request, db: WebDb, member: MayEditAchievements, achievement: AchievementToEdit
) -> Response:
    return await _save(request, db, member, achievement)


@router.post("/dashboard/{organization_id}/achievements/{achievement_id}/publish")
def publish(
    request: Request, db: WebDb, member: MayEditAchievements, achievement: AchievementToEdit
) -> Response:
    """Publish a draft; an EU micro-credential lacking elements is refused, each one named."""
    target = f"{_base(member.organization)}/{achievement.id}"
    try:
        achievements.publish(db, member.ctx, achievement.id, principal=member.principal)
    except ValidationError as exc:
        flash(request, "Not published: " + "; ".join(exc.problems), "error")
        return redirect(target)
    except ConflictError as exc:
        flash(request, exc.message, "error")
        return redirect(target)
    flash(request, f"{achievement.name} is published: you can award it now.", "success")
    return redirect(target)


@router.get(
    "/dashboard/{organization_id}/achievements/{achievement_id}/skills",
    response_class=HTMLResponse,
)
def skill_picker(
    request: Request,
    db: WebDb,
    member: MayEditAchievements,
    achievement: AchievementToEdit,
    q: str = "",
    framework: str = "",
) -> Response:
    """Search the imported ESCO / O*NET skills (GET, no script needed) and tick some to add."""
    chosen = {(s["framework"], s["id"]) for s in achievement.definition.get("skills", [])}
    results = [
        skill
        for skill in search_skills(db, q, framework=framework or None)
        if (skill.framework.value, skill.code) not in chosen
    ]
    template = (
        "achievements/_skill_results.html"
        if request.headers.get("x-fragment")
        else "achievements/skills.html"
    )
    return render(
        request,
        template,
        user=member.user,
        organization=member.organization,
        achievement=achievement,
        q=q,
        framework=framework,
        results=results,
    )


@router.post("/dashboard/{organization_id}/achievements/{achievement_id}/skills")
async def add_skills(
    request: Request, db: WebDb, member: MayEditAchievements, achievement: AchievementToEdit
) -> Response:
    """Add the ticked skills to the micro-credential (a new draft version once published)."""
    form = await request.form()
    added = [_skill_of(value) for value in _skills_of(form) if value.count("|") >= 2]
    definition = dict(achievement.definition)
    known = {(s["framework"], s["id"]) for s in definition.get("skills", [])}
    definition["skills"] = [
        *definition.get("skills", []),
        *(s for s in added if (s["framework"], s["id"]) not in known),
    ]
    base = _base(member.organization)
    try:
        saved = achievements.update(
            db,
            member.ctx,
            achievement.id,
            definition_from_mapping(definition),
            principal=member.principal,
        )
    except (ValidationError, ConflictError) as exc:
        flash(request, f"Skills not added: {exc.message}", "error")
        return redirect(f"{base}/{achievement.id}")
    flash(request, f"Added {len(added)} skill(s) to {saved.name}.", "success")
    return redirect(f"{base}/{saved.id}")


def _skill_of(value: str) -> dict[str, str]:
    framework, ident, label = value.split("|", 2)
    return {"framework": framework, "id": ident, "label": label}
