"""Portable rows: every table as JSON lines that SQLite and PostgreSQL both read back.

A backup must restore on either database, so rows are written in a neutral form rather
than as SQL: bytes as base64, datetimes as ISO 8601 (UTC), enums by value, JSON columns
as JSON. Each column's codec is chosen from its SQLAlchemy type, so a new column needs
no change here.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, select, text, update
from sqlalchemy.types import TypeDecorator

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _identity(value: Any) -> Any:
    return value


def _encode_enum(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _codec(column: Column[Any]) -> Codec:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):  # e.g. UTCDateTime: look at what it stores
        column_type = column_type.impl_instance
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return _identity, _identity
    if python_type is bytes:
        return (
            lambda value: base64.b64encode(value).decode("ascii"),
            lambda value: base64.b64decode(value),
        )
    if python_type is datetime:
        return lambda value: value.isoformat(), datetime.fromisoformat
    if python_type is date:
        return lambda value: value.isoformat(), date.fromisoformat
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        enum_class = python_type
        return _encode_enum, lambda value: enum_class(value)
    return _identity, _identity


def _none_safe(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else function(value)


def encoders(table: Table) -> dict[str, Callable[[Any], Any]]:
    """Column name → function turning a database value into a JSON value."""
    return {column.name: _none_safe(_codec(column)[0]) for column in table.columns}


def decoders(table: Table) -> dict[str, Callable[[Any], Any]]:
    """Column name → function turning a JSON value back into a database value."""
    return {column.name: _none_safe(_codec(column)[1]) for column in table.columns}


def dump_rows(connection: Connection, table: Table, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` as a JSON-ready dict, in primary-key order, streamed."""
    encode = encoders(table)
    query = select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
    for row in result.mappings():
        yield {name: encode[name](value) for name, value in row.items()}


def self_references(table: Table) -> list[str]:
    """Columns pointing at the same table (``awards.replaces_award_id``).

    They are inserted as NULL and filled in afterwards, because a row may name one that
    comes later in primary-key order and foreign keys are checked per statement.
    """
    return sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table})


class TableLoader:
    """Inserts decoded rows of one table in batches; self-references are set at the end."""

    def __init__(self, connection: Connection, table: Table, batch: int = 1000) -> None:
        self.connection = connection
        self.table = table
        self.batch = batch
        self.count = 0
        self._decode = decoders(table)
        self._deferred_columns = self_references(table)
        self._deferred: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        keys = [column.name for column in table.primary_key.columns]
        self._key = keys[0] if len(keys) == 1 else ""
        if self._deferred_columns and not self._key:
            raise ValueError(f"{table.name}: self-references need a single-column primary key")

    def add(self, encoded: Mapping[str, Any]) -> None:
        unknown = set(encoded) - set(self._decode)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)} for table {self.table.name}")
        row = {name: self._decode[name](value) for name, value in encoded.items()}
        later = {name: row[name] for name in self._deferred_columns if row.get(name) is not None}
        if later:
            self._deferred.append({"_key": row[self._key], **later})
            row.update(dict.fromkeys(later))
        self._pending.append(row)
        if len(self._pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.connection.execute(self.table.insert(), self._pending)
            self.count += len(self._pending)
            self._pending = []

    def finish(self) -> int:
        """Insert what is left, fill in self-references, advance sequences; rows loaded."""
        self._flush()
        for column in self._deferred_columns:
            rows = [row for row in self._deferred if column in row]
            if rows:
                statement = (
                    update(self.table)
                    .where(self.table.c[self._key] == bindparam("_key"))
                    .values({column: bindparam(column)})
                )
                self.connection.execute(
                    statement, [{"_key": r["_key"], column: r[column]} for r in rows]
                )
        self._advance_sequence()
        return self.count

    def _advance_sequence(self) -> None:
        """PostgreSQL: explicit ids do not move a serial/identity sequence; move it past them."""
        if self.connection.dialect.name != "postgresql" or len(self.table.primary_key.columns) != 1:
            return
        (column,) = self.table.primary_key.columns
        if column.type.python_type is not int or not column.autoincrement:
            return
        self.connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                f'FROM "{self.table.name}"'
            ),
            {"table": self.table.name, "column": column.name},
        )
