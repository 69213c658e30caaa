"""Private keys at rest: sealed under the master secret, bound to their key id."""

import pytest

from credstack.core.errors import ConfigurationError
from credstack.services.issuers.sealing import seal, unseal

MASTER = b"a master secret of thirty-two bytes!"


def test_sealed_secret_opens_with_the_same_master_secret_and_key_id() -> None:
    sealed = seal(MASTER, "key-1", b"\x01" * 32)
    assert b"\x01" * 32 not in sealed
    assert unseal(MASTER, "key-1", sealed) == b"\x01" * 32


def test_another_master_secret_cannot_open_it_and_says_why() -> None:
    sealed = seal(MASTER, "key-1", b"secret")
    with pytest.raises(ConfigurationError, match="master secret differs"):
        unseal(b"another master secret, also long", "key-1", sealed)


def test_a_sealed_secret_moved_to_another_key_row_does_not_open() -> None:
    sealed = seal(MASTER, "key-1", b"secret")
    with pytest.raises(ConfigurationError):
        unseal(MASTER, "key-2", sealed)


def test_each_seal_uses_a_fresh_nonce() -> None:
    assert seal(MASTER, "k", b"same") != seal(MASTER, "k", b"same")
