"""``GET /healthz``: is this process able to serve, i.e. is its database usable?

Load balancers and ``scripts/start`` poll it. 200 only when the database is reachable,
at the schema revision this code expects and able to take a write (a rolled-back probe:
a read-only file, a full disk or a read-only PostgreSQL answer ``unwritable``); otherwise
503 with an RFC 9457 problem that says what to do.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from credstack.api.openapi import problem_response
from credstack.services.operations.database import check_database

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    summary="Database reachability and schema revision",
    responses={503: problem_response("The database cannot be reached or is not migrated")},
)
def healthz(request: Request) -> JSONResponse:
    engine: Engine = request.app.state.engine
    health = check_database(engine, probe_write=True)
    if health.ok:
        return JSONResponse({"status": "ok", "database": "ok", "revision": health.revision})
    problem = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": f"database {health.state}: {health.detail}",
        "database": health.state,
        "revision": health.revision,
        "expected_revision": health.expected_revision,
    }
    return JSONResponse(problem, status_code=503, media_type="application/problem+json")
