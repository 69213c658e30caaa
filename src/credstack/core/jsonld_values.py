"""Reading JSON-LD values in either of their shapes, the same way everywhere.

JSON-LD lets one value stand for a list of one, and a node be given as its id or as an
object with an ``id``. Credentials, proofs, DID documents and status lists all use both
forms; reading them through one pair of functions keeps every check in agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_list(value: object) -> list[Any]:
    """A new list of the values: ``None`` is none, a single value is a list of one."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def node_id(value: object) -> str | None:
    """The id of a node given as a string or as an object with ``id`` (e.g. ``issuer``)."""
    ref = value.get("id") if isinstance(value, Mapping) else value
    return ref if isinstance(ref, str) else None
