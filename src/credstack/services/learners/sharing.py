"""What a shared credential shows: its facts, its LinkedIn link, its QR code, its live status.

The public page, the wallet and the PDF certificate all show the same facts, read from the
credential *as signed* (never from the editable achievement), so what a person sees is
what a verifier checks. The issuer row adds only what the credential cannot carry (the
LinkedIn organisation id). :func:`local_registry` lets a live verification use this
deployment's own status lists without a network round trip to itself.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.eu_elements import LEARNING_OUTCOME
from credstack.core.jsonld_values import as_list
from credstack.core.report import VerificationReport
from credstack.core.timestamps import parse_datetime
from credstack.core.verify import verify
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import did_document
from credstack.services.revocation.status_lists import status_list_document
from credstack.services.verification.verify import LocalRegistry, VerificationRequest, options_for
from credstack.store.engine import best_effort
from credstack.store.models import Award, AwardState, Organization

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"
#: alignment target types that name a skill or occupation (core.skill_alignments)
SKILL_TARGET_TYPES = frozenset(
    {"ext:ESCOSkill", "ext:ESCOOccupation", "ext:ONETElement", "ext:ONETOccupation"}
)


@dataclass(frozen=True)
class Alignment:
    """One alignment as a person reads it: name, framework, link, and what it means here."""

    name: str
    framework: str | None
    url: str | None
    description: str | None


@dataclass(frozen=True)
class CredentialFacts:
    """Everything the public page, the wallet card and the PDF certificate print."""

    award_id: str
    url: str
    learner_name: str
    achievement_name: str
    achievement_description: str | None
    criteria: str | None
    issuer_name: str
    issuer_url: str | None
    issuer_linkedin_id: str | None
    image_url: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    revoked: bool
    revocation_reason: str | None
    credits: str | None
    learning_outcomes: list[str] = field(default_factory=list)
    skills: list[Alignment] = field(default_factory=list)
    eu_elements: list[Alignment] = field(default_factory=list)


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):  # a language map {"en": "..."} or {"@value": "..."}
        for item in value.values():
            if isinstance(item, str) and item.strip():
                return item.strip()
    return None


def _alignment(item: dict[str, Any]) -> Alignment:
    return Alignment(
        name=_text(item.get("targetName")) or "(unnamed)",
        framework=_text(item.get("targetFramework")),
        url=_text(item.get("targetUrl")),
        description=_text(item.get("targetDescription")),
    )


def credential_facts(ctx: ServiceContext, award: Award, issuer: Organization) -> CredentialFacts:
    """Read the facts of ``award`` from its signed credential (``issuer`` is its organisation)."""
    credential: dict[str, Any] = json.loads(award.credential)
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer_json = credential.get("issuer")
    issuer_json = issuer_json if isinstance(issuer_json, dict) else {}
    outcomes: list[str] = []
    skills: list[Alignment] = []
    elements: list[Alignment] = []
    for item in as_list(achievement.get("alignment")):
        if not isinstance(item, dict):
            continue
        target_type = item.get("targetType")
        if target_type == LEARNING_OUTCOME:
            outcomes.append(_alignment(item).name)
        elif target_type in SKILL_TARGET_TYPES:
            skills.append(_alignment(item))
        else:
            elements.append(_alignment(item))
    criteria = achievement.get("criteria")
    image = achievement.get("image")
    credits = achievement.get("creditsAvailable")
    return CredentialFacts(
        award_id=award.id,
        url=ctx.url(f"/credentials/{award.id}"),
        learner_name=award.recipient_name,
        achievement_name=_text(achievement.get("name")) or "(unnamed achievement)",
        achievement_description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        issuer_name=_text(issuer_json.get("name")) or issuer.name,
        issuer_url=_text(issuer_json.get("url")) or issuer.url,
        issuer_linkedin_id=issuer.linkedin_organization_id or None,
        image_url=_text(image.get("id")) if isinstance(image, dict) else _text(image),
        valid_from=parse_datetime(credential.get("validFrom")) or award.valid_from,
        valid_until=parse_datetime(credential.get("validUntil")) or award.valid_until,
        revoked=award.state is AwardState.REVOKED,
        revocation_reason=award.revocation_reason,
        credits=f"{credits:g}" if isinstance(credits, int | float) else None,
        learning_outcomes=outcomes,
        skills=skills,
        eu_elements=elements,
    )


def linkedin_add_url(facts: CredentialFacts) -> str:
    """LinkedIn's add-to-profile link (``startTask=CERTIFICATION_NAME``), no empty parameter.

    ``organizationId`` when the issuer gave its LinkedIn company id, else
    ``organizationName``; the expiration pair only when the credential expires.
    """
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", facts.achievement_name),
    ]
    if facts.issuer_linkedin_id:
        params.append(("organizationId", facts.issuer_linkedin_id))
    else:
        params.append(("organizationName", facts.issuer_name))
    if facts.valid_from is not None:
        params += [
            ("issueYear", str(facts.valid_from.year)),
            ("issueMonth", str(facts.valid_from.month)),
        ]
    if facts.valid_until is not None:
        params += [
            ("expirationYear", str(facts.valid_until.year)),
            ("expirationMonth", str(facts.valid_until.month)),
        ]
    params += [("certUrl", facts.url), ("certId", facts.award_id)]
    return LINKEDIN_ADD_URL + "?" + urlencode([(k, v) for k, v in params if v])


def qr_svg(url: str) -> str:
    """An inline SVG QR code of ``url`` (no XML declaration, so it embeds in HTML)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title=url
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The same QR code as a PNG (for the PDF certificate)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def local_registry(session: Session, ctx: ServiceContext) -> LocalRegistry:
    """What this deployment serves itself: its status lists and issuers' DID documents.

    Read straight from the database so that a page verifying one of our credentials needs
    no HTTP round trip to itself; any other URL answers None and is fetched as usual.
    Every issuer registered here is trusted.
    """
    status_prefix = ctx.url("/status/")
    issuer_prefix = ctx.url("/issuers/")
    issuers = session.scalars(select(Organization)).all()
    by_slug = {org.slug: org for org in issuers}

    def status_list(url: str) -> dict[str, Any] | None:
        if not url.startswith(status_prefix):
            return None
        document = status_list_document(session, ctx, url.removeprefix(status_prefix))
        parsed: dict[str, Any] = json.loads(document.text)
        return parsed

    def document(url: str) -> bytes | None:
        if not (url.startswith(issuer_prefix) and url.endswith("/did.json")):
            return None
        org = by_slug.get(url.removeprefix(issuer_prefix).removesuffix("/did.json"))
        if org is None or org.did is None:
            return None
        return json.dumps(did_document(session, org)).encode("utf-8")

    return LocalRegistry(
        trusted_issuers=frozenset(org.did for org in issuers if org.did),
        status_list=status_list,
        document=document,
    )


