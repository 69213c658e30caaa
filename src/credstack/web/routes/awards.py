"""Award pages: award one person, upload a CSV and watch the job, list and revoke awards.

Issuing, bulk validation and revocation are the services' (``awards``, ``bulk_jobs``,
``revocation``); the job registry is the one the API's ``/api/v1/jobs/{id}`` reads
(``app.state.bulk_jobs``), so a page and a script see the same progress. The job page
refreshes itself with ``<meta http-equiv=refresh>`` while the job runs: no script needed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from credstack.core.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from credstack.services.accounts import authz
from credstack.services.issuing import awards
from credstack.services.issuing.bulk_jobs import BulkJobs, upload_folder
from credstack.services.revocation import revoke as revocation
from credstack.store.models import (
    Achievement,
    AchievementState,
    Award,
    Organization,
    Role,
    User,
)
from credstack.web.rendering import error_page, field_errors, flash, redirect, render, sign_in_first
from credstack.web.routes.auth import page_context
from credstack.web.routes.dashboard import not_found, principal_of, role_allows
from credstack.web.sessions import OptionalUser, ReadsOnly, WebDb

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form()]
PAGE_SIZE = 50
MAX_CSV_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024
#: seconds between refreshes of a running job's page
JOB_REFRESH_SECONDS = 2


def bulk_jobs(request: Request) -> BulkJobs:
    """The app's job registry, shared with the API (``credstack.app`` makes it)."""
    jobs: BulkJobs = request.app.state.bulk_jobs
    return jobs


def _achievement(
    db: WebDb, user: User, organization_id: str, achievement_id: str, action: authz.Action
) -> tuple[Organization, Achievement, Role]:
    role = authz.require(db, principal_of(user), organization_id, action)
    organization = db.get(Organization, organization_id)
    achievement = db.get(Achievement, achievement_id)
    if (
        organization is None
        or achievement is None
        or achievement.organization_id != organization_id
    ):
        raise NotFoundError(f"no micro-credential {achievement_id}")
    return organization, achievement, role


def _awards_url(organization: Organization, achievement: Achievement) -> str:
    return f"/dashboard/{organization.id}/achievements/{achievement.id}/awards"


