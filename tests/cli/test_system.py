"""``credstack`` system commands: --version, --help, init, serve, and one-line errors."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import typer

from credstack import __version__
from credstack.cli.main import app, main
from credstack.store.migrate import head_revision

HEAVY_MODULES = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "pyld",
    "cryptography",
    "pydantic",
    "rich",
    "credstack.services",
    "credstack.store",
)


def credstack(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "credstack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment with its own CREDSTACK_HOME and the embedded database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDSTACK_")}
    env["CREDSTACK_HOME"] = str(tmp_path / "home")
    return env


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_env(
    request: pytest.FixtureRequest, cli_env: dict[str, str]
) -> Iterator[dict[str, str]]:
    """``cli_env`` on each database (PostgreSQL: a fresh schema on the test server)."""
    if request.param == "sqlite":
        yield cli_env
        return
    schemas = request.getfixturevalue("postgres_schemas")
    schema = schemas.create("cli")
    yield {**cli_env, "CREDSTACK_DATABASE_URL": schemas.url_for(schema)}
    schemas.drop(schema)


def test_version() -> None:
    assert main(["--version"]) == 0


def test_version_in_a_subprocess(cli_env: dict[str, str]) -> None:
    result = credstack("--version", env=cli_env)
    assert result.returncode == 0
    assert result.stdout.strip() == f"credstack {__version__}"


def test_help_starts_fast_and_imports_nothing_heavy(cli_env: dict[str, str]) -> None:
    probe = (
        "import contextlib, io, json, sys\n"
        "from credstack.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], env=cli_env, capture_output=True, text=True, check=True
    )
    assert json.loads(loaded.stdout) == []

    started = time.perf_counter()
    result = credstack("--help", env=cli_env)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0
    assert "init" in result.stdout and "serve" in result.stdout
    assert elapsed < 1.5, f"credstack --help took {elapsed:.2f}s (target 0.5s)"


def _command_paths() -> list[list[str]]:
    """Every command and group the CLI has (other engineers' groups included)."""
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        subcommands = getattr(command, "commands", {})
        for name, sub in subcommands.items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage:" in out
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or command.short_help or "").strip(), f"{' '.join(path)} has no help"


def test_init_twice_then_nothing_to_do_and_data_survives(backend_env: dict[str, str]) -> None:
    first = credstack("init", "--json", env=backend_env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["migrated"] is True

    _insert_learner(backend_env, "survivor")

    second = credstack("init", env=backend_env)
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout
    third = credstack("init", "--json", env=backend_env)
    assert json.loads(third.stdout)["migrated"] is False
    assert set(json.loads(third.stdout)) == {"database", "migrated"}
    assert _learner_names(backend_env) == ["survivor"]


def _database_url(env: dict[str, str]) -> str:
    return env.get("CREDSTACK_DATABASE_URL") or f"sqlite:///{env['CREDSTACK_HOME']}/credstack.db"


def _insert_learner(env: dict[str, str], name: str) -> None:
    from credstack.store.engine import create_database_engine, session_factory, session_scope
    from credstack.store.models import Learner

    engine = create_database_engine(_database_url(env))
    with session_scope(session_factory(engine)) as session:
        session.add(Learner(name=name))
    engine.dispose()


def _learner_names(env: dict[str, str]) -> list[str]:
    from sqlalchemy import select

    from credstack.store.engine import create_database_engine, session_factory, session_scope
    from credstack.store.models import Learner

    engine = create_database_engine(_database_url(env))
    with session_scope(session_factory(engine)) as session:
        names = list(session.scalars(select(Learner.name)))
    engine.dispose()
    return names


def test_init_creates_the_home_with_a_private_master_secret(cli_env: dict[str, str]) -> None:
    result = credstack("init", env=cli_env)
    assert result.returncode == 0, result.stderr
    home = Path(cli_env["CREDSTACK_HOME"])
    secret = home / "secret.key"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_text().strip()) >= 40
    assert "Created database" in result.stdout
    with sqlite3.connect(home / "credstack.db") as connection:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == (head_revision(),)

    before = secret.read_text()
    credstack("init", env=cli_env)
    assert secret.read_text() == before  # never regenerated: it encrypts the keys


def test_init_with_a_given_secret_writes_no_secret_file(cli_env: dict[str, str]) -> None:
    result = credstack("init", env={**cli_env, "CREDSTACK_SECRET_KEY": "operator-managed"})
    assert result.returncode == 0, result.stderr
    assert not (Path(cli_env["CREDSTACK_HOME"]) / "secret.key").exists()


def test_unreachable_database_is_one_line_and_exit_1(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "CREDSTACK_DATABASE_URL": "postgresql://alice:s3cret@127.0.0.1:1/none"}
    result = credstack("init", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot reach the database at postgresql")
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_settings_are_one_line_and_exit_1(cli_env: dict[str, str]) -> None:
    result = credstack("init", env={**cli_env, "CREDSTACK_BASE_URL": "badges.example"})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: invalid settings: CREDSTACK_BASE_URL: must start with http:// or https://"
    )


def test_usage_errors_exit_2(cli_env: dict[str, str]) -> None:
    result = credstack("init", "--no-such-option", env=cli_env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_uninitialised_database(cli_env: dict[str, str]) -> None:
    Path(cli_env["CREDSTACK_HOME"]).mkdir()
    result = credstack("serve", "--port", str(_free_port()), env=cli_env, timeout=30)
    assert result.returncode == 1
    assert "run 'credstack init'" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_healthz(backend_env: dict[str, str]) -> None:
    assert credstack("init", env=backend_env).returncode == 0
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "credstack", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=backend_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = _poll(f"http://127.0.0.1:{port}/healthz", process, deadline_s=30)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "revision": head_revision()}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to exit.
    assert "Application shutdown complete" in output
    assert "Traceback" not in output


def _poll(url: str, process: subprocess.Popen[str], deadline_s: float) -> httpx.Response:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"serve did not answer {url} within {deadline_s}s")
