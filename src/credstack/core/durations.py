"""ISO 8601 durations (``P2Y``, ``P6W``, ``PT40H``) as definition files use them.

Why: a micro-credential states how long it stays valid (``validity: P2Y``) and how long
the course runs (``duration: P6W``). The expiry of each award is its issue date plus the
validity, computed on the calendar (1 February + P1M = 1 March), not as a fixed number
of seconds, which is what people expect from "valid for two years".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PATTERN = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


@dataclass(frozen=True)
class Duration:
    """A parsed ISO 8601 duration with calendar parts kept apart from clock parts."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def is_zero(self) -> bool:
        """True for ``P0D`` and friends, which make no sense as a validity period."""
        return not any(
            (self.years, self.months, self.weeks, self.days, self.hours, self.minutes, self.seconds)
        )

    def describe(self) -> str:
        """Plain English: ``2 years``, ``6 weeks``, ``1 month and 2 weeks``."""
        parts = [
            (self.years, "year"),
            (self.months, "month"),
            (self.weeks, "week"),
            (self.days, "day"),
            (self.hours, "hour"),
            (self.minutes, "minute"),
            (self.seconds, "second"),
        ]
        words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
        if len(words) <= 1:
            return words[0] if words else "no time"
        return ", ".join(words[:-1]) + " and " + words[-1]


def parse_duration(text: str) -> Duration:
    """Parse ``PnYnMnWnDTnHnMnS`` (whole numbers); raise ValueError with the accepted form."""
    match = _PATTERN.match(text.strip().upper())
    if match is None:
        raise ValueError(
            f"{text!r} is not an ISO 8601 duration; write e.g. P2Y (2 years), P6M, P6W or PT40H"
        )
    values = {name: int(value) for name, value in match.groupdict().items() if value}
    return Duration(**values)


def add_duration(moment: datetime, duration: Duration) -> datetime:
    """``moment`` plus ``duration`` on the calendar; month ends clamp (31 Jan + P1M = 28/29 Feb)."""
    month_index = moment.month - 1 + duration.months + 12 * duration.years
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    shifted = moment.replace(year=year, month=month, day=day)
    return shifted + timedelta(
        weeks=duration.weeks,
        days=duration.days,
        hours=duration.hours,
        minutes=duration.minutes,
        seconds=duration.seconds,
    )
