"""SQLite writes queue instead of failing: BEGIN IMMEDIATE, a fair gate, a busy timeout.

Real SQLite files and real threads; "another process" is a plain ``sqlite3`` connection
that takes the write lock without going through Credstack's gate.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from credstack.core.errors import BusyError
from credstack.settings import load_settings
from credstack.store.engine import (
    Transactions,
    create_database_engine,
    engine_for,
    session_factory,
    session_scope,
)
from credstack.store.migrate import upgrade_to_head
from credstack.store.models import Learner
from credstack.store.write_gate import WriteGate

#: every wait in these tests ends well within this (a loaded CI machine included)
DEADLINE = 30.0


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "writes.db"
    engine = create_database_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(database: Path) -> Iterator[Engine]:
    engine = create_database_engine(f"sqlite:///{database}", busy_timeout_ms=400)
    yield engine
    engine.dispose()


@pytest.fixture
def patient_engine(database: Path) -> Iterator[Engine]:
    """Writers that outwait any holder in these tests (the order is what is measured)."""
    engine = create_database_engine(f"sqlite:///{database}", busy_timeout_ms=20_000)
    yield engine
    engine.dispose()


def _learners(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM learners ORDER BY rowid")).scalars())


class Holder:
    """A write transaction held open in a thread until :meth:`release`."""

    def __init__(self, engine: Engine, learner_id: str = "holder") -> None:
        self._engine = engine
        self._learner_id = learner_id
        self._holding = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> Holder:
        self._thread.start()
        assert self._holding.wait(DEADLINE), "the holder never got the write lock"
        return self

    def release(self) -> None:
        self._release.set()
        self._thread.join(DEADLINE)

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _run(self) -> None:
        with session_scope(session_factory(self._engine)) as session:
            session.add(Learner(id=self._learner_id, name="Holder"))
            session.flush()
            self._holding.set()
            self._release.wait(DEADLINE)


def _write_in_thread(
    engine: Engine, learner_id: str, transactions: Transactions, errors: list[BaseException]
) -> threading.Thread:
    def write() -> None:
        try:
            with session_scope(session_factory(engine, transactions)) as session:
                session.add(Learner(id=learner_id, name=learner_id))
        except BaseException as exc:  # collected for the assertion in the test
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def _wait_for_waiters(engine: Engine, gate_waiters: int) -> None:
    from credstack.store.write_gate import gate_for

    database = engine.url.database
    assert database is not None
    gate = gate_for(str(Path(database).resolve()))
    deadline = time.monotonic() + DEADLINE
    while gate.waiting < gate_waiters:
        assert time.monotonic() < deadline, f"{gate.waiting} writers waiting, not {gate_waiters}"
        time.sleep(0.01)


def test_a_write_session_takes_the_lock_before_its_first_read(engine: Engine) -> None:
    with session_scope(session_factory(engine)) as session:
        session.get(Learner, "nobody")  # a read, yet the transaction is a writer's
        raw = sqlite3.connect(str(engine.url.database), timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                raw.execute("BEGIN IMMEDIATE")
        finally:
            raw.close()


def test_queued_writers_get_the_lock_in_the_order_they_came(patient_engine: Engine) -> None:
    engine = patient_engine
    errors: list[BaseException] = []
    with Holder(engine):
        threads = []
        for number in range(5):
            threads.append(_write_in_thread(engine, f"w{number}", Transactions.WRITE, errors))
            _wait_for_waiters(engine, number + 1)
    for thread in threads:
        thread.join(DEADLINE)
    assert errors == []
    assert _learners(engine) == ["holder", "w0", "w1", "w2", "w3", "w4"]


def test_interactive_writes_pass_background_ones_that_waited_longer(
    patient_engine: Engine,
) -> None:
    engine = patient_engine
    errors: list[BaseException] = []
    with Holder(engine):
        job = _write_in_thread(engine, "job-batch", Transactions.BACKGROUND, errors)
        _wait_for_waiters(engine, 1)
        request = _write_in_thread(engine, "request", Transactions.WRITE, errors)
        _wait_for_waiters(engine, 2)
    job.join(DEADLINE)
    request.join(DEADLINE)
    assert errors == []
    assert _learners(engine) == ["holder", "request", "job-batch"]


def test_a_write_waiting_longer_than_the_busy_timeout_is_busy_not_locked(engine: Engine) -> None:
    with Holder(engine):
        started = time.monotonic()
        with (
            pytest.raises(BusyError, match="the database is busy, try again") as raised,
            session_scope(session_factory(engine)) as session,
        ):
            session.add(Learner(id="late", name="Late"))
        waited = time.monotonic() - started
    assert 0.35 <= waited < 10, waited  # the 400 ms busy timeout, gate and SQLite together
    assert raised.value.retry_after >= 1
    assert "late" not in _learners(engine)


@contextmanager
def another_process_writing(engine: Engine, seconds: float) -> Iterator[None]:
    """A plain sqlite3 connection (outside the gate) holds the write lock for ``seconds``."""
    raw = sqlite3.connect(
        str(engine.url.database), timeout=0, isolation_level=None, check_same_thread=False
    )
    raw.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(seconds, raw.execute, args=("COMMIT",))
    timer.start()
    try:
        yield
    finally:
        timer.join(DEADLINE)
        raw.close()


def test_another_process_holding_the_lock_is_waited_for(engine: Engine) -> None:
    """Outside the gate, SQLite's busy handler waits; a quick writer elsewhere is no error."""
    with another_process_writing(engine, 0.15), session_scope(session_factory(engine)) as session:
        session.add(Learner(id="after-the-other", name="After"))
    assert "after-the-other" in _learners(engine)


