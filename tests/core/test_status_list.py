"""Bitstring Status List: published lists decode as expected, bad lists are refused."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credstack.core.errors import StatusListError
from credstack.core.multibase import b64url_encode
from credstack.core.status_list import (
    MIN_LIST_BITS,
    StatusBitstring,
    check_status,
    decode_list,
    encode_list,
    pick_free_index,
    status_list_credential,
    status_list_entry,
)
from fixture_paths import VECTORS as ALL_VECTORS

VECTORS = ALL_VECTORS / "bitstring-status-list"

LIST_URL = "https://credstack.example/status/1"


def _load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())


def _expected() -> dict[str, Any]:
    return _load("expected-decodes.json")["files"]  # type: ignore[no-any-return]


def _expected_names() -> list[str]:
    return sorted(_expected())


# --- published vectors -------------------------------------------------------------------


@pytest.mark.parametrize("name", _expected_names())
def test_every_published_list_decodes_to_the_expected_bits(name: str) -> None:
    expected = _expected()[name]
    encoded = _load(name)["credentialSubject"]["encodedList"]
    strict_ok = encoded.startswith("u")
    if expected["meets_16KB_minimum(131072 bits)"]:
        bits = decode_list(encoded, allow_missing_multibase_header=not strict_ok)
        assert bits.length == expected["bits"]
        assert len(bits.to_bytes()) == expected["uncompressed_bytes"]
        assert list(bits.set_indexes()) == expected["set_indexes"]
    else:
        with pytest.raises(StatusListError, match="at least 131072"):
            decode_list(encoded, allow_missing_multibase_header=True)


def test_headerless_pre_rec_fixture_is_refused_by_the_strict_decoder() -> None:
    name = "w3c-test-suite-fixtures/status-credentials/single-purpose-ok.jsonld"
    encoded = _load(name)["credentialSubject"]["encodedList"]
    with pytest.raises(StatusListError, match="multibase base64url"):
        decode_list(encoded)


def test_1edtech_revoked_credential_reads_as_set_at_index_23() -> None:
    credential = _load("1edtech-validator-credential-status-revoked.json")
    status_list = _load("1edtech-validator-testlist.json")
    # the 1EdTech fixture's list lives at a different URL than its own id; point it home
    status_list["id"] = credential["credentialStatus"]["statusListCredential"]
    result = check_status(credential["credentialStatus"], status_list)
    assert result.is_set
    assert result.index == 23
    assert result.purpose == "revocation"
    assert result.list_length == MIN_LIST_BITS


def test_w3c_rec_revocable_credential_is_not_revoked() -> None:
    credential = _load("w3c-rec-signed-revocable-credential-eddsa-rdfc-2022.json")
    status_list = _load("w3c-rec-signed-statuslistcredential-eddsa-rdfc-2022.json")
    result = check_status(credential["credentialStatus"], status_list)
    assert not result.is_set
    assert result.index == 94567


def test_w3c_test_suite_revoked_fixture_is_set_with_the_lenient_path() -> None:
    credential = _load("w3c-test-suite-fixtures/should-be-revoked.jsonld")
    status_list = _load("w3c-test-suite-fixtures/status-credentials/single-purpose-ok.jsonld")
    entry = credential["credentialStatus"]
    assert check_status(entry, status_list, allow_missing_multibase_header=True).is_set
    with pytest.raises(StatusListError, match="multibase"):
        check_status(entry, status_list)


def test_w3c_multi_purpose_list_serves_suspension() -> None:
    credential = _load("w3c-test-suite-fixtures/should-be-suspended.jsonld")
    status_list = _load("w3c-test-suite-fixtures/status-credentials/multi-purpose-ok.jsonld")
    result = check_status(
        credential["credentialStatus"], status_list, allow_missing_multibase_header=True
    )
    assert result.purpose == "suspension"
    assert result.is_set


@pytest.mark.parametrize(
    ("list_name", "message"),
    [
        ("single-purpose-fail.jsonld", "does not match"),
        ("multi-purpose-fail.jsonld", "does not match"),
        ("short-encoded-list-fail.jsonld", "at least 131072"),
    ],
)
def test_w3c_failing_fixtures_are_refused(list_name: str, message: str) -> None:
    entry = _load("w3c-test-suite-fixtures/should-be-revoked.jsonld")["credentialStatus"]
    status_list = _load(f"w3c-test-suite-fixtures/status-credentials/{list_name}")
    with pytest.raises(StatusListError, match=message):
        check_status(entry, status_list, allow_missing_multibase_header=True)


# --- encoding ----------------------------------------------------------------------------


def test_bit_order_is_most_significant_bit_first() -> None:
    bits = StatusBitstring()
    bits.set(0)
    bits.set(9)
    raw = bits.to_bytes()
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000
    bits.set(0, False)
    assert not bits.get(0)
    assert bits.get(9)


def test_encoded_list_is_multibase_gzip_of_the_bits() -> None:
    bits = StatusBitstring()
    bits.set(23)
    encoded = encode_list(bits)
    assert encoded.startswith("uH4sI")
    assert "=" not in encoded
    assert encode_list(bits) == encoded  # deterministic: no timestamp in the gzip header
    assert decode_list(encoded) == bits


@settings(max_examples=40, deadline=None)
@given(
    indexes=st.sets(st.integers(min_value=0, max_value=2 * MIN_LIST_BITS - 1), max_size=50),
    extra_bytes=st.sampled_from([0, MIN_LIST_BITS // 8]),
)
def test_encode_decode_round_trip(indexes: set[int], extra_bytes: int) -> None:
    bits = StatusBitstring(MIN_LIST_BITS + extra_bytes * 8)
    for index in indexes:
        if index < bits.length:
            bits.set(index)
    decoded = decode_list(encode_list(bits))
    assert decoded == bits
    assert list(decoded.set_indexes()) == sorted(i for i in indexes if i < bits.length)


def test_list_shorter_than_the_minimum_cannot_be_encoded_or_decoded() -> None:
    short = StatusBitstring(MIN_LIST_BITS - 8)
    with pytest.raises(StatusListError, match="herd privacy"):
        encode_list(short)
    encoded = "u" + b64url_encode(gzip.compress(short.to_bytes()))
    with pytest.raises(StatusListError, match="at least 131072"):
        decode_list(encoded)


def test_gzip_bomb_is_stopped_at_the_cap() -> None:
    # 64 MiB of zeros compress to ~64 KB; decoding must stop at the 1 MiB cap
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024), compresslevel=9)
    encoded = "u" + b64url_encode(bomb)
    with pytest.raises(StatusListError, match="decompression bomb"):
        decode_list(encoded, max_decompressed_bytes=1024 * 1024)


def test_list_exactly_at_the_cap_is_accepted() -> None:
    bits = StatusBitstring(MIN_LIST_BITS)
    bits.set(MIN_LIST_BITS - 1)
    decoded = decode_list(encode_list(bits), max_decompressed_bytes=MIN_LIST_BITS // 8)
    assert decoded.get(MIN_LIST_BITS - 1)


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("zH4sIAAAA", "starts with 'z'"),
        ("u!!!", "not base64url"),
        ("u" + b64url_encode(b"not gzip at all"), "not valid GZIP"),
        ("u" + b64url_encode(gzip.compress(bytes(MIN_LIST_BITS // 8))[:-12]), "truncated"),
        ("u" + b64url_encode(gzip.compress(bytes(MIN_LIST_BITS // 8)) + b"xx"), "trailing"),
        ("", "non-empty"),
    ],
)
def test_malformed_encoded_lists_are_refused(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        decode_list(encoded)


# --- entries, list credentials and checks --------------------------------------------------


def _published_list(*revoked: int) -> dict[str, Any]:
    bits = StatusBitstring()
    for index in revoked:
        bits.set(index)
    return status_list_credential(
        LIST_URL, "did:key:z6MkIssuer", encode_list(bits), "2026-01-01T00:00:00Z"
    )


def test_entry_and_list_credential_shapes() -> None:
    entry = status_list_entry(LIST_URL, 4242)
    assert entry == {
        "id": f"{LIST_URL}#4242",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4242",
        "statusListCredential": LIST_URL,
    }
    credential = _published_list()
    assert credential["id"] == LIST_URL
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["id"] == f"{LIST_URL}#list"
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"


def test_revoking_one_index_revokes_only_that_credential() -> None:
    status_list = _published_list(4242)
    assert check_status(status_list_entry(LIST_URL, 4242), status_list).is_set
    assert not check_status(status_list_entry(LIST_URL, 4241), status_list).is_set
    assert not check_status(status_list_entry(LIST_URL, 4243), status_list).is_set


def test_integer_index_from_1edtech_is_accepted_but_garbage_is_not() -> None:
    status_list = _published_list(7)
    entry = status_list_entry(LIST_URL, 7)
    assert check_status({**entry, "statusListIndex": 7}, status_list).is_set
    for bad in ("-1", "0x10", "1.5", True, None, " 7"):
        with pytest.raises(StatusListError, match="statusListIndex"):
            check_status({**entry, "statusListIndex": bad}, status_list)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "StatusList2021Entry"}, "not supported"),
        ({"statusPurpose": "suspension"}, "does not match"),
        ({"statusListIndex": str(MIN_LIST_BITS)}, "outside the list"),
        ({"statusListCredential": "https://elsewhere.example/list"}, "differs from the URL"),
        ({"statusSize": 0}, "statusSize"),
    ],
)
def test_entry_problems_are_reported(change: dict[str, Any], message: str) -> None:
    entry = {**status_list_entry(LIST_URL, 1), **change}
    with pytest.raises(StatusListError, match=message):
        check_status(entry, _published_list())


def test_a_document_that_is_not_a_status_list_is_refused() -> None:
    status_list = _published_list()
    status_list["type"] = ["VerifiableCredential"]
    with pytest.raises(StatusListError, match="is not a BitstringStatusListCredential"):
        check_status(status_list_entry(LIST_URL, 1), status_list)


def test_expired_status_list_is_refused_when_now_is_given() -> None:
    status_list = {**_published_list(), "validUntil": "2026-02-01T00:00:00Z"}
    entry = status_list_entry(LIST_URL, 1)
    before = datetime(2026, 1, 15, tzinfo=UTC)
    after = datetime(2026, 3, 1, tzinfo=UTC)
    assert not check_status(entry, status_list, now=before).is_set
    with pytest.raises(StatusListError, match="expired"):
        check_status(entry, status_list, now=after)


@pytest.mark.parametrize("field", ["validFrom", "validUntil"])
def test_status_list_dates_need_a_time_zone(field: str) -> None:
    entry = status_list_entry(LIST_URL, 1)
    now = datetime(2026, 1, 15, tzinfo=UTC)
    for bad in ("2026-02-01T00:00:00", "soon", 20260201):
        with pytest.raises(StatusListError, match=f"{field} .* time zone"):
            check_status(entry, {**_published_list(), field: bad}, now=now)


def test_check_status_respects_the_size_cap() -> None:
    with pytest.raises(StatusListError, match="decompression bomb"):
        check_status(status_list_entry(LIST_URL, 1), _published_list(), max_bytes=1000)


def test_multi_bit_status_values() -> None:
    bits = StatusBitstring(MIN_LIST_BITS * 2)
    bits.set(2 * 5)  # entry 5 with statusSize 2: bits 10 and 11 -> value 0b10
    status_list = status_list_credential(
        LIST_URL, "did:key:z6MkIssuer", encode_list(bits), "2026-01-01T00:00:00Z", "message"
    )
    entry = {**status_list_entry(LIST_URL, 5, "message"), "statusSize": 2}
    assert check_status(entry, status_list).value == 2


# --- random allocation -------------------------------------------------------------------


def test_pick_free_index_is_random_and_never_reuses() -> None:
    rng = random.Random(7)
    taken: set[int] = set()
    for _ in range(500):
        index = pick_free_index(rng, MIN_LIST_BITS, taken.__contains__)
        assert index not in taken
        taken.add(index)
    # herd privacy: consecutive awards do not get consecutive indexes
    assert sorted(taken) != list(range(min(taken), min(taken) + 500))
    assert max(taken) - min(taken) > MIN_LIST_BITS // 2


def test_pick_free_index_finds_the_last_free_slot_and_reports_a_full_list() -> None:
    rng = random.Random(1)
    assert pick_free_index(rng, 1000, lambda i: i != 613) == 613
    with pytest.raises(StatusListError, match="full"):
        pick_free_index(rng, 1000, lambda i: True)
