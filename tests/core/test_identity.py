"""OB 3.0 identity hashes: the spec's own example, salts, case, and non-email identities."""

from __future__ import annotations

import hashlib

import pytest

from credstack.core.errors import InputError
from credstack.core.identity import (
    email_identity,
    hash_identity,
    identity_matches,
    name_identity,
)


def test_hash_reproduces_the_example_in_the_ob3_schema() -> None:
    # The OB 3.0 IdentityHash definition: 'a@example.com' salted with 'Kosher'.
    expected = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    assert hash_identity("a@example.com", "Kosher") == expected


def test_email_identity_hashes_the_lowercased_address_and_never_contains_it() -> None:
    obj = email_identity("  Alice.Smith@Example.ORG ", "pepper")
    assert obj["hashed"] is True
    assert obj["identityType"] == "emailAddress"
    assert obj["salt"] == "pepper"
    assert "alice" not in obj["identityHash"].lower()
    assert obj["identityHash"] == hash_identity("alice.smith@example.org", "pepper")


@pytest.mark.parametrize(
    "typed", ["alice.smith@example.org", "Alice.Smith@Example.org", " ALICE.SMITH@EXAMPLE.ORG "]
)
def test_matching_ignores_case_and_spaces(typed: str) -> None:
    assert identity_matches(email_identity("alice.smith@example.org", "s1"), typed)


def test_other_address_or_wrong_salt_does_not_match() -> None:
    obj = email_identity("alice@example.org", "s1")
    assert not identity_matches(obj, "bob@example.org")
    assert not identity_matches({**obj, "salt": "s2"}, "alice@example.org")


def test_hash_from_another_issuer_of_the_verbatim_mixed_case_address_matches() -> None:
    digest = hashlib.sha256(b"Alice@Example.org" + b"x").hexdigest().upper()
    obj = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "x",
        "identityHash": f"SHA256${digest}",
    }
    assert identity_matches(obj, "Alice@Example.org")


def test_md5_and_unsalted_hashes_match() -> None:
    digest = hashlib.md5(b"alice@example.org").hexdigest()
    obj = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": f"md5${digest}",
    }
    assert identity_matches(obj, "alice@example.org")
    assert not identity_matches(obj, "alice@example.com")


def test_plain_email_identity_matches_case_insensitively() -> None:
    obj = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": False,
        "identityHash": "Student@1EdTech.edu",
    }
    assert identity_matches(obj, "student@1edtech.edu")


def test_a_name_identity_never_matches_an_email() -> None:
    obj = name_identity("alice@example.org")
    assert not identity_matches(obj, "alice@example.org")


def test_unknown_algorithm_does_not_match() -> None:
    obj = email_identity("alice@example.org", "s")
    obj["identityHash"] = obj["identityHash"].replace("sha256$", "sha512$")
    assert not identity_matches(obj, "alice@example.org")


def test_name_identity_is_plain_and_whitespace_tidy() -> None:
    assert name_identity("  Maria   Rossi ") == {
        "type": "IdentityObject",
        "identityHash": "Maria Rossi",
        "identityType": "name",
        "hashed": False,
    }
    with pytest.raises(InputError):
        name_identity("   ")
    with pytest.raises(InputError):
        hash_identity("", "salt")
