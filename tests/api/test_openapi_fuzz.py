"""Schemathesis against ``/api/openapi.json``: no input makes the app answer 5xx.

Every operation of the OpenAPI document is called in-process (ASGI) with inputs that
Schemathesis derives from the document (examples, boundary values, random and
schema-violating data) on a real migrated database seeded once per backend with two
organisations (``v1_world``); each operation runs in a SAVEPOINT that is rolled back.
Text in path parameters, queries and body fields is sometimes replaced by the id of a
real row, so the fuzzer reaches past the 404s into issuing, revoking and editing, or by a
hostile string (NUL, which PostgreSQL cannot store, and others). Each response is
checked: no server error, status code, media type, headers and body as documented,
schema-violating requests refused, a missing token refused, no answer slower than 15 s.

Bounded for CI: ``CREDSTACK_FUZZ_EXAMPLES`` examples per operation (default 12),
derandomized, so a run is reproducible. For a local soak:
``CREDSTACK_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/api/test_openapi_fuzz.py``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis import Case, HookContext
from schemathesis.checks import CheckFunction
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import allow_header_conformance, negative_data_rejection
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker
from v1_world import World, build_world, cursor_of, full_token, session_client

from conftest import TestDatabase
from credstack.app import create_app
from credstack.settings import Settings
from credstack.store.models import StatusList

if TYPE_CHECKING:
    from conftest import TestDatabase

EXAMPLES = int(os.environ.get("CREDSTACK_FUZZ_EXAMPLES", "12"))


def _document_app() -> FastAPI:
    """An app that only serves its OpenAPI document (its database is never opened)."""
    home = Path(tempfile.gettempdir()) / "credstack-openapi-document"
    return create_app(
        Settings(
            home=home,
            database_url="sqlite://",
            base_url="http://127.0.0.1:8000",
            secret_key=SecretStr("openapi-document-only"),
            smtp_url=None,
        )
    )


#: what the checks expect where the document cannot say everything
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {
            # schema-valid input the domain still refuses: a cursor this API did not make
            # (400), a definition, e-mail address or profile that does not validate (422)
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
            },
            # a request this slow stalls the server for everyone (seconds; generous for CI)
            "max_response_time": 15,
        },
    }
)
#: checks that do not apply to an operation, and why
NOT_APPLICABLE: dict[str, list[CheckFunction]] = {
    # any bytes are a credential to judge: the answer is a report (200) saying why it did
    # not verify, never a refusal
    "POST /api/v1/verify": [negative_data_rejection],
    # GET /api/v1/awards/{award_id} routes this path too (as the award "bulk", a 404), so
    # a 405 truthfully says "Allow: GET, POST" where the document lists POST alone
    "POST /api/v1/awards/bulk": [allow_header_conformance],
}
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _document_app(), config=CONFIG)


#: strings that broke apps before (and this one): NUL, which PostgreSQL cannot store,
#: a right-to-left override, a long run, a path and an SQL fragment
HOSTILE = ("\x00", "a\x00b", "\u202e", "x" * 3000, "../../etc/passwd", "' OR '1'='1")


@dataclass
class KnownIds:
    """Values worth trying by parameter name: ids of real rows (filled by the fixture)."""

    by_name: dict[str, list[str]] = field(default_factory=dict)

    def fill(self, world: World, status_lists: list[str], token_id: str) -> None:
        home, other = world.home, world.other
        self.by_name = {
            "organization_id": [home.id, other.id],
            "achievement_id": [home.achievement, home.draft, other.achievement],
            "award_id": [home.award, other.award],
            "token_id": [home.token, token_id, other.token],
            "slug": ["home", "other"],
            "list_id": status_lists,
            # cursors this API never made: past any list, negative, not a number
            "cursor": [cursor_of("9" * 30), cursor_of("-1"), cursor_of("1e3")],
        }

    def mixed_in(self, values: Mapping[str, Any] | None) -> st.SearchStrategy[Any]:
        """``values`` with each text kept, or swapped for a real id or a hostile string.

        Only text is swapped for text, so a case generated as schema-violating stays so.
        """
        if not values:
            return st.just(values)
        return st.fixed_dictionaries(
            {
                name: st.sampled_from([value, *self.by_name.get(name, []), *HOSTILE])
                if isinstance(value, str)
                else st.just(value)
                for name, value in values.items()
            }
        )


KNOWN = KnownIds()


@schema.hook
def flatmap_path_parameters(
    context: HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[Any]:
    return KNOWN.mixed_in(path_parameters)


@schema.hook
def flatmap_query(context: HookContext, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    return KNOWN.mixed_in(query)


@schema.hook
def flatmap_body(context: HookContext, body: Any) -> st.SearchStrategy[Any]:
    return KNOWN.mixed_in(body) if isinstance(body, dict) else st.just(body)


@dataclass(frozen=True)
class Seeded:
    """One backend's world, seeded once: each operation runs inside a SAVEPOINT of it."""

    connection: Connection
    sessions: sessionmaker[Session]
    settings: Settings
    #: the two kinds of caller: an API token of every scope, and the signed-in owner
    token: dict[str, str]
    person_headers: dict[str, str]
    person_cookies: dict[str, str]


