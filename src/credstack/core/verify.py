"""verify(): the ordered checks of architecture §7, every one reported.

The function is pure: the clock, the fetcher, the JSON-LD loader and the local registries
come in as :class:`VerifyOptions`, so the CLI, the API and the tests run the very same
code, and a verifier with no network can still check a credential whose documents it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from credstack.core.contexts import DocumentLoader, offline_loader
from credstack.core.dids import Fetch as Fetcher
from credstack.core.errors import CredstackError, InputError, VerificationBudgetError
from credstack.core.inputs import ParsedInput, parse_input
from credstack.core.issuer_trust import IssuerLookup, check_issuer_trust, nobody_vouches
from credstack.core.jsonld_values import node_id
from credstack.core.report import (
    CHECK_ORDER,
    CheckStatus,
    CredentialSummary,
    Outcome,
    VerificationReport,
)
from credstack.core.verify_budget import VerifyBudget, check_shape
from credstack.core.verify_checks import (
    check_context,
    check_dates,
    check_recipient,
    check_schema,
)
from credstack.core.verify_proof import KeyResolver, check_proof_and_key
from credstack.core.verify_status import LocalStatusLookup, check_status


@dataclass(frozen=True)
class VerifyOptions:
    """Everything verify() needs from the outside world."""

    now: datetime
    fetch: Fetcher
    loader: DocumentLoader = field(default_factory=offline_loader)
    recipient: str | None = None
    #: who vouches for an issuer id (this deployment's verified issuers, its registries)
    trusted_issuers: IssuerLookup = nobody_vouches
    local_status: LocalStatusLookup | None = None
    #: documents this deployment serves itself (DID documents), consulted before fetching
    local_documents: Callable[[str], bytes | None] | None = None
    #: the most this verification may cost (size, entries, proofs are checked here)
    budget: VerifyBudget = field(default_factory=VerifyBudget)


def verify(data: bytes | str, *, input_name: str, options: VerifyOptions) -> VerificationReport:
    """Verify one input (JSON, compact JWT, baked PNG or SVG) and report every check.

    An input over ``options.budget`` is an unreadable input whose reason names the limit.
    """
    try:
        return verify_within_budget(data, input_name=input_name, options=options)
    except VerificationBudgetError as exc:
        return unreadable(input_name, str(exc))


def verify_within_budget(
    data: bytes | str, *, input_name: str, options: VerifyOptions
) -> VerificationReport:
    """:func:`verify`, but an input over budget raises :class:`VerificationBudgetError`.

    For callers that answer an over-budget input differently from an unreadable one
    (the API's 413 and 422 problems); every other problem is still a report.
    """
    try:
        parsed = parse_within_budget(data, options.budget)
    except VerificationBudgetError:
        raise
    except InputError as exc:
        return unreadable(input_name, str(exc))
    except Exception as exc:  # hostile input must end in a report, never a crash
        return unreadable(input_name, f"the input could not be read: {exc!r}")
    return verify_parsed(parsed, report=VerificationReport(input=input_name), options=options)


def parse_within_budget(data: bytes | str, budget: VerifyBudget) -> ParsedInput:
    """Read the credential from ``data`` and check its shape against ``budget``.

    Raises :class:`VerificationBudgetError` (a subclass of ``InputError``) when it is
    over budget, ``InputError`` when no credential can be read.
    """
    parsed = parse_input(data, max_bytes=budget.max_bytes)
    check_shape(parsed.credential, budget)
    return parsed


def unreadable(input_name: str, reason: str) -> VerificationReport:
    """The report for an input from which no credential could be read at all."""
    report = VerificationReport(input=input_name)
    report.add("parse", CheckStatus.FAIL, reason)
    for check_id in CHECK_ORDER[1:]:
        report.add(check_id, CheckStatus.SKIP, "not run: no credential could be read")
    return report


def verify_parsed(
    parsed: ParsedInput, *, report: VerificationReport, options: VerifyOptions
) -> VerificationReport:
    """Run checks 2 to 9 on an already parsed credential."""
    credential = parsed.credential
    report.credential = credential
    report.format = parsed.format
    report.summary = summarize(credential)
    described = {"json": "JSON", "jwt": "VC-JWT", "png": "baked PNG", "svg": "baked SVG"}
    report.add("parse", CheckStatus.PASS, f"read a credential from {described[parsed.format]}")
    resolver = KeyResolver(fetch=_local_first(options), loader=options.loader)
    steps: Iterable[tuple[tuple[str, ...], Callable[[], Outcome | list[Outcome]]]]
    steps = (
        (("context",), lambda: check_context(credential)),
        (("schema",), lambda: check_schema(credential)),
        (
            ("proof", "issuer-key"),
            lambda: check_proof_and_key(
                parsed, resolver=resolver, loader=options.loader, now=options.now
            ),
        ),
        (
            ("dates",),
            lambda: check_dates(credential, now=options.now, token_claims=parsed.token_claims),
        ),
        (
            ("status",),
            lambda: check_status(
                credential,
                fetch=_local_first(options),
                local_status=options.local_status,
                resolver=resolver,
                loader=options.loader,
                now=options.now,
            ),
        ),
        (("recipient",), lambda: check_recipient(credential, options.recipient)),
        (("issuer-trust",), lambda: _issuer_trust(credential, report, options)),
    )
    for check_ids, step in steps:
        try:
            outcome = step()
        except CredstackError as exc:  # a check that cannot run is a failed check
            outcome = _could_not_run(check_ids, str(exc))
        except Exception as exc:  # hostile input must end in a report, never a crash
            outcome = _could_not_run(check_ids, f"the credential could not be checked: {exc!r}")
        for check_id, status, message in outcome if isinstance(outcome, list) else [outcome]:
            report.add(check_id, status, message)
    return report


def _issuer_trust(
    credential: dict[str, Any], report: VerificationReport, options: VerifyOptions
) -> Outcome:
    """Check 9, told whether check 5 tied the signature to the issuer; keeps the voucher."""
    key_check = report.check("issuer-key")
    confirmed = key_check is not None and key_check.status is CheckStatus.PASS
    outcome, vouched = check_issuer_trust(
        credential, options.trusted_issuers, signature_confirmed=confirmed
    )
    report.trusted_issuer = vouched
    return outcome


def _could_not_run(check_ids: tuple[str, ...], reason: str) -> list[Outcome]:
    """The first check of a step fails with the reason; the rest of that step are skipped."""
    first, *rest = check_ids
    skipped = f"not checked: the {first} check could not run"
    return [(first, CheckStatus.FAIL, reason), *((c, CheckStatus.SKIP, skipped) for c in rest)]


def _local_first(options: VerifyOptions) -> Fetcher:
    """Serve our own documents from the store before asking the network."""
    local = options.local_documents
    if local is None:
        return options.fetch

    def fetch(url: str) -> bytes:
        found = local(url)
        return found if found is not None else options.fetch(url)

    return fetch


def summarize(credential: dict[str, Any]) -> CredentialSummary:
    """The facts shown beside the checks: id, issuer, name and dates."""
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement_name = achievement.get("name") if isinstance(achievement, dict) else None
    name = credential.get("name") or achievement_name
    return CredentialSummary(
        id=_str_or_none(credential.get("id")),
        issuer=node_id(issuer),
        name=_str_or_none(name),
        issuer_name=_str_or_none(issuer_name),
        achievement_name=_str_or_none(achievement_name),
        valid_from=_str_or_none(credential.get("validFrom") or credential.get("issuanceDate")),
        valid_until=_str_or_none(credential.get("validUntil") or credential.get("expirationDate")),
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
