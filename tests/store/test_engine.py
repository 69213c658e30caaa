"""The engine factory gives SQLite the guarantees a server database has."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from credstack.core.errors import ConfigurationError
from credstack.store.engine import (
    Transactions,
    create_database_engine,
    redact_url,
    session_factory,
    session_scope,
    sqlite_path,
)
from credstack.store.migrate import upgrade_to_head
from credstack.store.models import Learner


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    engine.dispose()


def test_sqlite_savepoints_roll_back_only_the_inner_part(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        inner = connection.begin_nested()
        connection.execute(text("INSERT INTO t VALUES (2)"))
        inner.rollback()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT v FROM t")).scalars().all() == [1]
    engine.dispose()


def test_session_scope_commits_on_success_and_rolls_back_on_error(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade_to_head(engine)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        session.add(Learner(id="kept", name="Kept"))
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(Learner(id="dropped", name="Dropped"))
        session.flush()
        raise RuntimeError("the command failed")
    with session_scope(factory) as session:
        assert session.get(Learner, "kept") is not None
        assert session.get(Learner, "dropped") is None
    engine.dispose()


def test_a_reader_is_not_blocked_by_an_open_writer(tmp_path: Path) -> None:
    """WAL: a web request can read while a bulk issue holds the write lock."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade_to_head(engine)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        session.add(Learner(id="before", name="Before"))
    writer_ready = threading.Event()
    release_writer = threading.Event()

    def write() -> None:
        with session_scope(factory) as session:
            session.add(Learner(id="during", name="During"))
            session.flush()
            writer_ready.set()
            release_writer.wait(10)

    thread = threading.Thread(target=write)
    thread.start()
    assert writer_ready.wait(10)
    try:
        # a GET request's session (Transactions.READ): a deferred snapshot, no write lock
        with session_scope(session_factory(engine, Transactions.READ)) as session:
            assert session.get(Learner, "before") is not None
            assert session.get(Learner, "during") is None
    finally:
        release_writer.set()
        thread.join(10)
    engine.dispose()


def test_postgresql_urls_use_psycopg3() -> None:
    engine = create_database_engine("postgresql://user:pw@db.example:5432/credstack")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_unsupported_or_malformed_urls_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="unsupported database 'mysql'"):
        create_database_engine("mysql://root@localhost/credstack")
    with pytest.raises(ConfigurationError, match="not a database URL"):
        create_database_engine("credstack.db")


def test_redacted_urls_hide_the_password() -> None:
    shown = redact_url("postgresql+psycopg://alice:s3cret@db.example/credstack")
    assert "s3cret" not in shown
    assert "alice" in shown and "db.example/credstack" in shown


def test_sqlite_path_of_a_file_url(tmp_path: Path) -> None:
    assert sqlite_path(f"sqlite:///{tmp_path / 'a.db'}") == tmp_path / "a.db"
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("postgresql://localhost/x") is None
