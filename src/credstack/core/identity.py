"""OB 3.0 identity hashes: how a credential names its learner without printing the e-mail.

Why: a credential is shown to employers and published on public pages; the learner's
e-mail address must not leak from it, yet a verifier who knows the address must be able
to confirm "this was issued to alice@example.org". Open Badges 3.0 solves this with an
``IdentityObject`` whose ``identityHash`` is ``<algorithm>$<hex digest>`` of the UTF-8
identifier followed by the salt (``sha256`` or ``md5``; upper- or lower-case hex).

The specification does not say how to normalise an e-mail before hashing. Credstack
hashes the trimmed, lower-cased address (the form people mean; mail systems treat
addresses case-insensitively in practice) and, when matching, accepts a hash of either
the address as typed or its lower-cased form, so credentials from issuers that hashed
the address verbatim still match.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from credstack.core.errors import InputError

_ALGORITHMS = {"sha256": hashlib.sha256, "md5": hashlib.md5}


def normalize_email(email: str) -> str:
    """The form of an e-mail address Credstack hashes: trimmed and lower-cased."""
    return email.strip().lower()


def hash_identity(value: str, salt: str) -> str:
    """``sha256$<hex>`` of ``value + salt`` (UTF-8), as OB 3.0's IdentityHash defines it.

    The value is hashed exactly as given; call :func:`normalize_email` first for
    e-mail addresses.
    """
    if not value:
        raise InputError("cannot hash an empty identity: give the learner's e-mail address")
    digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def _hash_matches(identity_hash: str, candidate: str, salt: str) -> bool:
    algorithm, sep, expected = identity_hash.partition("$")
    hasher = _ALGORITHMS.get(algorithm.lower())
    if not sep or hasher is None:
        return False
    actual = hasher((candidate + salt).encode("utf-8")).hexdigest()
    return hmac.compare_digest(actual, expected.strip().lower())


def identity_matches(identifier: Mapping[str, Any], email: str) -> bool:
    """True when an ``IdentityObject`` of type ``emailAddress`` names ``email``.

    Hashed identities are compared with the salt (absent salt = unsalted, as the
    specification says); plain ones case-insensitively. Objects of other identity types
    (a name, a student id) never match an e-mail address.
    """
    if identifier.get("identityType") != "emailAddress":
        return False
    stated = identifier.get("identityHash")
    if not isinstance(stated, str) or not email.strip():
        return False
    if identifier.get("hashed") is not True:
        return normalize_email(stated) == normalize_email(email)
    salt = identifier.get("salt")
    salt_text = salt if isinstance(salt, str) else ""
    candidates = {email.strip(), normalize_email(email)}
    return any(_hash_matches(stated, candidate, salt_text) for candidate in candidates)


def email_identity(email: str, salt: str) -> dict[str, Any]:
    """The salted, hashed ``IdentityObject`` for a learner's e-mail address."""
    return {
        "type": "IdentityObject",
        "identityHash": hash_identity(normalize_email(email), salt),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def name_identity(name: str) -> dict[str, Any]:
    """The plain ``IdentityObject`` carrying the learner's name (EU Annex I: learner)."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InputError("the learner's name is empty: give the name to print on the credential")
    return {
        "type": "IdentityObject",
        "identityHash": cleaned,
        "identityType": "name",
        "hashed": False,
    }
