"""verify() check 7: status lists, in JSON or VC-JWT form, believed only from the issuer."""

from __future__ import annotations

import copy

from verify_fixtures import (
    ISSUER,
    LIST_URL,
    OTHER,
    mapped,
    run,
    statuses,
)

from credstack.core.proofs import sign_data_integrity
from credstack.core.proofs.vcjwt import sign_vc_jwt
from credstack.core.report import CheckStatus
from credstack.core.status_list import (
    StatusBitstring,
    encode_list,
    status_list_credential,
    status_list_entry,
)


def test_revoked_credential_fails_only_its_status_check() -> None:
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=status_list_entry(LIST_URL, 4242)))
    fetch = mapped({LIST_URL: ISSUER.status_list(revoked=(4242,))})
    report = run(signed, fetch=fetch)
    failed = [c.id for c in report.checks if c.status is CheckStatus.FAIL]
    assert failed == ["status"]
    assert "revoked" in report.check("status").message
    assert not report.verified


def test_credential_whose_bit_is_clear_passes_status() -> None:
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=status_list_entry(LIST_URL, 17)))
    report = run(signed, fetch=mapped({LIST_URL: ISSUER.status_list(revoked=(18,))}))
    assert statuses(report)["status"] == "pass"
    assert report.verified


def test_a_status_list_signed_by_another_party_is_not_believed() -> None:
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=status_list_entry(LIST_URL, 17)))
    impostor_list = OTHER.status_list()
    impostor_list = copy.deepcopy(impostor_list)
    report = run(signed, fetch=mapped({LIST_URL: impostor_list}))
    assert statuses(report)["status"] == "fail"
    assert "not signed by the credential's issuer" in report.check("status").message


def test_an_unreachable_status_list_fails_the_status_check_with_the_reason() -> None:
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=status_list_entry(LIST_URL, 17)))
    report = run(signed)
    assert statuses(report)["status"] == "fail"
    assert "not reachable" in report.check("status").message


def test_a_status_list_secured_as_a_vc_jwt_is_read_and_its_signature_checked() -> None:
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=status_list_entry(LIST_URL, 17)))
    for revoked, expected in (((), "pass"), ((17,), "fail")):
        bits = StatusBitstring()
        for index in revoked:
            bits.set(index)
        unsigned = status_list_credential(
            LIST_URL, ISSUER.did, encode_list(bits), "2026-01-01T00:00:00Z"
        )
        token = sign_vc_jwt(unsigned, ISSUER.key, kid=ISSUER.vm)
        report = run(signed, fetch=lambda url, token=token: token.encode())
        assert statuses(report)["status"] == expected, report.check("status").message
    forged = sign_vc_jwt(unsigned, OTHER.key, kid=OTHER.vm)
    report = run(signed, fetch=lambda url: forged.encode())
    assert statuses(report)["status"] == "fail"
    assert "not signed by the credential's issuer" in report.check("status").message


def test_an_unreadable_status_list_document_says_what_was_expected() -> None:
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=status_list_entry(LIST_URL, 17)))
    report = run(signed, fetch=lambda url: b"<html>moved</html>")
    assert statuses(report)["status"] == "fail"
    assert "neither credential JSON nor a VC-JWT" in report.check("status").message


def test_an_unsupported_status_entry_does_not_hide_a_revocation_beside_it() -> None:
    other_kind = {"id": "urn:uuid:5", "type": "https://example.org/OtherStatus"}
    credential = ISSUER.credential(credentialStatus=[other_kind, status_list_entry(LIST_URL, 4242)])
    signed = ISSUER.sign(credential)
    revoked = run(signed, fetch=mapped({LIST_URL: ISSUER.status_list(revoked=(4242,))}))
    assert statuses(revoked)["status"] == "fail"
    assert "revoked" in revoked.check("status").message
    clear = run(signed, fetch=mapped({LIST_URL: ISSUER.status_list()}))
    assert statuses(clear)["status"] == "warn"
    assert "not supported" in clear.check("status").message


def test_a_status_list_signed_with_a_key_the_issuer_does_not_authorise_is_not_believed() -> None:
    did = "did:web:issuer.example"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-{n}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": issuer.key.public_multibase,
            }
            for n, issuer in ((1, ISSUER), (2, OTHER))
        ],
        "assertionMethod": [f"{did}#key-1"],
        "authentication": [f"{did}#key-2"],
    }
    profile = {"id": did, "type": ["Profile"], "name": "Example University"}
    credential = ISSUER.credential(issuer=profile, credentialStatus=status_list_entry(LIST_URL, 1))
    signed = sign_data_integrity(
        credential, ISSUER.key, f"{did}#key-1", created="2026-01-15T09:00:00Z"
    )
    unsigned_list = status_list_credential(
        LIST_URL, did, encode_list(StatusBitstring()), "2026-01-01T00:00:00Z"
    )
    documents = {"https://issuer.example/.well-known/did.json": document}
    for key, vm, expected in ((ISSUER.key, 1, "pass"), (OTHER.key, 2, "fail")):
        status_list = sign_data_integrity(
            unsigned_list, key, f"{did}#key-{vm}", created="2026-01-01T00:00:00Z"
        )
        report = run(signed, fetch=mapped({**documents, LIST_URL: status_list}))
        assert statuses(report)["issuer-key"] == "pass", report.check("issuer-key").message
        assert statuses(report)["status"] == expected, report.check("status").message
    assert "does not list" in report.check("status").message
