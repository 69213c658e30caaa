"""Rate limits as pure decisions: may one more hit of a key go through, given its recent hits?

The hits themselves are kept in the database (``services.rate_limits``), so every app
process counts the same hits and a limit holds however many processes serve the site.
This module only decides, from the times of a key's recorded hits and the current time
(both passed in, so tests need no sleeping): a hit is refused while ``hits`` of them
already lie inside the last ``window`` seconds, and the refusal says how long until
enough of them have left the window (the ``Retry-After`` a client should honour).

The limits are named (:data:`DEFAULT_LIMITS`); an operator overrides any of them with
``CREDSTACK_RATE_LIMITS`` in the form that :func:`parse_limits` reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

_UNITS = {"s": 1.0, "second": 1.0, "m": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}
_UNITS |= {"d": 86400.0, "day": 86400.0}
_LIMIT = re.compile(r"^(?P<hits>\d+)\s*/\s*(?P<count>\d*)\s*(?P<unit>[a-z]+?)s?$")


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` hits per key in any ``window`` seconds."""

    hits: int
    window: float

    def __post_init__(self) -> None:
        if self.hits < 1 or self.window <= 0:
            raise ValueError("a rate limit needs at least 1 hit and a window longer than 0")

    def describe(self) -> str:
        """``100/minute``, ``20/hour``, ``10/300s``: the form :func:`parse_limits` reads."""
        for unit, seconds in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0)):
            if self.window == seconds:
                return f"{self.hits}/{unit}"
        return f"{self.hits}/{self.window:g}s"


@dataclass(frozen=True)
class Decision:
    """Whether a hit is allowed, and if not, after how many whole seconds to retry."""

    allowed: bool
    retry_after: int = 0


#: the limits by name, and what each counts (the key a hit is counted under)
DEFAULT_LIMITS: dict[str, Limit] = {
    # sign-in attempts per client IP and e-mail address, and per client IP alone
    "sign-in": Limit(10, 60.0),
    "sign-in-ip": Limit(100, 60.0),
    # sign-up and password-reset requests per client IP
    "sign-up": Limit(20, 3600.0),
    "password-reset": Limit(20, 3600.0),
    # e-mails about an account (sign-up links, reset links) per address, from any IP
    "account-mail": Limit(5, 3600.0),
    # verifications per client IP (the page and POST /api/v1/verify)
    "verify": Limit(30, 60.0),
    # new claim links per client IP and award
    "claim-resend": Limit(3, 3600.0),
    # API requests per token
    "api-token": Limit(1200, 60.0),
}


def decide(hits: Iterable[float], limit: Limit, now: float) -> Decision:
    """Whether one more hit at ``now`` stays within ``limit``, given the times of earlier hits.

    Hits at or before ``now - window`` no longer count. When refused, ``retry_after`` is
    the wait until so many recent hits have left the window that one more fits.
    """
    recent = sorted(at for at in hits if at > now - limit.window)
    if len(recent) < limit.hits:
        return Decision(True)
    frees_a_place = recent[len(recent) - limit.hits]
    return Decision(False, max(1, math.ceil(frees_a_place + limit.window - now)))


def parse_limits(text: str) -> dict[str, Limit]:
    """``"api-token=600/minute, sign-up=50/hour, sign-in=5/300s"`` as limits by name.

    Periods: ``second``, ``minute``, ``hour``, ``day`` (or ``s``, ``m``, ``h``, ``d``),
    optionally with a count (``10/5minutes``). Names must be those of
    :data:`DEFAULT_LIMITS`; ``ValueError`` says what is wrong.
    """
    limits: dict[str, Limit] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, separator, value = (piece.strip() for piece in entry.partition("="))
        if not separator or name not in DEFAULT_LIMITS:
            known = ", ".join(DEFAULT_LIMITS)
            raise ValueError(f"{entry!r}: write NAME=HITS/PERIOD with NAME one of {known}")
        match = _LIMIT.match(value.lower())
        unit = _UNITS.get(match.group("unit")) if match else None
        if match is None or unit is None:
            raise ValueError(f"{entry!r}: the limit must read like 100/minute, 20/hour or 5/300s")
        window = int(match.group("count") or 1) * unit
        limits[name] = Limit(int(match.group("hits")), window)
    return limits


def configured_limits(overrides: str) -> dict[str, Limit]:
    """:data:`DEFAULT_LIMITS` with the operator's ``CREDSTACK_RATE_LIMITS`` applied."""
    return {**DEFAULT_LIMITS, **parse_limits(overrides)}