@pytest.fixture(scope="module")
def seeded(database: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The world of ``v1_world`` on ``database`` (seeding it for each operation took longer
    than fuzzing it); rolled back when the module ends."""
    app_settings = Settings(
        home=tmp_path_factory.mktemp("fuzz-home"),
        database_url=database.url,
        base_url="http://127.0.0.1:8000",
        secret_key=SecretStr("test-master-secret-not-for-production"),
        smtp_url=None,
    )
    with database.engine.connect() as connection:
        outer = connection.begin()
        sessions = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        with sessions() as db:
            world = build_world(db, app_settings)
            full = full_token(db, world)
            KNOWN.fill(world, list(db.scalars(select(StatusList.id))), full.token.id)
        person = session_client(_document_app(), app_settings, world.users["owner"], sessions)
        yield Seeded(
            connection=connection,
            sessions=sessions,
            settings=app_settings,
            token={"Authorization": f"Bearer {full.secret}"},
            person_headers={"X-CSRF-Token": person.headers["X-CSRF-Token"]},
            person_cookies=dict(person.cookies.items()),
        )
        outer.rollback()


@pytest.fixture
def fuzzed_app(seeded: Seeded) -> Iterator[FastAPI]:
    """A fresh app (fresh rate limits) whose every change is undone after the operation."""
    savepoint = seeded.connection.begin_nested()
    yield create_app(seeded.settings, engine=seeded.connection.engine, sessions=seeded.sessions)
    if savepoint.is_active:
        savepoint.rollback()


def _bounded(test: Any) -> Any:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(test)


def _call_and_check(
    case: Case[Any], app: FastAPI, headers: dict[str, str], cookies: dict[str, str] | None = None
) -> None:
    response = case.call_and_validate(
        app=app,
        headers=headers,
        cookies=cookies,
        excluded_checks=NOT_APPLICABLE.get(case.operation.label),
    )
    if case.operation.label == "POST /api/v1/awards/bulk" and response.status_code == 202:
        # the job's thread shares the test's connection: let it end before the next call
        job = app.state.bulk_jobs.get(response.json()["id"])
        assert job is not None and job.finished.wait(60)


# The bulk upload hands its rows to a worker thread that commits in its own background
# transaction (credstack.workers.bulk_jobs), which the rolled-back SAVEPOINT of each fuzzed
# operation cannot contain; its refusals and jobs are tested in tests/api/test_v1_jobs.py,
# tests/api/test_hostile_inputs.py and against a real server in
# tests/e2e/test_concurrent_writes.py.
@schema.exclude(method="POST", path="/api/v1/awards/bulk").parametrize()
@_bounded
def test_no_input_makes_an_operation_fail_as_a_token(
    case: Case[Any], fuzzed_app: FastAPI, seeded: Seeded
) -> None:
    _call_and_check(case, fuzzed_app, headers=seeded.token)


@schema.include(tag=["organisations", "tokens"]).parametrize()
@_bounded
def test_no_input_makes_an_operation_fail_as_a_person(
    case: Case[Any], fuzzed_app: FastAPI, seeded: Seeded
) -> None:
    _call_and_check(case, fuzzed_app, headers=seeded.person_headers, cookies=seeded.person_cookies)
