"""Who vouches for an issuer (``services.issuers.trust``), as a live verification sees it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from credstack.services.issuers.keys import rotate_key
from credstack.services.issuers.trust import issuer_lookup, trust_of, verify_issuer
from credstack.services.verification.local import live_verification
from issued_awards import issue, make_context, new_achievement, new_issuer


def test_signing_up_is_not_being_vouched_for(db: Session, tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    report = live_verification(db, ctx, award)
    check = report.check("issuer-trust")
    assert report.verified and check is not None
    assert check.status.value == "warn"
    assert check.message == (
        f"signed by {org.did} which calls itself Issuer acme; nobody here has confirmed who that is"
    )
    assert report.trusted_issuer is None
    assert not trust_of(org, ctx.now()).verified


def test_the_operators_word_makes_it_a_verified_issuer(db: Session, tmp_path: Path) -> None:
    ctx = make_context(tmp_path)
    org = new_issuer(db, ctx)
    assert verify_issuer(db, ctx, org)
    assert not verify_issuer(db, ctx, org)  # once is enough
    award = issue(db, ctx, org, new_achievement(db, org))
    check = live_verification(db, ctx, award).check("issuer-trust")
    assert check is not None and check.status.value == "pass"
    assert check.message == (
        f"verified issuer Issuer acme ({org.did}): verified by this Credstack's operator"
    )


def test_a_verified_did_key_issuer_stays_vouched_for_under_its_old_did(
    db: Session, tmp_path: Path
) -> None:
    ctx = make_context(tmp_path)
    org = new_issuer(db, ctx)
    verify_issuer(db, ctx, org)
    old_did = org.did
    assert old_did is not None
    rotate_key(db, ctx, org.slug)
    assert org.did != old_did
    lookup = issuer_lookup(db, ctx.now())
    for did in (old_did, org.did):
        assert did is not None
        vouched = lookup(did)
        assert vouched is not None and vouched.name == "Issuer acme"
    assert lookup("did:key:z6MkunknownXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX") is None
