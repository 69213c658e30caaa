"""Keys: Multikey/multibase encodings, Ed25519 and RSA pairs, JWK import/export, key files."""

from __future__ import annotations

import json

import pytest
from p256_signer import P256Signer
from proof_vectors import DI_EDDSA, load_json

from credstack.core.errors import KeyFormatError
from credstack.core.keys import (
    EcP256PublicKey,
    Ed25519KeyPair,
    Ed25519PublicKey,
    RsaKeyPair,
    RsaPublicKey,
    load_key_file,
    public_key_from_jwk,
)
from credstack.core.multibase import (
    b58decode,
    b58encode,
    b64url_decode,
    multibase_decode,
    multibase_encode,
)
from fixture_paths import VECTORS


def test_base58_round_trips_and_keeps_leading_zero_bytes() -> None:
    assert b58encode(b"") == ""
    assert b58encode(b"\x00\x00\x01") == "112"
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    for data in (b"\x00", b"\x00\xff\x00", bytes(range(40))):
        assert b58decode(b58encode(data)) == data


def test_multibase_rejects_unknown_prefix_and_bad_characters() -> None:
    assert multibase_decode(multibase_encode(b"\x01\x02", "u")) == b"\x01\x02"
    with pytest.raises(ValueError, match="prefix"):
        multibase_decode("m AQI")
    with pytest.raises(ValueError, match="base58btc"):
        multibase_decode("z0OIl")
    with pytest.raises(ValueError):
        b64url_decode("AQI=")


def test_multikey_encoding_matches_did_key_mappings() -> None:
    rows = load_json(VECTORS / "did-key" / "multikey-did-key-mappings.json")["keys"]
    ed_rows = [row for row in rows if row["multicodecHeaderHex"] == "ed01"]
    assert len(ed_rows) == 5
    for row in ed_rows:
        key = Ed25519PublicKey(bytes.fromhex(row["rawPublicKeyHex"]))
        assert key.multibase == row["publicKeyMultibase"]
        assert Ed25519PublicKey.from_multibase(row["publicKeyMultibase"]).raw == key.raw


def test_x25519_multikey_is_refused_as_an_ed25519_key() -> None:
    rows = load_json(VECTORS / "did-key" / "multikey-did-key-mappings.json")["keys"]
    x25519 = next(row for row in rows if row["multicodecHeaderHex"] == "ec01")
    with pytest.raises(KeyFormatError, match="x25519-pub key, expected ed25519-pub"):
        Ed25519PublicKey.from_multibase(x25519["publicKeyMultibase"])


def test_rfc8032_sign_input_all_lines_sign_and_verify() -> None:
    lines = (VECTORS / "rfc8032-ed25519" / "sign.input").read_text().splitlines()
    assert len(lines) == 1024
    for line in lines:
        secret_hex, public_hex, message_hex, signed_hex, _ = line.split(":")
        pair = Ed25519KeyPair.from_seed(bytes.fromhex(secret_hex[:64]))
        assert pair.public_key.raw.hex() == public_hex
        message = bytes.fromhex(message_hex)
        signature = pair.sign(message)
        assert signature.hex() == signed_hex[:128]
        assert pair.public_key.verify(signature, message)
        assert not pair.public_key.verify(signature, message + b"\x00")


def test_multikey_pairs_with_32_and_64_byte_secrets_load() -> None:
    w3c = load_key_file((DI_EDDSA / "keyPair.json").read_bytes())
    assert w3c.public_multibase == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    edtech = load_json(VECTORS / "1edtech-ob-v3p0-ldp" / "key-pair.json")
    pair = Ed25519KeyPair.from_multikey(edtech["publicKeyMultibase"], edtech["secretKeyMultibase"])
    assert pair.seed().hex() == edtech["privateKeyHex"][:64]
    # our own secretKeyMultibase is the 32-byte seed form and reads back to the same key
    again = Ed25519KeyPair.from_multikey(None, pair.secret_multibase())
    assert again.public_multibase == pair.public_multibase


def test_multikey_pair_with_someone_elses_public_key_is_refused() -> None:
    mine, theirs = Ed25519KeyPair.from_seed(b"\x01" * 32), Ed25519KeyPair.from_seed(b"\x02" * 32)
    with pytest.raises(KeyFormatError, match="does not belong"):
        Ed25519KeyPair.from_multikey(theirs.public_multibase, mine.secret_multibase())


