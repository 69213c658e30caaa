"""A status list published a moment after the verifier read its clock still counts.

Lists are (re)published on demand, typically during the very verification that fetched
them; that verification read its clock first, so the list's validFrom is a little later
than its ``now``. Found by the browser test: right after an award, /verify failed the
status check with "not valid before <a second later>".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from credstack.core.errors import StatusListError
from credstack.core.status_list import (
    LIST_CLOCK_SKEW,
    StatusBitstring,
    check_status,
    encode_list,
    status_list_credential,
    status_list_entry,
)

LIST_URL = "https://credstack.example/status/7"
PUBLISHED = datetime(2026, 5, 4, 12, 0, 1, tzinfo=UTC)


def _list_published_at(moment: datetime, *revoked: int) -> dict[str, object]:
    bits = StatusBitstring()
    for index in revoked:
        bits.set(index)
    return status_list_credential(
        LIST_URL, "did:key:z6MkIssuer", encode_list(bits), moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def test_a_list_published_just_after_the_verifier_read_its_clock_counts() -> None:
    status_list = _list_published_at(PUBLISHED, 3)
    verifier_now = PUBLISHED - timedelta(milliseconds=400)

    assert check_status(status_list_entry(LIST_URL, 3), status_list, now=verifier_now).is_set
    assert not check_status(status_list_entry(LIST_URL, 4), status_list, now=verifier_now).is_set


def test_a_list_valid_only_well_in_the_future_is_still_refused() -> None:
    status_list = _list_published_at(PUBLISHED)
    too_early = PUBLISHED - LIST_CLOCK_SKEW - timedelta(seconds=1)

    with pytest.raises(StatusListError, match="not valid before 2026-05-04T12:00:01Z"):
        check_status(status_list_entry(LIST_URL, 1), status_list, now=too_early)
    assert timedelta(minutes=5) >= LIST_CLOCK_SKEW
