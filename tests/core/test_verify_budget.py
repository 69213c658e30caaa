"""The verification budget: over-budget credentials are refused, quickly, naming the limit.

Finding 2 of the hardening issue: 38,000 evidence objects and 8 proofs (1.5 MB) kept a
verifier busy for 15 s. The shape checks refuse it before any canonicalization.
"""

from __future__ import annotations

import json
import pickle
import time

import pytest
from verify_fixtures import ISSUER, NOW, no_network, run, statuses

from credstack.core.errors import InputTooLargeError, VerificationBudgetError
from credstack.core.report import CheckStatus
from credstack.core.verify import VerifyOptions, verify, verify_within_budget
from credstack.core.verify_budget import VerifyBudget, check_shape
from hostile_inputs import credential, wide_credential


def test_the_probes_wide_credential_is_refused_in_well_under_a_second() -> None:
    data = wide_credential()
    started = time.process_time()
    report = run(data)
    assert time.process_time() - started < 1.0
    assert not report.parsed
    message = report.check("parse").message
    assert "$.evidence has 38,000 entries" in message
    assert "at most 1,000 entries per array" in message
    assert all(c.status is CheckStatus.SKIP for c in report.checks if c.id != "parse")


def test_more_proofs_than_the_budget_are_refused_by_name() -> None:
    signed = ISSUER.sign(ISSUER.credential())
    signed["proof"] = [signed["proof"]] * 9
    report = run(signed)
    assert "the credential has 9 proofs; this verifier checks at most 8" in (
        report.check("parse").message
    )
    signed["proof"] = signed["proof"][:8]
    assert statuses(run(signed))["parse"] == "pass"


def test_an_object_with_too_many_members_is_refused_like_an_array() -> None:
    many = {f"https://hostile.example/term/{n}": n for n in range(1_001)}
    report = run(credential(credentialSubject=many))
    assert "$.credentialSubject has 1,001 members" in report.check("parse").message


def test_a_credential_over_the_byte_budget_names_the_limit() -> None:
    padded = credential(description="x" * (2 * 1024 * 1024))
    report = run(padded)
    assert "this verifier reads credentials of at most 2 MB" in report.check("parse").message


def test_the_budget_is_the_callers_to_set() -> None:
    wide = credential(evidence=[{"type": "Evidence"}] * 1_500)
    check_shape(wide, VerifyBudget(max_entries=2_000))
    with pytest.raises(VerificationBudgetError) as refused:
        check_shape(wide, VerifyBudget())
    assert (refused.value.limit, refused.value.allowed) == ("max_entries", 1_000)
    small = VerifyOptions(now=NOW, fetch=no_network, budget=VerifyBudget(max_bytes=500))
    parse = verify(json.dumps(credential()), input_name="x", options=small).check("parse")
    assert parse is not None
    assert "reads credentials of at most 500 bytes" in parse.message


def test_verify_within_budget_raises_what_verify_reports() -> None:
    options = VerifyOptions(now=NOW, fetch=no_network)
    with pytest.raises(VerificationBudgetError, match="38,000 entries") as refused:
        verify_within_budget(wide_credential(), input_name="x", options=options)
    assert refused.value.limit == "max_entries"
    # an unreadable input is still a report, not a budget error
    report = verify_within_budget(b"not a credential", input_name="x", options=options)
    assert statuses(report)["parse"] == "fail"


def test_budget_errors_survive_the_trip_to_another_process() -> None:
    error = InputTooLargeError("too large", limit="max_bytes", allowed=10)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is InputTooLargeError
    assert (copy.message, copy.limit, copy.allowed) == ("too large", "max_bytes", 10)