def live_verification(session: Session, ctx: ServiceContext, award: Award) -> VerificationReport:
    """Verify the stored credential now, as a stranger would, with our own registry.

    The award's status list is (re)published before the clock is read, so a list signed
    during this very check can never look "not yet valid".
    """
    if award.status_list_id is not None:
        status_list_document(session, ctx, award.status_list_id)
    request = VerificationRequest(inputs=[], registry=local_registry(session, ctx))
    return verify(
        award.credential.encode("utf-8"),
        input_name=ctx.url(f"/credentials/{award.id}"),
        options=options_for(request, now=ctx.now()),
    )


def record_verification(
    session: Session, ctx: ServiceContext, report: VerificationReport, *, via: str
) -> Award | None:
    """Log ``credential.verified`` when the verified credential is one of ours.

    This feeds the issuer dashboard's "verified" count; credentials of other issuers
    leave no trace. ``via`` says where the check ran (``web``, ``api``). A count, not a
    record anyone relies on: the verify routes read only (they must not hold SQLite's
    write lock while they verify), so when another write holds the lock the event is
    dropped rather than the answer failed.
    """
    credential_id = report.credential.get("id") if report.credential else None
    prefix = ctx.url("/credentials/")
    if not isinstance(credential_id, str) or not credential_id.startswith(prefix):
        return None
    award = session.get(Award, credential_id.removeprefix(prefix))
    if award is None:
        return None
    with best_effort(session):
        audit.record(
            session,
            ctx,
            "credential.verified",
            subject_type="award",
            subject_id=award.id,
            organization_id=award.organization_id,
            data={"verified": report.verified, "via": via, "format": report.format},
        )
    return award
