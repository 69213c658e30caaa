"""verify(): every check of architecture §7, on credentials signed with real keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from verify_fixtures import (
    ISSUER,
    NOW,
    OTHER,
    Issuer,
    run,
    statuses,
)

from credstack.core.keys import RsaKeyPair
from credstack.core.multibase import b64url_encode
from credstack.core.proofs import sign_data_integrity
from credstack.core.proofs.vcjwt import sign_vc_jwt
from credstack.core.report import CHECK_ORDER, CheckStatus


def test_a_credential_signed_by_its_did_key_issuer_verifies_with_every_check_reported() -> None:
    report = run(ISSUER.sign(ISSUER.credential()), trusted=frozenset({ISSUER.did}))
    assert report.verified
    assert [c.id for c in report.checks] == list(CHECK_ORDER)
    assert statuses(report) == {
        "parse": "pass",
        "context": "pass",
        "schema": "pass",
        "proof": "pass",
        "issuer-key": "pass",
        "dates": "pass",
        "status": "skip",
        "recipient": "skip",
        "issuer-trust": "pass",
    }
    body = report.to_json()
    assert body["credential"] == {
        "id": "urn:uuid:0c8a5d6e-8f3c-4b7e-9a51-2d6f1f0b7a11",
        "issuer": ISSUER.did,
        "name": "Data Analysis with Python",
    }


def test_changing_the_name_breaks_the_proof_and_nothing_else_passes_as_verified() -> None:
    signed = ISSUER.sign(ISSUER.credential())
    signed["credentialSubject"]["achievement"]["name"] = "Data Analysis with Python (Honours)"
    report = run(signed)
    assert not report.verified
    assert statuses(report)["proof"] == "fail"
    assert statuses(report)["issuer-key"] == "skip"


def test_a_valid_proof_by_someone_elses_key_fails_the_issuer_key_check() -> None:
    forged = OTHER.sign(ISSUER.credential())
    report = run(forged)
    assert statuses(report)["proof"] == "pass"
    assert statuses(report)["issuer-key"] == "fail"
    assert OTHER.did in report.check("issuer-key").message
    assert not report.verified


def test_unsigned_credential_fails_the_proof_check() -> None:
    report = run(ISSUER.credential())
    assert statuses(report)["proof"] == "fail"
    assert "not signed" in report.check("proof").message
    assert not report.verified


@pytest.mark.parametrize(
    ("overrides", "now", "expected"),
    [
        ({"validUntil": "2026-03-01T00:00:00Z"}, NOW, "expired on 2026-03-01T00:00:00Z"),
        ({"validFrom": "2027-01-01T00:00:00Z"}, NOW, "not valid yet"),
    ],
)
def test_dates_are_checked_against_the_given_now(
    overrides: dict[str, str], now: datetime, expected: str
) -> None:
    report = run(ISSUER.sign(ISSUER.credential(**overrides)), now=now)
    assert statuses(report)["dates"] == "fail"
    assert expected in report.check("dates").message
    assert statuses(report)["proof"] == "pass"
    assert not report.verified


def test_recipient_email_is_matched_against_the_salted_hash() -> None:
    signed = ISSUER.sign(ISSUER.credential())
    assert statuses(run(signed, recipient="Ada@Example.org"))["recipient"] == "pass"
    wrong = run(signed, recipient="mallory@example.org")
    assert statuses(wrong)["recipient"] == "fail"
    assert not wrong.verified


def test_unknown_issuer_is_a_warning_not_a_failure() -> None:
    report = run(ISSUER.sign(ISSUER.credential()))
    assert statuses(report)["issuer-trust"] == "warn"
    assert report.verified


def test_unknown_context_fails_context_and_proof() -> None:
    credential = ISSUER.credential()
    credential["@context"].append("https://example.com/my-own-context.jsonld")
    report = run(credential)
    assert statuses(report)["context"] == "fail"
    assert "https://example.com/my-own-context.jsonld" in report.check("context").message
    assert not report.verified


def test_schema_problems_are_reported_with_their_path() -> None:
    credential = ISSUER.credential()
    del credential["credentialSubject"]["achievement"]["criteria"]
    report = run(ISSUER.sign(credential))
    assert statuses(report)["schema"] == "fail"
    assert "criteria" in report.check("schema").message


def test_vc_jwt_signed_with_the_issuers_key_verifies() -> None:
    token = sign_vc_jwt(ISSUER.credential(), ISSUER.key, kid=ISSUER.vm)
    report = run(token)
    assert report.format == "jwt"
    assert statuses(report)["proof"] == "pass", report.check("proof").message
    assert statuses(report)["issuer-key"] == "pass"
    assert report.verified


def test_vc_jwt_with_an_embedded_key_cannot_prove_it_belongs_to_the_issuer() -> None:
    rsa = RsaKeyPair.generate()
    token = sign_vc_jwt(ISSUER.credential(), rsa)
    report = run(token)
    assert statuses(report)["proof"] == "pass"
    assert statuses(report)["issuer-key"] == "fail"
    assert not report.verified


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"@context": ["https://www.w3.org/ns/credentials/v2"', "not valid JSON"),
        ('{"a": ' * 10_000 + "1" + "}" * 10_000, "nested"),
        (b"{" + b" " * (50 * 1024 * 1024) + b"}", "MB"),
        (b"\x00\x01\x02 binary junk", "not a credential"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
    ],
)
def test_unreadable_input_fails_parse_with_one_line_and_skips_the_rest(
    data: bytes | str, reason: str
) -> None:
    report = run(data)
    assert not report.parsed
    assert statuses(report)["parse"] == "fail"
    assert reason in report.check("parse").message
    assert "\n" not in report.check("parse").message
    assert all(c.status is CheckStatus.SKIP for c in report.checks if c.id != "parse")


@pytest.mark.parametrize("kinds", [["VerifiableCredential", {"not": "a type"}], [{}], 5])
def test_a_type_that_is_not_text_fails_the_checks_instead_of_crashing(kinds: Any) -> None:
    signed = ISSUER.sign(ISSUER.credential())
    signed["type"] = kinds
    report = run(signed)
    assert [c.id for c in report.checks] == list(CHECK_ORDER)
    assert statuses(report)["context"] == "fail"
    assert not report.verified


def test_a_fetcher_that_breaks_still_yields_every_check_in_order() -> None:
    credential = ISSUER.credential(issuer={"id": "did:web:issuer.example", "type": ["Profile"]})
    signed = sign_data_integrity(
        credential, ISSUER.key, "did:web:issuer.example#key-1", created="2026-01-15T09:00:00Z"
    )

    def timing_out(url: str) -> bytes:
        raise TimeoutError(f"{url} timed out")

    report = run(signed, fetch=timing_out)
    assert [c.id for c in report.checks] == list(CHECK_ORDER)
    assert statuses(report)["proof"] == "fail"
    assert "timed out" in report.check("proof").message
    assert statuses(report)["issuer-key"] == "skip"
    assert not report.verified


def _token(payload: dict[str, Any], issuer: Issuer = ISSUER) -> str:
    header = {"alg": "EdDSA", "typ": "JWT", "kid": issuer.vm}
    encoded = ".".join(b64url_encode(json.dumps(part).encode()) for part in (header, payload))
    return encoded + "." + b64url_encode(issuer.key.sign(encoded.encode()))


def _claims(credential: dict[str, Any], **extra: Any) -> dict[str, Any]:
    nbf = int(datetime(2026, 1, 15, 9, tzinfo=UTC).timestamp())
    return {**credential, "iss": ISSUER.did, "jti": credential["id"], "nbf": nbf, **extra}


def test_a_vc_jwt_whose_exp_has_passed_is_expired_even_without_valid_until() -> None:
    exp = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    report = run(_token(_claims(ISSUER.credential(), exp=exp)))
    assert statuses(report)["proof"] == "pass", report.check("proof").message
    assert statuses(report)["dates"] == "fail"
    assert "expired on 2026-03-01T00:00:00Z (the VC-JWT's exp)" in report.check("dates").message
    assert not report.verified
    later = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    fresh = run(_token(_claims(ISSUER.credential(), exp=later)))
    assert statuses(fresh)["dates"] == "pass"
    assert "2027-01-01T00:00:00Z" in fresh.check("dates").message
    assert fresh.verified


def test_a_vc_jwt_with_an_unreadable_exp_fails_the_dates_check() -> None:
    report = run(_token(_claims(ISSUER.credential(), exp="next year")))
    assert statuses(report)["dates"] == "fail"
    assert "exp is not a NumericDate" in report.check("dates").message
