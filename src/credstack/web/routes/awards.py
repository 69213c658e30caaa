"""Award pages: award one person, upload a CSV and watch the job, list and revoke awards.

Issuing, bulk validation and revocation are the services' (``awards``, ``bulk_jobs``,
``revocation``); the job registry is the one the API's ``/api/v1/jobs/{id}`` reads
(``app.state.bulk_jobs``), so a page and a script see the same progress. The job page
refreshes itself with ``<meta http-equiv=refresh>`` while the job runs: no script needed.
Who may see and do what is the dependencies' (``web.access``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from credstack.core.errors import ConflictError, InputError, NotFoundError, ValidationError
from credstack.services.accounts.authz import Action
from credstack.services.achievements import lifecycle
from credstack.services.issuing import awards, listing
from credstack.services.issuing.bulk_jobs import BulkJobs, upload_folder
from credstack.services.revocation import revoke as revocation
from credstack.store.models import Achievement, AchievementState
from credstack.web.access import (
    AchievementToAward,
    AchievementToView,
    AwardToRevoke,
    MayAward,
    MayRevoke,
    MayView,
    OrgMember,
)
from credstack.web.negotiation import page_router
from credstack.web.rendering import field_errors, flash, redirect, render
from credstack.web.sessions import ReadsOnly, WebDb

router = page_router()

FormText = Annotated[str, Form()]
PAGE_SIZE = 50
MAX_CSV_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024
#: seconds between refreshes of a running job's page
JOB_REFRESH_SECONDS = 2
JOB_NOT_FOUND = (
    "There is no such upload here. Uploads are remembered until the server restarts; "
    "the awards they issued stay listed on the micro-credential's page."
)


def bulk_jobs(request: Request) -> BulkJobs:
    """The app's job registry, shared with the API (``credstack.app`` makes it)."""
    jobs: BulkJobs = request.app.state.bulk_jobs
    return jobs


def _awards_url(member: OrgMember, achievement: Achievement) -> str:
    return f"/dashboard/{member.organization.id}/achievements/{achievement.id}/awards"


def _page(
    request: Request,
    db: WebDb,
    member: OrgMember,
    achievement: Achievement,
    *,
    page: int = 1,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    listed = listing.award_page(
        db,
        principal=member.principal,
        achievement_id=achievement.id,
        page=page,
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "awards/list.html",
        status_code=status,
        user=member.user,
        organization=member.organization,
        achievement=achievement,
        awards=listed.awards,
        total=listed.total,
        page=listed.page,
        pages=listed.pages,
        values=values or {},
        errors=errors or {},
        published=achievement.state is AchievementState.PUBLISHED,
        can_award=member.allows(Action.AWARD),
    )


@router.get(
    "/dashboard/{organization_id}/achievements/{achievement_id}/awards",
    response_class=HTMLResponse,
)
def list_awards(
    request: Request,
    db: WebDb,
    member: MayView,
    achievement: AchievementToView,
    page: int = 1,
) -> Response:
    """Awards of every version of this micro-credential, newest first, with the forms."""
    return _page(request, db, member, achievement, page=page)


@router.post(
    "/dashboard/{organization_id}/achievements/{achievement_id}/awards",
    response_class=HTMLResponse,
)
def award_one(
    request: Request,
    db: WebDb,
    member: MayAward,
    achievement: AchievementToAward,
    email: FormText = "",
    name: FormText = "",
    external_id: FormText = "",
    narrative: FormText = "",
    result: FormText = "",
    evidence: FormText = "",
) -> Response:
    """Issue to one person; the learner gets the claim e-mail.

    The service checks the fields by the rules every door shares; its problems are shown
    next to the fields they name.
    """
    values = {
        "email": email,
        "name": name,
        "external_id": external_id,
        "narrative": narrative,
        "result": result,
        "evidence": evidence,
    }
    try:
        outcome = awards.issue_award(
            db,
            member.ctx,
            achievement_id=achievement.id,
            email=email,
            name=name,
            external_id=external_id,
            narrative=narrative or None,
            result=result or None,
            evidence=evidence or None,
            principal=member.principal,
        )
    except (ValidationError, InputError, ConflictError) as exc:
        problems = exc.problems if isinstance(exc, ValidationError) else []
        errors = field_errors(problems) if problems else {"": [exc.message]}
        return _page(request, db, member, achievement, values=values, errors=errors, status=422)
    if outcome.created:
        flash(request, f"Awarded to {outcome.award.recipient_name} ({email}).", "success")
    else:
        flash(request, f"{email} already has this award: nothing new was signed.", "info")
    return redirect(_awards_url(member, achievement))


@router.post(
    "/dashboard/{organization_id}/achievements/{achievement_id}/awards/bulk",
    response_class=HTMLResponse,
    dependencies=[ReadsOnly],  # the job writes; the request checks, copies the file, answers
)
async def upload_csv(
    request: Request,
    db: WebDb,
    member: MayAward,
    achievement: AchievementToAward,
    background: BackgroundTasks,
    file: Annotated[UploadFile | None, File()] = None,
    skip_invalid: FormText = "",
) -> Response:
    """Save the CSV and start a job; the browser goes to the job's page."""
    if file is None or not file.filename:
        errors = {"file": ["choose a CSV file to upload"]}
        return _page(request, db, member, achievement, errors=errors, status=422)
    path = await _saved_upload(file, member.ctx.home)
    if path is None:
        errors = {"file": [f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB"]}
        return _page(request, db, member, achievement, errors=errors, status=413)
    jobs = bulk_jobs(request)
    job = jobs.create(
        organization_id=member.organization.id,
        achievement_id=achievement.id,
        principal=member.principal,
    )
    background.add_task(jobs.launch, job, member.ctx, path, bool(skip_invalid))
    return redirect(f"/dashboard/{member.organization.id}/jobs/{job.id}")


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
def job_page(request: Request, job_id: str, db: WebDb, member: MayView) -> Response:
    """A bulk upload's progress, counts and row errors; refreshes until it has finished."""
    job = bulk_jobs(request).get(job_id)
    if job is None or job.organization_id != member.organization.id:
        raise NotFoundError(JOB_NOT_FOUND)
    achievement = lifecycle.of_organization(db, member.organization.id, job.achievement_id)
    running = job.state in ("queued", "running")
    return render(
        request,
        "awards/job.html",
        user=member.user,
        organization=member.organization,
        achievement=achievement,
        job=job,
        running=running,
        refresh=JOB_REFRESH_SECONDS if running else None,
    )


@router.post("/dashboard/{organization_id}/awards/{award_id}/revoke")
def revoke(
    request: Request, db: WebDb, member: MayRevoke, award: AwardToRevoke, reason: FormText = ""
) -> Response:
    """Revoke one award with a reason (the status list and the public page say so)."""
    target = f"/dashboard/{member.organization.id}/achievements/{award.achievement_id}/awards"
    try:
        revocation.revoke(db, member.ctx, award.id, reason, principal=member.principal)
    except (ValidationError, InputError, ConflictError) as exc:
        flash(request, f"Not revoked: {exc.message}", "error")
        return redirect(target)
    flash(request, f"Revoked the award of {award.recipient_name}.", "success")
    return redirect(target)
