"""``CREDSTACK_SMTP_URL``: one URL says where and how e-mail is sent.

Forms (documented in ``docs/operations.md``)::

    smtp://host[:port]                      plain SMTP, port 25 by default
    smtp://user:pass@host:587?starttls=1    upgrade with STARTTLS, then log in
    smtp+starttls://user:pass@host[:port]   the same, port 587 by default
    smtps://user:pass@host[:port]           implicit TLS, port 465 by default

Query parameters: ``starttls=1``, ``from=sender@example.org`` (the From address; default
``no-reply@<host of CREDSTACK_BASE_URL>``) and ``timeout=<seconds>`` (default 20).
User names and passwords are percent-decoded, so ``p%40ss`` is ``p@ss``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from credstack.core.errors import ConfigurationError

_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class SmtpSettings:
    """A parsed SMTP URL; ``password`` never appears in ``__repr__``-based messages."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    sender: str | None
    timeout: float

    @property
    def display(self) -> str:
        """``host:port`` for messages (no credentials)."""
        return f"{self.host}:{self.port}"


def _truthy(values: list[str]) -> bool:
    return bool(values) and values[-1].strip().lower() in {"1", "true", "yes", "on"}


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse ``CREDSTACK_SMTP_URL``; a bad URL is a ``ConfigurationError`` naming the fix."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ConfigurationError(
            f"CREDSTACK_SMTP_URL must start with smtp://, smtp+starttls:// or smtps:// "
            f"(got {scheme or 'no scheme'}://)"
        )
    if not parts.hostname:
        raise ConfigurationError("CREDSTACK_SMTP_URL has no host, e.g. smtp://mail.example.org")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise ConfigurationError("CREDSTACK_SMTP_URL has an invalid port") from None
    query = parse_qs(parts.query)
    timeout_text = (query.get("timeout") or [str(DEFAULT_TIMEOUT)])[-1]
    try:
        timeout = float(timeout_text)
    except ValueError:
        raise ConfigurationError(
            f"CREDSTACK_SMTP_URL timeout={timeout_text!r} is not a number of seconds"
        ) from None
    sender = (query.get("from") or [""])[-1].strip() or None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=scheme == "smtps",
        starttls=scheme == "smtp+starttls" or _truthy(query.get("starttls", [])),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        sender=sender,
        timeout=timeout,
    )
