"""The declarative base every Credstack table hangs from.

Constraint names follow one convention so that Alembic migrations can name (and later
drop or alter) every index and constraint identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from credstack.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Shared metadata (with the naming convention) and the portable type map."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def utc_now() -> datetime:
    """Default for ``created_at`` columns; services pass their own clock where it matters."""
    return datetime.now(UTC)


def new_uuid() -> str:
    """Default primary key for rows whose id never appears in a signed document."""
    return str(uuid.uuid4())
