"""Cursor pagination for every list of ``/api/v1``: ``?limit=&cursor=`` and a ``next`` link.

The cursor is opaque to clients (base64 of an offset into a stable order): they follow
``next`` until it is null. An offset cursor can skip or repeat a row when rows are added
while a client pages; every list is ordered oldest first, so new rows only append. The
services read the page (``services.paging``); this module only turns a cursor into a
window and a page into JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request

from credstack.core.errors import InputError
from credstack.services.paging import Page, Window

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: past any list this API pages through, and well inside a signed 64-bit OFFSET
MAX_OFFSET = 2**53

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page (1-500)")]
Cursor = Annotated[str | None, Query(description="the 'next' cursor of the previous page")]


def offset_of(cursor: str | None) -> int:
    """The offset a cursor stands for; ``InputError`` (400) for a cursor we did not make.

    Only what :func:`_next` writes is accepted: ASCII digits, at most :data:`MAX_OFFSET`
    (a larger number does not fit the databases' 64-bit ``OFFSET`` and was a 500).
    """
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        text = ""
    digits = text.isascii() and text.isdigit() and len(text) <= len(str(MAX_OFFSET))
    if not digits or int(text) > MAX_OFFSET:
        raise InputError("the cursor is not one this API returned: follow the 'next' link")
    return int(text)


def window(limit: int, cursor: str | None) -> Window:
    """The window a request asks for (``limit`` items from the cursor's offset)."""
    return Window(offset=offset_of(cursor), limit=limit)


def page_json(
    request: Request, page: Page[T], window: Window, render: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """``{"items", "next"}`` for a page a service read through ``window``."""
    assert window.limit is not None  # API windows always have one
    following = _next(request, window.offset + window.limit) if page.more else None
    return {"items": [render(item) for item in page.items], "next": following}


def page_of(
    request: Request, items: Sequence[T], *, limit: int, cursor: str | None,
    render: Callable[[T], dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """One page of an in-memory list (short lists such as members or tokens)."""
    chosen = window(limit, cursor)
    rows = items[chosen.offset : chosen.offset + limit + 1]
    return page_json(request, chosen.page(rows), chosen, render)


def _next(request: Request, offset: int) -> str:
    cursor = base64.urlsafe_b64encode(str(offset).encode("ascii")).decode("ascii").rstrip("=")
    return str(request.url.include_query_params(cursor=cursor))
