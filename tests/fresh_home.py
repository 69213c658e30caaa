"""A fresh CREDSTACK_HOME and database for code that really commits (the CLI, a whole app).

Nothing from the caller's environment leaks in but the PostgreSQL test server's URL; on
the ``postgresql`` backend the home gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POSTGRES_URL_VARIABLE = "CREDSTACK_TEST_DATABASE_URL"


@contextmanager
def fresh_home(
    request: pytest.FixtureRequest, env: pytest.MonkeyPatch, home: Path, label: str
) -> Iterator[Path]:
    """``home`` as CREDSTACK_HOME; a new schema as the database when ``request.param`` asks."""
    for name in list(os.environ):
        if name.startswith("CREDSTACK_") and name != POSTGRES_URL_VARIABLE:
            env.delenv(name)
    env.setenv("CREDSTACK_HOME", str(home))
    schemas = schema = None
    if request.param == "postgresql":
        schemas = request.getfixturevalue("postgres_schemas")
        schema = schemas.create(label)
        env.setenv("CREDSTACK_DATABASE_URL", schemas.url_for(schema))
    try:
        yield home
    finally:
        if schemas is not None and schema is not None:
            schemas.drop(schema)
