"""The one settings object of a Credstack process.

Settings come from the environment (prefix ``CREDSTACK_``, see architecture §6) and are built
once at the edge (the CLI command or the test fixture) by :func:`load_settings`, then
passed down. Nothing reads the environment at import time, so tests and several app
instances in one process never see each other's configuration.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from credstack.core.errors import ConfigurationError
from credstack.core.rate_limit import parse_limits

#: name of the master secret file inside ``CREDSTACK_HOME`` (created 0600 by ``credstack init``)
SECRET_FILE_NAME = "secret.key"
#: name of the embedded SQLite database inside ``CREDSTACK_HOME``
DATABASE_FILE_NAME = "credstack.db"
#: how long a SQLite write waits for the write lock before answering "busy" (ms)
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_database_url(url: str) -> str:
    """Point ``postgresql://`` URLs at psycopg 3; SQLAlchemy would pick psycopg2 otherwise."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("postgresql+psycopg2://"):
        return "postgresql+psycopg://" + url[len("postgresql+psycopg2://") :]
    return url


class Settings(BaseSettings):
    """The variables of architecture §6 (home, database URL, base URL, secret, SMTP), plus the
    status-list lifetime (docs/status-lists.md), the verification budget, and the session
    and rate-limit settings (docs/operations.md).

    ``allow_http_loopback`` (``CREDSTACK_ALLOW_HTTP_LOOPBACK``) lets the server fetch plain
    http from 127.0.0.1/localhost (an issuer's domain check); for tests only.

    ``sqlite_busy_timeout_ms`` (``CREDSTACK_SQLITE_BUSY_TIMEOUT_MS``): how long a write
    waits for SQLite's single write lock before the request answers 503 "busy".
    """

    model_config = SettingsConfigDict(env_prefix="CREDSTACK_", extra="ignore", frozen=True)

    home: Path = Field(default=Path(".credstack"))
    database_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None
    smtp_url: str | None = None
    #: how long a signed status list counts (``validUntil``), and its ``ttl`` (seconds)
    status_list_validity_seconds: int = Field(default=86_400, ge=60)
    status_list_ttl_seconds: int = Field(default=300, ge=1)
    # The verification budget (docs/operations.md, "Verification budget"): what one
    # credential handed to the verifier may cost, and how many are verified at once.
    verify_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1)
    verify_max_entries: int = Field(default=1_000, ge=1)
    verify_max_proofs: int = Field(default=8, ge=1)
    verify_cpu_seconds: float = Field(default=5.0, gt=0)
    verify_timeout_seconds: float = Field(default=30.0, gt=0)
    verify_workers: int = Field(default=2, ge=1, le=64)
    verify_queue: int = Field(default=8, ge=0)
    allow_http_loopback: bool = False
    #: sessions end after this many hours unused, and this many days after signing in
    session_idle_hours: float = Field(default=24.0, gt=0)
    session_max_days: float = Field(default=14.0, gt=0)
    #: overrides of ``core.rate_limit.DEFAULT_LIMITS``: ``"api-token=600/minute,..."``
    rate_limits: str = ""
    sqlite_busy_timeout_ms: int = Field(default=DEFAULT_SQLITE_BUSY_TIMEOUT_MS, ge=0, le=600_000)

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        """Resolve the home once so that a later ``chdir`` cannot move the database."""
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return normalise_database_url(value.strip())

    @field_validator("rate_limits")
    @classmethod
    def _readable_limits(cls, value: str) -> str:
        parse_limits(value)  # raises ValueError naming the entry that is wrong
        return value

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        """Public URLs are built as ``base_url + path``; a trailing slash would double it."""
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("status_list_ttl_seconds")
    @classmethod
    def _ttl_within_validity(cls, value: int, info: ValidationInfo) -> int:
        """A list re-signed at half its validity must still outlive one ttl of caching."""
        validity = info.data.get("status_list_validity_seconds")
        if isinstance(validity, int) and value * 2 > validity:
            raise ValueError(
                f"must be at most half of CREDSTACK_STATUS_LIST_VALIDITY_SECONDS ({validity})"
            )
        return value

    @property
    def effective_database_url(self) -> str:
        """The database URL to connect to: the given one, or SQLite inside the home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / DATABASE_FILE_NAME}"

    @property
    def secret_key_path(self) -> Path:
        """Where the generated master secret lives when ``CREDSTACK_SECRET_KEY`` is unset."""
        return self.home / SECRET_FILE_NAME

    def master_secret(self) -> bytes:
        """The master secret that encrypts private keys at rest.

        ``CREDSTACK_SECRET_KEY`` wins; otherwise the file that ``credstack init`` wrote.
        """
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if value:
                return value.encode("utf-8")
        try:
            value = self.secret_key_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ConfigurationError(
                f"no master secret: set CREDSTACK_SECRET_KEY or run 'credstack init' "
                f"to create {self.secret_key_path}"
            ) from None
        if not value:
            raise ConfigurationError(f"the master secret file {self.secret_key_path} is empty")
        return value.encode("utf-8")


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment (and explicit overrides) at the edge."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except PydanticValidationError as exc:
        parts = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            parts.append(f"CREDSTACK_{field.upper()}: {message}")
        raise ConfigurationError("invalid settings: " + "; ".join(parts)) from None