def test_public_multibase_given_as_secret_is_a_clear_error() -> None:
    pair = Ed25519KeyPair.from_seed(b"\x03" * 32)
    with pytest.raises(KeyFormatError, match="ed25519-pub key, expected ed25519-priv"):
        Ed25519KeyPair.from_multikey(None, pair.public_multibase)


def test_generate_with_seeded_rng_is_deterministic() -> None:
    def rng(n: int) -> bytes:
        return b"\x07" * n

    assert Ed25519KeyPair.generate(rng).public_multibase == (
        Ed25519KeyPair.generate(rng).public_multibase
    )
    assert Ed25519KeyPair.generate().public_multibase != Ed25519KeyPair.generate().public_multibase


def test_ed25519_jwk_round_trip_and_public_jwk_has_no_d() -> None:
    pair = Ed25519KeyPair.from_seed(bytes(range(32)))
    private = pair.private_jwk()
    assert set(pair.public_jwk()) == {"kty", "crv", "x"}
    assert Ed25519KeyPair.from_jwk(private).public_multibase == pair.public_multibase
    assert public_key_from_jwk(private).to_jwk() == pair.public_jwk()
    with pytest.raises(KeyFormatError, match="no private part"):
        Ed25519KeyPair.from_jwk(pair.public_jwk())
    with pytest.raises(KeyFormatError, match="does not match"):
        Ed25519KeyPair.from_jwk({**private, "x": Ed25519KeyPair.generate().public_jwk()["x"]})


def test_rsa_pair_signs_rs256_and_round_trips_through_jwk() -> None:
    pair = RsaKeyPair.generate()
    jwk = pair.private_jwk()
    minimal = {k: jwk[k] for k in ("kty", "n", "e", "d")}  # CRT members recomputed
    again = RsaKeyPair.from_jwk(minimal)
    signature = again.sign(b"payload")
    assert pair.public_key.verify(signature, b"payload")
    assert not pair.public_key.verify(signature, b"other")
    assert "d" not in pair.public_jwk()
    assert isinstance(public_key_from_jwk(pair.public_jwk()), RsaPublicKey)


def test_short_rsa_keys_are_refused() -> None:
    with pytest.raises(KeyFormatError, match="2048"):
        RsaKeyPair.generate(1024)


def test_es256_public_key_verifies_jose_signatures() -> None:
    signer = P256Signer()
    jose_signature = signer.sign(b"data")
    jwk = signer.jwk
    key = public_key_from_jwk(jwk)
    assert isinstance(key, EcP256PublicKey)
    assert key.verify(jose_signature, b"data")
    assert not key.verify(jose_signature, b"datA")
    assert key.to_jwk() == jwk


def test_load_key_file_reads_jwk_and_multikey_and_explains_bad_input() -> None:
    ed = Ed25519KeyPair.generate()
    rsa_pair = RsaKeyPair.generate()
    from_jwk = load_key_file(json.dumps(ed.private_jwk()).encode())
    assert isinstance(from_jwk, Ed25519KeyPair)
    assert from_jwk.public_multibase == ed.public_multibase
    from_multikey = load_key_file(json.dumps(ed.multikey_pair()).encode())
    assert isinstance(from_multikey, Ed25519KeyPair)
    assert isinstance(load_key_file(json.dumps(rsa_pair.private_jwk()).encode()), RsaKeyPair)
    for bad, message in [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"kty": "EC", "crv": "P-256"}', "cannot sign"),
        (b'{"hello": "world"}', "neither a JWK"),
        (b'{"secretKeyMultibase": "zzzz"}', "secretKeyMultibase"),
        (b'{"kty": "OKP", "crv": "Ed25519", "d": "!!"}', "not base64url"),
    ]:
        with pytest.raises(KeyFormatError, match=message):
            load_key_file(bad)


def test_key_material_never_appears_in_repr_or_errors() -> None:
    ed = Ed25519KeyPair.generate()
    rsa_pair = RsaKeyPair.generate()
    secrets = [ed.secret_multibase(), ed.private_jwk()["d"], rsa_pair.private_jwk()["d"]]
    texts = [repr(ed), str(ed), repr(rsa_pair), repr(ed.public_key)]
    wrong_public = Ed25519KeyPair.generate().public_multibase
    try:
        Ed25519KeyPair.from_multikey(wrong_public, ed.secret_multibase())
    except KeyFormatError as exc:
        texts.append(str(exc))
    assert ed.public_multibase in repr(ed)
    for text in texts:
        for secret in secrets:
            assert secret not in text
            assert secret[1:12] not in text
