"""``/api/v1`` awards: issue one, list with filters, get, revoke, bulk CSV upload as a job.

Issuing and revoking need the awarder role (or a token with the ``award`` scope). A bulk
upload answers ``202`` with a job at once; ``GET /api/v1/jobs/{id}`` reads its progress,
counts and row errors (``services.issuing.bulk_jobs``).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    BackgroundTasks,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from pydantic import BaseModel
from sqlalchemy import select

from credstack.api.auth import ActingContext, ApiPrincipal, require_on
from credstack.api.dependencies import DbSession, ReadsOnly
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page
from credstack.api.routes.v1_achievements import owned_achievement
from credstack.core.errors import NotFoundError
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.context import ServiceContext
from credstack.services.issuing import awards
from credstack.services.issuing.bulk_jobs import BulkJobs, upload_folder
from credstack.services.revocation import revoke as revocation
from credstack.store.models import Achievement, Award, AwardState

router = APIRouter(prefix="/api/v1", tags=["awards"])

#: largest CSV upload accepted
MAX_CSV_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024


class AwardIn(BaseModel):
    achievement_id: str
    email: str
    name: str
    external_id: str = ""
    evidence: str | None = None
    narrative: str | None = None
    result: str | None = None
    expires: datetime | None = None


class RevokeIn(BaseModel):
    reason: str


def award_json(ctx: ServiceContext, award: Award) -> dict[str, Any]:
    return {
        "id": award.id,
        "url": awards.award_url(ctx, award),
        "state": str(award.state),
        "achievement_id": award.achievement_id,
        "organization_id": award.organization_id,
        "recipient": {"email": award.recipient_email, "name": award.recipient_name},
        "external_id": award.external_id,
        "issued": award.issued_at.isoformat(),
        "valid_until": award.valid_until.isoformat() if award.valid_until else None,
        "claimed": award.claimed_at.isoformat() if award.claimed_at else None,
        "public": award.public,
        "revoked": award.revoked_at.isoformat() if award.revoked_at else None,
        "revocation_reason": award.revocation_reason,
    }


def owned_award(
    session: DbSession, principal: ApiPrincipal, award_id: str, action: Action
) -> Award:
    """The award if the principal may ``action`` it; 404 for others' or unknown ids."""
    missing = f"no award with id {award_id!r}"
    award = session.get(Award, award_id)
    if award is None:
        raise NotFoundError(missing)
    require_on(session, principal, award.organization_id, action, missing)
    return award


def bulk_jobs(request: Request) -> BulkJobs:
    """The app's job registry (``credstack.app`` makes it)."""
    jobs: BulkJobs = request.app.state.bulk_jobs
    return jobs


@router.post("/awards", status_code=201, summary="Award a published achievement to one person")
def create_award(
    body: AwardIn, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    owned_achievement(session, principal, body.achievement_id, Action.AWARD)
    outcome = awards.issue_award(session, ctx, **body.model_dump())
    award = outcome.award
    return {"id": award.id, "url": awards.award_url(ctx, award), "state": str(award.state)} | {
        "created": outcome.created
    }


@router.get("/organizations/{organization_id}/awards", summary="Awards, oldest first, filtered")
def list_awards(
    organization_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
    achievement_id: Annotated[str | None, Query(description="this version's lineage")] = None,
    state: Annotated[AwardState | None, Query()] = None,
    email: Annotated[str | None, Query(description="the recipient's e-mail address")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    authz.require(session, principal, organization_id, Action.VIEW)
    query = select(Award).where(Award.organization_id == organization_id)
    if achievement_id is not None:
        chosen = session.get(Achievement, achievement_id)
        if chosen is None or chosen.organization_id != organization_id:
            raise NotFoundError(f"no achievement with id {achievement_id!r}")
        query = query.where(Award.achievement_lineage_id == chosen.lineage_id)
    if state is not None:
        query = query.where(Award.state == state)
    if email is not None:
        query = query.where(Award.recipient_email == email.strip().lower())
    query = query.order_by(Award.issued_at, Award.id)
    return page(
        request, session, query, limit=limit, cursor=cursor,
        render=lambda row: award_json(ctx, row[0]),
    )  # fmt: skip


@router.get("/awards/{award_id}", summary="One award")
def get_award(
    award_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    return award_json(ctx, owned_award(session, principal, award_id, Action.VIEW))


@router.post("/awards/{award_id}/revoke", summary="Revoke an award (its status list says so)")
def revoke_award(
    award_id: str, body: RevokeIn, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    owned_award(session, principal, award_id, Action.REVOKE)
    return award_json(ctx, revocation.revoke(session, ctx, award_id, body.reason))


@router.post(
    "/awards/bulk",
    status_code=202,
    summary="Upload a CSV of awards; answers a job",
    dependencies=[ReadsOnly],  # the job writes; the request checks, copies the file, answers
)
async def bulk_upload(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
    achievement_id: Annotated[str, Form()],
    file: Annotated[UploadFile, File(description="UTF-8 CSV, at most 50 MB")],
    skip_invalid: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    achievement = owned_achievement(session, principal, achievement_id, Action.AWARD)
    path = await _saved_upload(file, ctx.home)
    jobs = bulk_jobs(request)
    job = jobs.create(organization_id=achievement.organization_id, achievement_id=achievement.id)
    background.add_task(jobs.launch, job, ctx, path, skip_invalid)
    return job.to_json() | {"url": ctx.url(f"/api/v1/jobs/{job.id}")}


@router.get("/jobs/{job_id}", summary="A bulk upload's progress, counts and row errors")
def get_job(
    job_id: str, request: Request, session: DbSession, principal: ApiPrincipal
) -> dict[str, Any]:
    missing = f"no job with id {job_id!r} (jobs are kept in memory until the server restarts)"
    job = bulk_jobs(request).get(job_id)
    if job is None:
        raise NotFoundError(missing)
    require_on(session, principal, job.organization_id, Action.VIEW, missing)
    return job.to_json()


async def _saved_upload(file: UploadFile, home: Path) -> Path:
    """The upload in a temporary file under the home; 413 beyond :data:`MAX_CSV_BYTES`."""
    folder = upload_folder(home)
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=".csv", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    size = 0
    with handle:
        while chunk := await file.read(_CHUNK):
            size += len(chunk)
            if size > MAX_CSV_BYTES:
                handle.close()
                path.unlink(missing_ok=True)
                raise HTTPException(413, "the CSV file is larger than 50 MB: split it into parts")
            handle.write(chunk)
    return path
