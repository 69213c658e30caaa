"""No text with a NUL character reaches the database, on either backend.

PostgreSQL cannot hold U+0000 in a text value and refuses every statement that sends
one (``psycopg.DataError``), so ``GET /issuers/%00``, an award id, a revocation reason
or a token name with a NUL answered 500 there, while SQLite stored it. Checking each
field would leave a door open somewhere; this guard looks at the parameters of every
statement before it is sent and refuses the request with an ``InputError`` (400, exit
code 2) instead: the same answer on SQLite and PostgreSQL. Fields that check their own
text (award names, e-mail addresses) refuse a NUL earlier with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, event

from credstack.core.errors import InputError

NUL_REFUSED = "text sent to Credstack must not contain the NUL character (U+0000): remove it"


def holds_nul(parameters: Any) -> bool:
    """True when a statement's parameters (one set or many, by name or by position) hold NUL."""
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, Mapping):
        return any(holds_nul(value) for value in parameters.values())
    if isinstance(parameters, Iterable) and not isinstance(parameters, bytes | bytearray):
        return any(holds_nul(value) for value in parameters)
    return False


def install_nul_guard(engine: Engine) -> None:
    """Refuse, before it is sent, every statement on ``engine`` whose text holds a NUL."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_nul(
        _connection: Any,
        _cursor: Any,
        _statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if holds_nul(parameters):
            raise InputError(NUL_REFUSED)
