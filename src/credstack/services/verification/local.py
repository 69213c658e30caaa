"""Verifying with what this deployment knows first-hand, and counting those verifications.

The public page, the wallet, the verify page and the API verify our own credentials
against our own status lists, DID documents and vouched-for issuers, read straight from
the database (no HTTP round trip to ourselves); a verification of one of our credentials
is counted for the issuer's dashboard.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.report import VerificationReport
from credstack.core.verify import verify
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import did_document
from credstack.services.issuers.trust import issuer_lookup
from credstack.services.status.lists import status_list_document
from credstack.services.verification.verify import LocalRegistry, VerificationRequest, options_for
from credstack.store.engine import best_effort
from credstack.store.models import Award, Organization


def local_registry(session: Session, ctx: ServiceContext) -> LocalRegistry:
    """What this deployment serves itself: its status lists and issuers' DID documents.

    Read straight from the database so that a page verifying one of our credentials needs
    no HTTP round trip to itself; any other URL answers None and is fetched as usual.
    Issuers count as trusted when someone vouched for them (``issuers.trust``): the
    operator, a domain linkage, an imported registry; signing up is not enough.
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
        trusted_issuers=issuer_lookup(session, ctx.now()),
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
