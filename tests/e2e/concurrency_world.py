"""A real ``credstack serve`` with an issuer, two achievements and an API token, for load tests.

The server is a subprocess (:func:`browser_harness.start_server`) on SQLite or on a
PostgreSQL schema of its own; the issuer, its achievements and the token are made
through the services on the same database while it runs, as another process would.
Clients are threads with their own ``httpx.Client``, all released at once by a barrier,
so the requests really arrive together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from browser_harness import RunningServer, start_server
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from credstack.services.accounts import authz, tokens
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.settings import load_settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.store.models import Award, BulkJobRecord, User

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
#: no request of these tests may take longer (a loaded 2-core CI machine included)
REQUEST_TIMEOUT_SECONDS = 120.0
#: a bulk job must finish within this many seconds
JOB_DEADLINE_SECONDS = 300.0

T = TypeVar("T")


@dataclass
class LoadWorld:
    """A running server and what a client needs to issue through its API."""

    server: RunningServer
    engine: Engine
    organization_id: str
    achievement_id: str
    draft_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base_url, headers=self.headers, timeout=REQUEST_TIMEOUT_SECONDS
        )

    def restart(self) -> RunningServer:
        """Start the server again on the same home, database and address (after a kill)."""
        self.server.stop()
        port = int(self.server.base_url.rsplit(":", 1)[1])
        database_url = self.server.env.get("CREDSTACK_DATABASE_URL")
        self.server = start_server(self.server.home, database_url=database_url, port=port)
        return self.server

    def award_count(self) -> int:
        with session_factory(self.engine)() as session:
            return session.scalar(select(func.count()).select_from(Award)) or 0

    def job_rows(self) -> list[BulkJobRecord]:
        with session_factory(self.engine)() as session:
            return list(session.scalars(select(BulkJobRecord).order_by(BulkJobRecord.created_at)))

    def wait_for_job(self, client: httpx.Client, job_id: str) -> dict[str, Any]:
        """Poll the job until it ends (bounded by :data:`JOB_DEADLINE_SECONDS`)."""
        deadline = time.monotonic() + JOB_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
            if job["state"] not in ("queued", "running"):
                return job
            time.sleep(0.5)
        raise AssertionError(f"job {job_id} did not end within {JOB_DEADLINE_SECONDS:.0f} s")


def _setup(session: Session, ctx: ServiceContext) -> tuple[str, str, str, str]:
    owner = User(email="owner@load.example", name="Owner", password_hash=None)
    session.add(owner)
    session.flush()
    organization = authz.create_organization(
        session, ctx, Principal(owner.id), name="Load University", type="university",
        url="https://load.example", country="NL", region="Noord-Holland", slug="load",
    )  # fmt: skip
    definition = EXAMPLE.read_text(encoding="utf-8")
    published = achievements.create_achievement(
        session, ctx, issuer_slug="load", definition=definition
    )
    achievements.publish(session, ctx, published.id)
    draft = achievements.create_achievement(session, ctx, issuer_slug="load", definition=definition)
    token = tokens.create_token(
        session, ctx, Principal(owner.id), organization.id, name="load", scopes=["award", "read"]
    )
    return organization.id, published.id, draft.id, token.secret


@contextmanager
def load_world(home: Path, database_url: str | None = None) -> Iterator[LoadWorld]:
    """Start the server, then make the issuer through the services on its database."""
    server = start_server(home, database_url=database_url)
    world: LoadWorld | None = None
    try:
        settings = load_settings(**server_settings(server))
        engine = create_database_engine(settings.effective_database_url)
        try:
            ctx = ServiceContext.from_settings(settings, actor="test")
            with session_factory(engine)() as session:
                organization_id, achievement_id, draft_id, token = _setup(session, ctx)
                session.commit()
            world = LoadWorld(server, engine, organization_id, achievement_id, draft_id, token)
            yield world
        finally:
            engine.dispose()
    finally:
        (world.server if world is not None else server).stop()


def server_settings(server: RunningServer) -> dict[str, object]:
    """The settings overrides that name the server's home, base URL and database."""
    overrides: dict[str, object] = {
        "home": server.home,
        "base_url": server.base_url,
        "database_url": server.env.get("CREDSTACK_DATABASE_URL"),
    }
    return overrides


def all_at_once(count: int, call: Callable[[int], T]) -> list[T]:
    """``call(0..count-1)`` in ``count`` threads released together; results in order."""
    barrier = threading.Barrier(count, timeout=60)

    def run(number: int) -> T:
        barrier.wait()
        return call(number)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def csv_text(rows: Sequence[tuple[str, str, str]]) -> bytes:
    """A bulk CSV (e-mail, name, external id) as UTF-8 bytes."""
    lines = ["email,name,external_id", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON body, or the text of a body that is not JSON (a bare 500 is a finding)."""
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text}
    return body if isinstance(body, dict) else {"json": body}
