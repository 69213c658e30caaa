"""What every use case needs from the outside world, passed in once at the edge.

Services never read settings, the clock or a random source on their own: the CLI, the
web app and the tests build a :class:`ServiceContext` and hand it down, so tests can fix
time and randomness and several deployments can live in one process.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from credstack.services.verification_limits import VerificationLimits

if TYPE_CHECKING:
    from credstack.settings import Settings


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServiceContext:
    """The deployment's public base URL, master secret, clock, randomness and actor."""

    base_url: str
    master_secret: bytes
    home: Path
    smtp_url: str | None = None
    clock: Callable[[], datetime] = _utc_now
    #: a CSPRNG by default; tests may pass a seeded ``random.Random``
    rng: random.Random = field(default_factory=random.SystemRandom)
    #: who acts, for the audit log: ``cli``, ``user:<id>``, ``token:<id>``
    actor: str = "cli"
    #: how long a signed status list counts (its ``validUntil``) and its ``ttl``
    status_list_validity: timedelta = timedelta(days=1)
    status_list_ttl: timedelta = timedelta(minutes=5)
    #: the verification budget and pool size (``CREDSTACK_VERIFY_*``)
    verification: VerificationLimits = field(default_factory=VerificationLimits)

    @classmethod
    def from_settings(cls, settings: Settings, *, actor: str = "cli") -> ServiceContext:
        return cls(
            base_url=settings.base_url,
            master_secret=settings.master_secret(),
            home=settings.home,
            smtp_url=settings.smtp_url,
            actor=actor,
            status_list_validity=timedelta(seconds=settings.status_list_validity_seconds),
            status_list_ttl=timedelta(seconds=settings.status_list_ttl_seconds),
            verification=VerificationLimits.from_settings(settings),
        )

    def url(self, path: str) -> str:
        """An absolute public URL for a path of architecture §5 (``/credentials/<id>``)."""
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def now(self) -> datetime:
        return self.clock()

    @property
    def outbox_dir(self) -> Path:
        """Where e-mails are written as .eml files when no SMTP server is configured."""
        return self.home / "outbox"
