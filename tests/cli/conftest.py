"""What every CLI test needs: an initialised CREDSTACK_HOME, and a way to run a command.

CLI commands really commit, so each test gets its own database: SQLite in a temporary
home, or (when ``CREDSTACK_TEST_DATABASE_URL`` is set) a fresh PostgreSQL schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from credstack.cli.main import main


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_home(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh CREDSTACK_HOME (and database), initialised with ``credstack init``."""
    for name in list(os.environ):
        if name.startswith("CREDSTACK_") and name != "CREDSTACK_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("CREDSTACK_HOME", str(home))
    schema = None
    schemas = None
    if request.param == "postgresql":
        schemas = request.getfixturevalue("postgres_schemas")
        schema = schemas.create("cli")
        monkeypatch.setenv("CREDSTACK_DATABASE_URL", schemas.url_for(schema))
    assert main(["init"]) == 0
    yield home
    if schemas is not None and schema is not None:
        schemas.drop(schema)
