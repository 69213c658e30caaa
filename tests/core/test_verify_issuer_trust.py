"""Check 9 (issuer trust): only a voucher's word passes, and a claimed name stays a claim."""

from __future__ import annotations

from verify_fixtures import ISSUER, OTHER, run, statuses

from credstack.core.report import CheckStatus, TrustedIssuer, VerificationReport


def trust(report: VerificationReport) -> tuple[str, str]:
    check = report.check("issuer-trust")
    assert check is not None
    return check.status.value, check.message


def test_a_vouched_issuer_passes_under_the_vouchers_name_and_says_how() -> None:
    report = run(ISSUER.sign(ISSUER.credential()), trusted=frozenset({ISSUER.did}))
    status, message = trust(report)
    assert status == "pass"
    assert message.startswith(f"verified issuer Test Issuer ({ISSUER.did}): listed by the test")
    assert "the credential calls it Example University" in message
    assert report.trusted_issuer == TrustedIssuer("Test Issuer", ("listed by the test",))


def test_an_unknown_signer_is_named_by_its_did_and_its_name_stays_a_claim() -> None:
    report = run(ISSUER.sign(ISSUER.credential()))
    status, message = trust(report)
    assert status == "warn"
    assert message == (
        f"signed by {ISSUER.did} which calls itself Example University; "
        "nobody here has confirmed who that is"
    )
    assert report.trusted_issuer is None
    assert report.verified  # a warning, never a failure


def test_a_failed_proof_never_reads_as_a_valid_signature() -> None:
    tampered = ISSUER.sign(ISSUER.credential())
    tampered["name"] = "Brain Surgery"
    for trusted in (frozenset(), frozenset({ISSUER.did})):
        report = run(tampered, trusted=trusted)
        status, message = trust(report)
        assert statuses(report)["proof"] == "fail"
        assert status == "warn"
        assert "signature is valid" not in message
        assert "not confirmed" in message
        assert report.trusted_issuer is None


def test_a_vouched_did_on_someone_elses_signature_does_not_pass() -> None:
    forged = OTHER.sign(ISSUER.credential())
    report = run(forged, trusted=frozenset({ISSUER.did}))
    status, message = trust(report)
    assert statuses(report)["issuer-key"] == "fail"
    assert status == "warn"
    assert "not confirmed to be theirs" in message


def test_an_unsigned_credential_is_not_said_to_have_a_valid_signature() -> None:
    status, message = trust(run(ISSUER.credential()))
    assert status == "warn"
    assert "signature is valid" not in message
    assert "its signature is not confirmed" in message


def test_a_credential_without_an_issuer_says_so_instead_of_none() -> None:
    credential = ISSUER.credential()
    del credential["issuer"]
    report = run(credential)
    status, message = trust(report)
    assert status == "warn"
    assert "None" not in message
    assert message == "the credential names no issuer id, so nobody can vouch for who made it"


def test_an_issuer_without_a_name_is_still_named_by_its_did() -> None:
    credential = ISSUER.credential(issuer=ISSUER.did)
    status, message = trust(run(ISSUER.sign(credential)))
    assert status == CheckStatus.WARN.value
    assert message.startswith(f"signed by {ISSUER.did} which gives no name")
