"""Pages of a list: the slice a caller asks for (:class:`Window`) and what it gets (:class:`Page`).

The API pages every list with an opaque cursor (``api.pagination``), the web app with page
numbers and the CLI streams whole lists; the services that list things take a window and
answer a page, so no door builds a query of its own. A page reads one row more than it
returns, which tells whether another page follows without counting the whole list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select

T = TypeVar("T")
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class Window:
    """Rows ``offset`` onwards, at most ``limit`` of them (``None``: to the end)."""

    offset: int = 0
    limit: int | None = None

    def applied(self, query: S) -> S:
        """``query`` limited to this window, plus one row that tells whether more follow."""
        query = query.offset(self.offset) if self.offset else query
        return query if self.limit is None else query.limit(self.limit + 1)

    def page(self, rows: Sequence[T]) -> Page[T]:
        """The page of rows read through :meth:`applied`."""
        if self.limit is None or len(rows) <= self.limit:
            return Page(list(rows), more=False)
        return Page(list(rows[: self.limit]), more=True)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One window of a list and whether the list goes on after it."""

    items: list[T] = field(default_factory=list)
    more: bool = False
