"""A clock the test moves by hand, and a service context that reads it.

For what expires or counts over time (sessions, reset links, rate limits): the test
sets the time instead of sleeping.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from credstack.services.context import ServiceContext
from issued_awards import make_context

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    """Returns :attr:`now`, which starts at :data:`START` and moves only when told."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> None:
        """Set the time to ``seconds`` after :data:`START`."""
        self.now = START + timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(tmp_path: Path, clock: Clock) -> ServiceContext:
    """A service context whose ``now()`` is ``clock``."""
    return replace(make_context(tmp_path), clock=clock)
