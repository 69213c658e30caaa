"""The checks of verify() that need no key material: contexts, schema, dates, recipient."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from credstack.core.contexts import bundled_context_urls
from credstack.core.identity import identity_matches
from credstack.core.jsonld_values import as_list
from credstack.core.report import CheckStatus, Outcome
from credstack.core.schemas import validate_credential
from credstack.core.timestamps import format_datetime, from_numeric_date, parse_datetime

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"})


def check_context(credential: dict[str, Any]) -> Outcome:
    """Contexts known and in order (VC first, then OB 3.0), and the credential types."""
    contexts = as_list(credential.get("@context"))
    if not contexts:
        return ("context", CheckStatus.FAIL, "the credential has no @context")
    if not all(isinstance(c, str) for c in contexts):
        return (
            "context",
            CheckStatus.FAIL,
            "the credential embeds a context object; only published, known contexts are accepted",
        )
    if contexts[0] not in (VC2_CONTEXT, VC1_CONTEXT):
        return (
            "context",
            CheckStatus.FAIL,
            f"the first @context must be {VC2_CONTEXT}, not {contexts[0]}",
        )
    unknown = [c for c in contexts if c not in bundled_context_urls()]
    if unknown:
        return ("context", CheckStatus.FAIL, f"unknown JSON-LD context: {', '.join(unknown)}")
    if not any(c.startswith(OB_CONTEXT_PREFIX) for c in contexts):
        return ("context", CheckStatus.FAIL, "the Open Badges 3.0 context is missing")
    types = as_list(credential.get("type"))
    if not all(isinstance(kind, str) for kind in types):
        return ("context", CheckStatus.FAIL, "every entry of type must be a string")
    if "VerifiableCredential" not in types:
        return ("context", CheckStatus.FAIL, "type does not include VerifiableCredential")
    if not OB_TYPES.intersection(types):
        return (
            "context",
            CheckStatus.FAIL,
            "type names no Open Badges credential (OpenBadgeCredential, AchievementCredential "
            "or EndorsementCredential)",
        )
    legacy = " (VC Data Model 1.1)" if contexts[0] == VC1_CONTEXT else ""
    return (
        "context",
        CheckStatus.PASS,
        f"known contexts in order{legacy}; type {', '.join(types)}",
    )


def check_schema(credential: dict[str, Any]) -> Outcome:
    """The OB 3.0 JSON Schema matching the credential's type."""
    problems = validate_credential(credential)
    if not problems:
        return ("schema", CheckStatus.PASS, "matches the Open Badges 3.0 JSON Schema")
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return ("schema", CheckStatus.FAIL, f"does not match the OB 3.0 schema: {shown}{more}")


def check_dates(
    credential: dict[str, Any],
    *,
    now: datetime,
    token_claims: Mapping[str, Any] | None = None,
) -> Outcome:
    """validFrom / validUntil (or their VCDM 1.1 names) against now.

    A VC-JWT's ``nbf`` and ``exp`` *are* the credential's validFrom and validUntil
    (OB 3.0 §8.2.4.1), so a token that has expired is expired even when the credential
    inside states no validUntil.
    """
    start_raw = credential.get("validFrom") or credential.get("issuanceDate")
    end_raw = credential.get("validUntil") or credential.get("expirationDate")
    start = parse_datetime(start_raw) if isinstance(start_raw, str) else None
    end = parse_datetime(end_raw) if isinstance(end_raw, str) else None
    if start_raw is not None and start is None:
        return ("dates", CheckStatus.FAIL, f"validFrom is not a date-time: {start_raw!r}")
    if end_raw is not None and end is None:
        return ("dates", CheckStatus.FAIL, f"validUntil is not a date-time: {end_raw!r}")
    claims = token_claims or {}
    for claim in ("nbf", "exp"):
        if claims.get(claim) is not None and from_numeric_date(claims[claim]) is None:
            return ("dates", CheckStatus.FAIL, f"the VC-JWT's {claim} is not a NumericDate")
    if start is None and claims.get("nbf") is not None:
        start = from_numeric_date(claims["nbf"])
        start_raw = f"{format_datetime(start)} (the VC-JWT's nbf)" if start else None
    if end is None and claims.get("exp") is not None:
        end = from_numeric_date(claims["exp"])
        end_raw = f"{format_datetime(end)} (the VC-JWT's exp)" if end else None
    if start is not None and now < start:
        return ("dates", CheckStatus.FAIL, f"not valid yet: valid from {start_raw}")
    if end is not None and now >= end:
        return ("dates", CheckStatus.FAIL, f"expired on {end_raw}")
    if start is None:
        return ("dates", CheckStatus.WARN, "the credential states no validFrom date")
    until = f" until {end_raw}" if end_raw else ", with no expiry"
    return ("dates", CheckStatus.PASS, f"valid from {start_raw}{until}")


def check_recipient(credential: dict[str, Any], recipient: str | None) -> Outcome:
    """Whether the credential names the e-mail address the verifier expects."""
    if not recipient:
        return ("recipient", CheckStatus.SKIP, "no recipient e-mail given to compare")
    for subject in as_list(credential.get("credentialSubject")):
        if not isinstance(subject, dict):
            continue
        for identity in as_list(subject.get("identifier")):
            if isinstance(identity, dict) and identity_matches(identity, recipient):
                return ("recipient", CheckStatus.PASS, f"issued to {recipient}")
    return ("recipient", CheckStatus.FAIL, f"not issued to {recipient}")
