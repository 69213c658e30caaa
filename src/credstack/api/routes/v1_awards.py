"""``/api/v1`` awards: issue one, list with filters, get, revoke, bulk CSV upload as a job.

Issuing and revoking need the awarder role (or a token with the ``award`` scope); the
services check it (``services.issuing``, ``services.revocation``). A bulk upload answers
``202`` with a job at once; ``GET /api/v1/jobs/{id}`` reads its progress, counts and row
errors (``services.issuing.bulk_jobs``, run by ``credstack.workers.bulk_jobs``).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
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

from credstack.api.auth import ActingContext, ApiPrincipal
from credstack.api.dependencies import DbSession, ReadsOnly
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page_json, window
from credstack.core.award_request import AwardInput
from credstack.services.accounts.authz import Action
from credstack.services.achievements.lifecycle import achievement_for
from credstack.services.context import ServiceContext
from credstack.services.issuing import awards, listing
from credstack.services.issuing.bulk_jobs import BulkJobs, upload_folder
from credstack.services.issuing.listing import AwardFilters, AwardSummary
from credstack.services.revocation import revoke as revocation
from credstack.store.models import Award, AwardState

router = APIRouter(prefix="/api/v1", tags=["awards"])

#: largest CSV upload accepted
MAX_CSV_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class AwardIn(AwardInput):
    """The award fields every door takes (checked by the issuing service), and for what."""

    achievement_id: str


class RevokeIn(BaseModel):
    reason: str


def award_json(ctx: ServiceContext, award: Award | AwardSummary) -> dict[str, Any]:
    return {
        "id": award.id,
        "url": listing.credential_url(ctx, award.id),
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


def bulk_jobs(request: Request) -> BulkJobs:
    """The app's job registry, with its worker (``credstack.app`` makes it)."""
    jobs: BulkJobs = request.app.state.bulk_jobs
    return jobs


@router.post("/awards", status_code=201, summary="Award a published achievement to one person")
def create_award(
    body: AwardIn, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    outcome = awards.issue_award(session, ctx, **asdict(body), principal=principal)
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
    filters = AwardFilters(
        organization_id=organization_id, achievement_id=achievement_id, state=state, email=email
    )
    chosen = window(limit, cursor)
    found = listing.list_awards(session, filters, principal=principal).page(chosen)
    return page_json(request, found, chosen, lambda summary: award_json(ctx, summary))


@router.get("/awards/{award_id}", summary="One award")
def get_award(
    award_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    return award_json(ctx, listing.award_for(session, principal, award_id, Action.VIEW))


@router.post("/awards/{award_id}/revoke", summary="Revoke an award (its status list says so)")
def revoke_award(
    award_id: str, body: RevokeIn, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    revoked = revocation.revoke(session, ctx, award_id, body.reason, principal=principal)
    return award_json(ctx, revoked)


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
    achievement = achievement_for(session, principal, achievement_id, Action.AWARD)
    path = await _saved_upload(file, ctx.home)
    jobs = bulk_jobs(request)
    job = jobs.create(
        organization_id=achievement.organization_id,
        achievement_id=achievement.id,
        principal=principal,
    )
    background.add_task(jobs.launch, job, ctx, path, skip_invalid)
    return job.to_json() | {"url": ctx.url(f"/api/v1/jobs/{job.id}")}


@router.get("/jobs/{job_id}", summary="A bulk upload's progress, counts and row errors")
def get_job(
    job_id: str, request: Request, session: DbSession, principal: ApiPrincipal
) -> dict[str, Any]:
    return bulk_jobs(request).job_for(session, principal, job_id).to_json()


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