def test_background_work_outwaits_the_busy_timeout(engine: Engine) -> None:
    """A bulk batch behind another process's long write waits instead of failing."""
    background = session_factory(engine, Transactions.BACKGROUND)
    with another_process_writing(engine, 1.2), session_scope(background) as session:  # 3 timeouts
        session.add(Learner(id="patient", name="Patient"))
    assert "patient" in _learners(engine)


def test_a_read_session_reads_while_the_lock_is_held(engine: Engine) -> None:
    with Holder(engine):
        started = time.monotonic()
        with session_scope(session_factory(engine, Transactions.READ)) as session:
            assert session.get(Learner, "holder") is None  # not committed yet
        # the holder keeps the lock for up to DEADLINE: a read that waited would show it
        assert time.monotonic() - started < 5


def test_the_busy_timeout_comes_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, sqlite_busy_timeout_ms=1234)
    engine = engine_for(settings)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1234
    finally:
        engine.dispose()


def test_the_gate_serves_interactive_waiters_first_and_each_class_in_order() -> None:
    gate = WriteGate()
    first = object()
    assert gate.acquire(first, background=False, deadline=time.monotonic() + 1)
    order: list[str] = []

    def wait(name: str, background: bool) -> None:
        holder = object()
        assert gate.acquire(holder, background=background, deadline=time.monotonic() + DEADLINE)
        order.append(name)
        gate.release(holder)

    threads = []
    for name, background in (("b1", True), ("i1", False), ("b2", True), ("i2", False)):
        threads.append(threading.Thread(target=wait, args=(name, background)))
        threads[-1].start()
        deadline = time.monotonic() + DEADLINE
        while gate.waiting < len(threads):
            assert time.monotonic() < deadline
            time.sleep(0.005)
    gate.release(first)
    for thread in threads:
        thread.join(DEADLINE)
    assert order == ["i1", "i2", "b1", "b2"]


def test_a_gate_waiter_gives_up_at_its_deadline() -> None:
    gate = WriteGate()
    assert gate.acquire(object(), background=False, deadline=time.monotonic() + 1)
    started = time.monotonic()
    assert not gate.acquire(object(), background=False, deadline=started + 0.1)
    assert 0.09 <= time.monotonic() - started < 5
    assert gate.waiting == 0
