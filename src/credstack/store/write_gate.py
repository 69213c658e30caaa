"""Hands SQLite's single write lock to this process's writers in turn, interactive work first.

SQLite lets one transaction write a database file at a time. A writer that finds the
lock taken waits in SQLite's busy handler, which polls with growing sleeps (up to
100 ms): a writer that commits and begins again at once (a bulk job going from batch to
batch, the mail loop) takes the lock back nearly every time, and a request that was
waiting before it times out behind it. So the writers of one process queue here before
they ``BEGIN IMMEDIATE``: interactive transactions (a request, a CLI command) in the
order they came, background ones (bulk jobs, mail delivery) whenever no interactive one
waits. Writers in other processes on the same file still meet SQLite's busy timeout;
the gate orders only the writers it can see.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class WriteGate:
    """A FIFO lock with two classes of waiters; the interactive class always goes first."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._holder: object | None = None
        self._interactive: deque[object] = deque()
        self._background: deque[object] = deque()

    def acquire(self, holder: object, *, background: bool, deadline: float) -> bool:
        """Wait until it is ``holder``'s turn (True), or until ``deadline`` passes (False).

        ``deadline`` is a :func:`time.monotonic` value.
        """
        queue = self._background if background else self._interactive
        ticket = object()
        with self._condition:
            queue.append(ticket)
            try:
                while self._holder is not None or self._first() is not ticket:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._condition.wait(remaining)
                self._holder = holder
                return True
            finally:
                queue.remove(ticket)

    def release(self, holder: object) -> None:
        """Let the next writer in, if ``holder`` is the writer (otherwise nothing happens)."""
        with self._condition:
            if self._holder is holder:
                self._holder = None
                self._condition.notify_all()

    @property
    def waiting(self) -> int:
        """How many writers wait (for tests and diagnostics)."""
        with self._condition:
            return len(self._interactive) + len(self._background)

    def _first(self) -> object | None:
        if self._interactive:
            return self._interactive[0]
        return self._background[0] if self._background else None


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def gate_for(database: str) -> WriteGate:
    """The one gate of a database file in this process (every engine on it shares it)."""
    with _gates_lock:
        gate = _gates.get(database)
        if gate is None:
            gate = _gates[database] = WriteGate()
        return gate
