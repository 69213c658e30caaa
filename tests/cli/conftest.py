"""What every CLI test needs: an initialised CREDSTACK_HOME, and a way to run a command.

CLI commands really commit, so each test gets its own database: SQLite in a temporary
home, or (when ``CREDSTACK_TEST_DATABASE_URL`` is set) a fresh PostgreSQL schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from credstack.cli.main import main
from fresh_home import fresh_home


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_home(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh CREDSTACK_HOME (and database), initialised with ``credstack init``."""
    with fresh_home(request, monkeypatch, tmp_path / "home", "cli") as home:
        assert main(["init"]) == 0
        yield home
