"""The verification report: an ordered list of checks, each pass, fail, warn or skip.

A failed verification is data, not an exception (architecture §3): the web page, the API and the
CLI all render the same report, so an employer sees *which* check failed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CheckStatus(StrEnum):
    """Outcome of one check: ``warn`` never fails a credential; ``skip`` = not applicable."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


#: The checks of architecture §7, in the order they run and are reported.
CHECK_ORDER: tuple[str, ...] = (
    "parse",
    "context",
    "schema",
    "proof",
    "issuer-key",
    "dates",
    "status",
    "recipient",
    "issuer-trust",
)


#: what one check returns: its id, its status and the sentence shown for it
Outcome = tuple[str, CheckStatus, str]


@dataclass(frozen=True)
class Check:
    """One line of the report: which check, its outcome, and a sentence a person understands."""

    id: str
    status: CheckStatus
    message: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status.value, "message": self.message}


@dataclass(frozen=True)
class CredentialSummary:
    """The few facts a verifier shows beside the checks."""

    id: str | None
    issuer: str | None
    name: str | None
    issuer_name: str | None = None
    achievement_name: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"id": self.id, "issuer": self.issuer, "name": self.name}


@dataclass(frozen=True)
class TrustedIssuer:
    """What someone this deployment believes says about an issuer id.

    ``name`` is the voucher's name for the issuer (never the credential's own claim) and
    ``how`` says who vouched and how, one phrase each: "verified by this Credstack's
    operator", "proved control of https://example.org (DIF domain linkage)", "listed in
    the registry DCC Community Registry".
    """

    name: str
    how: tuple[str, ...]


@dataclass
class VerificationReport:
    """Everything known about one input after verification."""

    input: str
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    summary: CredentialSummary | None = None
    #: how the credential reached us: ``json``, ``jwt``, ``png``, ``svg``
    format: str | None = None
    #: who vouches for the issuer, set only when the issuer-trust check passed: pages show
    #: this name, never the credential's claimed ``issuer.name``, as the issuer
    trusted_issuer: TrustedIssuer | None = None

    @property
    def verified(self) -> bool:
        """True when no check failed and the essential checks actually ran and passed."""
        if any(c.status is CheckStatus.FAIL for c in self.checks):
            return False
        passed = {c.id for c in self.checks if c.status is CheckStatus.PASS}
        return {"parse", "proof", "issuer-key"} <= passed

    @property
    def parsed(self) -> bool:
        """False when no credential could be read from the input at all (CLI exit code 2)."""
        return self.credential is not None

    def add(self, check_id: str, status: CheckStatus, message: str) -> None:
        self.checks.append(Check(check_id, status, message))

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def to_json(self) -> dict[str, Any]:
        """The machine-readable shape of architecture §6 (``verify --json`` and the API)."""
        summary = self.summary.to_json() if self.summary else None
        return {
            "input": self.input,
            "verified": self.verified,
            "checks": [c.to_json() for c in self.checks],
            "credential": summary,
        }
