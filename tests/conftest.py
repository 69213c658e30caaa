"""Shared fixtures: a real database per backend, a rolled-back session per test, the app.

``database`` is parametrised over SQLite (a temporary file) and, when
``CREDSTACK_TEST_DATABASE_URL`` is set, PostgreSQL. On PostgreSQL every test session gets
its own schema (``search_path`` in the URL), so parallel runs on one server never see
each other's rows. The schema is built with the real migrations (``alembic upgrade
head``) once per session and backend.

``db`` is a session inside a transaction that is rolled back after the test; code under
test may ``commit()``, which only releases a SAVEPOINT. ``app`` serves requests on that
same transaction.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from credstack.app import create_app
from credstack.settings import Settings
from credstack.store.engine import create_database_engine
from credstack.store.migrate import upgrade_to_head

POSTGRES_URL_VARIABLE = "CREDSTACK_TEST_DATABASE_URL"


@dataclass(frozen=True)
class TestDatabase:
    """One migrated test database: its backend name, URL (with schema) and engine."""

    __test__ = False  # not a test class, despite the name

    backend: str
    url: str
    engine: Engine


def _backends() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_URL_VARIABLE):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


def postgres_schema_url(base_url: str, schema: str) -> str:
    """``base_url`` with ``search_path`` set to ``schema`` for every connection."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"


class PostgresSchemas:
    """Creates and drops throw-away schemas on the PostgreSQL test server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._admin = create_database_engine(base_url)

    def create(self, label: str) -> str:
        schema = f"credstack_{label}_{os.getpid()}_{secrets.token_hex(4)}"
        with self._admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        return schema

    def url_for(self, schema: str) -> str:
        """The test server's URL with ``search_path`` pointing at ``schema``."""
        return postgres_schema_url(self.base_url, schema)

    def drop(self, schema: str) -> None:
        with self._admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def close(self) -> None:
        self._admin.dispose()


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    """Schema maker on the PostgreSQL test server; skips when none is configured."""
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    schemas = PostgresSchemas(base_url)
    yield schemas
    schemas.close()


@pytest.fixture(scope="session", params=_backends())
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestDatabase]:
    """A database migrated to head, shared by the whole test session (per backend)."""
    schema: str | None = None
    schemas: PostgresSchemas | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'credstack.db'}"
    else:
        schemas = request.getfixturevalue("postgres_schemas")
        schema = schemas.create("test")
        url = postgres_schema_url(os.environ[POSTGRES_URL_VARIABLE], schema)
    engine = create_database_engine(url)
    upgrade_to_head(engine)
    yield TestDatabase(backend=request.param, url=url, engine=engine)
    engine.dispose()
    if schemas is not None and schema is not None:
        schemas.drop(schema)


@pytest.fixture
def engine(database: TestDatabase) -> Engine:
    """The migrated engine of the current backend (changes through it are NOT rolled back)."""
    return database.engine


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            if outer.is_active:
                outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Session factory on the test's transaction; ``commit()`` only releases a SAVEPOINT."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose every change disappears after the test."""
    session = sessions()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def settings(tmp_path: Path, database: TestDatabase) -> Settings:
    """Settings for the current backend, with a temporary home and a fixed master secret."""
    return Settings(
        home=tmp_path / "home",
        database_url=database.url,
        base_url="http://127.0.0.1:8000",
        secret_key=SecretStr("test-master-secret-not-for-production"),
        smtp_url=None,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, sessions: sessionmaker[Session]) -> FastAPI:
    """The web app on the test's rolled-back transaction."""
    return create_app(settings, engine=engine, sessions=sessions)
