"""Settings: exactly the variables of architecture §6, read when built, never at import."""

from __future__ import annotations

from pathlib import Path

import pytest

from credstack.core.errors import ConfigurationError
from credstack.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOME", "DATABASE_URL", "BASE_URL", "SECRET_KEY", "SMTP_URL"):
        monkeypatch.delenv(f"CREDSTACK_{name}", raising=False)


def test_defaults_put_everything_in_the_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.home == tmp_path / ".credstack"
    assert settings.effective_database_url == f"sqlite:///{tmp_path / '.credstack/credstack.db'}"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.secret_key is None
    assert settings.smtp_url is None


def test_environment_is_read_when_settings_are_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDSTACK_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("CREDSTACK_DATABASE_URL", "postgresql://credstack@db/credstack")
    monkeypatch.setenv("CREDSTACK_BASE_URL", "https://badges.example.edu/")
    monkeypatch.setenv("CREDSTACK_SECRET_KEY", "from-env")
    monkeypatch.setenv("CREDSTACK_SMTP_URL", "smtp://mail.example.edu:25")
    settings = load_settings()
    assert settings.home == tmp_path / "h"
    assert settings.effective_database_url == "postgresql+psycopg://credstack@db/credstack"
    assert settings.base_url == "https://badges.example.edu"
    assert settings.master_secret() == b"from-env"
    assert settings.smtp_url == "smtp://mail.example.edu:25"


def test_master_secret_comes_from_the_home_file(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with pytest.raises(ConfigurationError, match="run 'credstack init'"):
        settings.master_secret()
    (tmp_path / "secret.key").write_text("file-secret\n")
    assert settings.master_secret() == b"file-secret"


def test_invalid_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDSTACK_BASE_URL", "badges.example.edu")
    with pytest.raises(ConfigurationError, match="CREDSTACK_BASE_URL: must start with http"):
        load_settings()
