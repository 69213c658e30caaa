"""Check 9 of verify(): who vouches for the issuer, worded so a claimed name is never a fact.

Anyone can sign a credential whose ``issuer.name`` reads "Northbridge University": the
name is whatever the signer typed. A valid signature proves only that the holder of a
DID's key signed it. So the check asks someone this deployment believes (its operator,
a domain linkage it checked, an issuer registry it imported) *who that DID is*, and
reports the voucher's name and how it vouched. When nobody vouches, it says so in words
that keep the claimed name a claim: "signed by did:… which calls itself X; nobody here
has confirmed who that is". Trust is a warning, never a failure (design §7).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from credstack.core.jsonld_values import node_id
from credstack.core.report import CheckStatus, Outcome, TrustedIssuer

#: who vouches for an issuer id (a DID or URL): None when nobody this deployment believes does
IssuerLookup = Callable[[str], TrustedIssuer | None]


def nobody_vouches(issuer_id: str) -> TrustedIssuer | None:
    """The lookup of a verifier that knows no issuers at all (the default)."""
    return None


def claimed_name(credential: dict[str, Any]) -> str | None:
    """The issuer's name as the credential states it (a claim, not a fact)."""
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def check_issuer_trust(
    credential: dict[str, Any], lookup: IssuerLookup, *, signature_confirmed: bool
) -> tuple[Outcome, TrustedIssuer | None]:
    """The issuer-trust outcome, and the voucher's record when the check passes.

    ``signature_confirmed`` is whether the issuer-key check passed: only then is the
    credential known to come from the issuer id it names, so only then can a voucher's
    word about that id pass, and only then may the message speak of a valid signature.
    """
    issuer_id = node_id(credential.get("issuer"))
    if issuer_id is None:
        return (
            "issuer-trust",
            CheckStatus.WARN,
            "the credential names no issuer id, so nobody can vouch for who made it",
        ), None
    claimed = claimed_name(credential)
    calls = f" which calls itself {claimed}" if claimed else " which gives no name"
    vouched = lookup(issuer_id)
    if vouched is not None and signature_confirmed:
        also = ""
        if claimed is not None and _folded(claimed) != _folded(vouched.name):
            also = f"; the credential calls it {claimed}"
        how = "; ".join(vouched.how)
        message = f"verified issuer {vouched.name} ({issuer_id}): {how}{also}"
        return ("issuer-trust", CheckStatus.PASS, message), vouched
    if vouched is not None:
        return (
            "issuer-trust",
            CheckStatus.WARN,
            f"the credential names the verified issuer {vouched.name} ({issuer_id}), but "
            "its signature is not confirmed to be theirs (see the proof and issuer-key checks)",
        ), None
    if signature_confirmed:
        message = f"signed by {issuer_id}{calls}; nobody here has confirmed who that is"
    else:
        message = (
            f"the credential names the issuer {issuer_id}{calls}; its signature is not "
            "confirmed and nobody here has confirmed who that is"
        )
    return ("issuer-trust", CheckStatus.WARN, message), None


def _folded(name: str) -> str:
    """A name compared without case, accents or spacing differences."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_name.casefold().split())
