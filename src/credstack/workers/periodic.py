"""A step the server repeats in the background (``credstack serve``) until it stops.

Why one class: each background duty (re-signing status lists before they lapse, and the
like) needs the same loop: a daemon thread, a fixed interval, a failing round logged and
retried at the next one instead of ending the loop, and a stop that finishes the round
in progress.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class PeriodicTask:
    """Runs ``step`` every ``interval`` seconds in a daemon thread named ``name``."""

    def __init__(
        self, name: str, step: Callable[[], object], interval: float, logger: logging.Logger
    ) -> None:
        self._step = step
        self._interval = interval
        self._logger = logger
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the round in progress (if any) and end the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # keep serving: the next round tries again
                self._logger.exception("%s failed; trying again shortly", self._thread.name)
            self._stopping.wait(self._interval)
