"""Absurdly nested JSON anywhere the verifier reads JSON is one clear reason, never a crash.

Finding 8 of the hardening issue: a JWT whose header nests 100,000 arrays raised
``RecursionError`` out of the parser (a 500 on the verify endpoints, a CLI crash).
"""

from __future__ import annotations

import json

import pytest
from verify_fixtures import ISSUER, run, statuses

from credstack.core.badge_image import default_badge_png, default_badge_svg
from credstack.core.baking import bake_png, bake_svg
from credstack.core.dids import resolve_verification_method
from credstack.core.errors import DIDResolutionError, InputError
from credstack.core.json_input import MAX_JSON_DEPTH, load_json
from credstack.core.multibase import b64url_encode
from credstack.core.proofs.vcjwt import verify_vc_jwt
from credstack.core.report import CheckStatus
from hostile_inputs import nested_header_jwt, nested_json


def test_load_json_refuses_deep_nesting_by_name_and_reads_the_rest() -> None:
    with pytest.raises(InputError, match="the JWT header is nested too deeply"):
        load_json(nested_json(), what="the JWT header")
    limit_deep = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert load_json(limit_deep, what="x") == json.loads(limit_deep)
    # brackets inside strings (escaped quotes too) are not nesting
    assert load_json('{"a": "[[[\\"[[[", "b": [1]}', what="x") == {"a": '[[["[[[', "b": [1]}
    with pytest.raises(InputError, match="x is not UTF-8"):
        load_json(b"\xff\xfe", what="x")
    with pytest.raises(InputError, match="x is larger than 10 bytes"):
        load_json(b"[1, 2, 3, 4, 5]", what="x", max_bytes=10)


def test_a_jwt_with_a_nested_header_is_an_unreadable_input_not_a_crash() -> None:
    report = run(nested_header_jwt())
    assert not report.parsed
    assert "nested too deeply" in report.check("parse").message
    assert all(c.status is CheckStatus.SKIP for c in report.checks if c.id != "parse")


@pytest.mark.parametrize("image", ["png", "svg"])
def test_the_same_jwt_baked_in_an_image_is_unreadable_too(image: str) -> None:
    token = nested_header_jwt()
    if image == "png":
        data = bake_png(default_badge_png("Badge", "Issuer", "x"), token)
    else:
        data = bake_svg(default_badge_svg("Badge", "Issuer", "x"), token)
    report = run(data)
    assert statuses(report)["parse"] == "fail"
    assert "nested too deeply" in report.check("parse").message


def test_a_nested_jwt_payload_is_refused_the_same_way() -> None:
    header = b64url_encode(b'{"alg": "EdDSA"}')
    token = f"{header}.{b64url_encode(nested_json())}.{b64url_encode(b'sig')}"
    report = run(token)
    assert "nested too deeply" in report.check("parse").message


def test_the_vc_jwt_verifier_reports_a_nested_header_instead_of_raising() -> None:
    result = verify_vc_jwt(nested_header_jwt(), resolve=lambda _kid: pytest.fail("no resolve"))
    assert not result.verified
    assert "nested too deeply" in result.results[0].reason


def test_a_nested_did_document_is_a_resolution_error() -> None:
    with pytest.raises(DIDResolutionError, match="nested too deeply"):
        resolve_verification_method("did:web:nested.example#key-1", lambda _url: nested_json())


def test_a_nested_status_list_fails_the_status_check_and_nothing_else_breaks() -> None:
    entry = {
        "id": "https://issuer.example/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://issuer.example/status/1",
    }
    signed = ISSUER.sign(ISSUER.credential(credentialStatus=entry))
    report = run(signed, fetch=lambda _url: b'{"a": ' + nested_json() + b"}")
    assert statuses(report)["proof"] == "pass"
    assert statuses(report)["status"] == "fail"
    assert "nested too deeply" in report.check("status").message