def _page(
    request: Request,
    db: WebDb,
    user: User,
    organization: Organization,
    achievement: Achievement,
    role: Role,
    *,
    page: int = 1,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    lineage = Award.achievement_lineage_id == achievement.lineage_id
    total = db.scalar(select(func.count()).select_from(Award).where(lineage)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.scalars(
        select(Award)
        .where(lineage)
        .order_by(Award.issued_at.desc(), Award.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return render(
        request,
        "awards/list.html",
        status_code=status,
        user=user,
        organization=organization,
        achievement=achievement,
        awards=rows,
        total=total,
        page=page,
        pages=pages,
        values=values or {},
        errors=errors or {},
        published=achievement.state is AchievementState.PUBLISHED,
        can_award=role_allows(role, authz.Action.AWARD),
    )


@router.get(
    "/dashboard/{organization_id}/achievements/{achievement_id}/awards",
    response_class=HTMLResponse,
)
def list_awards(
    request: Request,
    organization_id: str,
    achievement_id: str,
    db: WebDb,
    user: OptionalUser,
    page: int = 1,
) -> Response:
    """Awards of every version of this micro-credential, newest first, with the forms."""
    if user is None:
        return sign_in_first(request)
    try:
        organization, achievement, role = _achievement(
            db, user, organization_id, achievement_id, authz.Action.VIEW
        )
    except NotFoundError:
        return not_found(request, user)
    return _page(request, db, user, organization, achievement, role, page=page)


@router.post(
    "/dashboard/{organization_id}/achievements/{achievement_id}/awards",
    response_class=HTMLResponse,
)
def award_one(
    request: Request,
    organization_id: str,
    achievement_id: str,
    db: WebDb,
    user: OptionalUser,
    email: FormText = "",
    name: FormText = "",
    external_id: FormText = "",
    narrative: FormText = "",
    result: FormText = "",
    evidence: FormText = "",
) -> Response:
    """Issue to one person; the learner gets the claim e-mail."""
    if user is None:
        return sign_in_first(request)
    try:
        organization, achievement, role = _achievement(
            db, user, organization_id, achievement_id, authz.Action.AWARD
        )
    except NotFoundError:
        return not_found(request, user)
    except PermissionDeniedError as exc:
        return error_page(request, 403, "Not allowed", exc.message, user)
    values = {
        "email": email,
        "name": name,
        "external_id": external_id,
        "narrative": narrative,
        "result": result,
        "evidence": evidence,
    }
    errors = _award_form_errors(email, name)
    if errors:
        return _page(
            request,
            db,
            user,
            organization,
            achievement,
            role,
            values=values,
            errors=errors,
            status=422,
        )
    try:
        outcome = awards.issue_award(
            db,
            page_context(request, f"user:{user.id}"),
            achievement_id=achievement.id,
            email=email,
            name=name,
            external_id=external_id,
            narrative=narrative or None,
            result=result or None,
            evidence=evidence or None,
        )
    except (ValidationError, InputError, ConflictError) as exc:
        problems = exc.problems if isinstance(exc, ValidationError) else []
        errors = field_errors(problems) if problems else {"": [exc.message]}
        return _page(
            request,
            db,
            user,
            organization,
            achievement,
            role,
            values=values,
            errors=errors,
            status=422,
        )
    if outcome.created:
        flash(request, f"Awarded to {outcome.award.recipient_name} ({email}).", "success")
    else:
        flash(request, f"{email} already has this award: nothing new was signed.", "info")
    return redirect(_awards_url(organization, achievement))


@router.post(
    "/dashboard/{organization_id}/achievements/{achievement_id}/awards/bulk",
    response_class=HTMLResponse,
    dependencies=[ReadsOnly],  # the job writes; the request checks, copies the file, answers
)
async def upload_csv(
    request: Request,
    organization_id: str,
    achievement_id: str,
    db: WebDb,
    user: OptionalUser,
    background: BackgroundTasks,
    file: Annotated[UploadFile | None, File()] = None,
    skip_invalid: FormText = "",
) -> Response:
    """Save the CSV and start a job; the browser goes to the job's page."""
    if user is None:
        return sign_in_first(request)
    try:
        organization, achievement, role = _achievement(
            db, user, organization_id, achievement_id, authz.Action.AWARD
        )
    except NotFoundError:
        return not_found(request, user)
    except PermissionDeniedError as exc:
        return error_page(request, 403, "Not allowed", exc.message, user)
    if file is None or not file.filename:
        errors = {"file": ["choose a CSV file to upload"]}
        return _page(request, db, user, organization, achievement, role, errors=errors, status=422)
    ctx = page_context(request, f"user:{user.id}")
    path = await _saved_upload(file, ctx.home)
    if path is None:
        errors = {"file": [f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB"]}
        return _page(request, db, user, organization, achievement, role, errors=errors, status=413)
    jobs = bulk_jobs(request)
    job = jobs.create(organization_id=organization.id, achievement_id=achievement.id)
    background.add_task(jobs.launch, job, ctx, path, bool(skip_invalid))
    return redirect(f"/dashboard/{organization.id}/jobs/{job.id}")


def _award_form_errors(email: str, name: str) -> dict[str, list[str]]:
    """The problems a person can fix in the award form, by field (the service re-checks)."""
    errors: dict[str, list[str]] = {}
    address = email.strip()
    if not address or "@" not in address or " " in address:
        errors["email"] = [f"{address!r} is not an e-mail address" if address else "required"]
    if not " ".join(name.split()):
        errors["name"] = ["required: the learner's name as it should appear on the credential"]
    return errors


async def _saved_upload(file: UploadFile, home: Path) -> Path | None:
    """The upload in a temporary file under the home, or None beyond the size limit."""
    folder = upload_folder(home)
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=".csv", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    size = 0
    with handle:
        while chunk := await file.read(_CHUNK):
            size += len(chunk)
            if size > MAX_CSV_BYTES:
                break
            handle.write(chunk)
    if size > MAX_CSV_BYTES:
        path.unlink(missing_ok=True)
        return None
    return path


@router.get("/dashboard/{organization_id}/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, organization_id: str, job_id: str, db: WebDb, user: OptionalUser
) -> Response:
    """A bulk upload's progress, counts and row errors; refreshes until it has finished."""
    if user is None:
        return sign_in_first(request)
    job = bulk_jobs(request).get(job_id)
    try:
        organization = authz.organization_for(
            db, principal_of(user), organization_id, authz.Action.VIEW
        )
        if job is None or job.organization_id != organization.id:
            raise NotFoundError(f"no job {job_id}")
    except NotFoundError:
        return error_page(
            request,
            404,
            "Upload not found",
            "There is no such upload here. Uploads are remembered until the server restarts; "
            "the awards they issued stay listed on the micro-credential's page.",
            user,
        )
    achievement = db.get(Achievement, job.achievement_id)
    running = job.state in ("queued", "running")
    return render(
        request,
        "awards/job.html",
        user=user,
        organization=organization,
        achievement=achievement,
        job=job,
        running=running,
        refresh=JOB_REFRESH_SECONDS if running else None,
    )


@router.post("/dashboard/{organization_id}/awards/{award_id}/revoke")
def revoke(
    request: Request,
    organization_id: str,
    award_id: str,
    db: WebDb,
    user: OptionalUser,
    reason: FormText = "",
) -> Response:
    """Revoke one award with a reason (the status list and the public page say so)."""
    if user is None:
        return sign_in_first(request)
    award = db.get(Award, award_id)
    try:
        organization = authz.organization_for(
            db, principal_of(user), organization_id, authz.Action.REVOKE
        )
        if award is None or award.organization_id != organization.id:
            raise NotFoundError(f"no award {award_id}")
    except NotFoundError:
        return not_found(request, user)
    except PermissionDeniedError as exc:
        return error_page(request, 403, "Not allowed", exc.message, user)
    target = f"/dashboard/{organization.id}/achievements/{award.achievement_id}/awards"
    try:
        revocation.revoke(db, page_context(request, f"user:{user.id}"), award.id, reason)
    except (ValidationError, InputError, ConflictError) as exc:
        flash(request, f"Not revoked: {exc.message}", "error")
        return redirect(target)
    flash(request, f"Revoked the award of {award.recipient_name}.", "success")
    return redirect(target)
