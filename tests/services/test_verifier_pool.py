"""The verifier pool: runaway verifications are stopped, floods refused, and it recovers.

Real worker processes, real CPU limits (the kernel's ``RLIMIT_CPU``), a real slow HTTP
server on loopback for the wall-clock limit.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from credstack.core.errors import (
    InputTooLargeError,
    NotFoundError,
    VerificationBudgetError,
    VerifierUnavailableError,
)
from credstack.core.proofs import sign_data_integrity
from credstack.core.report import TrustedIssuer, VerificationReport
from credstack.core.status_list import (
    StatusBitstring,
    encode_list,
    status_list_credential,
    status_list_entry,
)
from credstack.core.verify_budget import VerifyBudget
from credstack.services.verification.pool import VerifierPool
from credstack.services.verification.verify import LocalRegistry
from credstack.services.verification.worker import VerifyJob
from hostile_inputs import DID, KEY, VM, heavy_credential, signed_credential, wide_credential

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIST_URL = "https://credstack.test/status/list-1"


def vouched(issuer_id: str) -> TrustedIssuer | None:
    """The test issuer is vouched for (asked of the caller, like the status lists)."""
    return TrustedIssuer(name="Test issuer", how=("a test",)) if issuer_id == DID else None


NO_REGISTRY = LocalRegistry(trusted_issuers=vouched)


@pytest.fixture
def pool() -> Iterator[VerifierPool]:
    verifier = VerifierPool(workers=1, queue=0)
    yield verifier
    verifier.close()


def job(data: bytes | dict[str, Any], **budget: float) -> VerifyJob:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return VerifyJob(
        data=raw,
        input_name="test",
        now=NOW,
        budget=VerifyBudget(**budget),  # type: ignore[arg-type]
        allow_http_loopback=True,
    )


def statuses(report: VerificationReport) -> dict[str, str]:
    return {check.id: check.status.value for check in report.checks}


def assert_recovered(pool: VerifierPool) -> None:
    report = pool.verify(job(signed_credential()), NO_REGISTRY)
    assert report.verified, report.checks


def test_a_good_credential_verifies_in_a_worker(pool: VerifierPool) -> None:
    assert_recovered(pool)


def test_the_worker_asks_the_caller_for_our_own_status_lists(pool: VerifierPool) -> None:
    bits = StatusBitstring()
    bits.set(3)
    unsigned = status_list_credential(LIST_URL, DID, encode_list(bits), "2026-01-01T00:00:00Z")
    lists = {LIST_URL: sign_data_integrity(unsigned, KEY, VM, created="2026-01-01T00:00:00Z")}
    asked: list[str] = []

    def status_list(url: str) -> dict[str, Any] | None:
        asked.append(url)
        if url not in lists:
            raise NotFoundError(f"no status list {url} here")
        return lists[url]

    registry = LocalRegistry(trusted_issuers=vouched, status_list=status_list)
    revoked = signed_credential(credentialStatus=status_list_entry(LIST_URL, 3))
    report = pool.verify(job(revoked), registry)
    assert asked == [LIST_URL]
    assert statuses(report)["status"] == "fail" and "revoked" in str(report.checks)
    missing = signed_credential(credentialStatus=status_list_entry(LIST_URL + "x", 3))
    report = pool.verify(job(missing), registry)
    assert statuses(report)["status"] == "fail"
    assert "no status list https://credstack.test/status/list-1x here" in str(report.checks)


def test_over_budget_shapes_and_sizes_cross_the_process_boundary_typed(
    pool: VerifierPool,
) -> None:
    with pytest.raises(VerificationBudgetError, match="38,000 entries") as wide:
        pool.verify(job(wide_credential()), NO_REGISTRY)
    assert wide.value.limit == "max_entries"
    with pytest.raises(InputTooLargeError, match="at most 2 MB"):
        pool.verify(job(b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}'), NO_REGISTRY)
    assert_recovered(pool)


def test_the_cpu_limit_stops_a_runaway_verification_and_the_pool_recovers(
    pool: VerifierPool,
) -> None:
    heavy = heavy_credential()  # ~8 s of CPU in one process
    started = time.monotonic()
    with pytest.raises(VerificationBudgetError, match="more than 1 s of CPU") as stopped:
        pool.verify(job(heavy, cpu_seconds=1.0), NO_REGISTRY)
    # SIGXCPU after one or two CPU seconds (a niced worker on a busy machine gets them
    # slowly), well before the 30 s wall-clock limit would have stopped it
    assert time.monotonic() - started < 25.0
    assert (stopped.value.limit, stopped.value.allowed) == ("cpu_seconds", 1.0)
    assert_recovered(pool)


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(5)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_the_wall_clock_limit_stops_a_verification_stuck_on_the_network(
    pool: VerifierPool,
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        slow_list = f"http://127.0.0.1:{server.server_address[1]}/status/1"
        stuck = signed_credential(credentialStatus=status_list_entry(slow_list, 3))
        started = time.monotonic()
        with pytest.raises(VerificationBudgetError, match="longer than 1 s") as stopped:
            pool.verify(job(stuck, timeout_seconds=1.0), NO_REGISTRY)
        assert time.monotonic() - started < 4.0
        assert stopped.value.limit == "timeout_seconds"
    finally:
        server.shutdown()
        server.server_close()
    assert_recovered(pool)


def test_a_full_pool_refuses_at_once_with_a_retry_time_then_serves_again() -> None:
    pool = VerifierPool(workers=1, queue=1)
    outcomes: list[str] = []

    def hostile() -> None:
        try:
            pool.verify(job(heavy_credential(), cpu_seconds=1.0), NO_REGISTRY)
            outcomes.append("verified")
        except VerificationBudgetError as exc:
            outcomes.append(exc.limit)

    try:
        running = [threading.Thread(target=hostile) for _ in range(2)]
        for thread in running:
            thread.start()
        time.sleep(0.3)  # one verifying, one waiting: the pool is full
        started = time.monotonic()
        with pytest.raises(VerifierUnavailableError, match="busy") as busy:
            pool.verify(job(signed_credential()), NO_REGISTRY)
        assert time.monotonic() - started < 0.5
        assert busy.value.retry_after == 5  # one verification's CPU budget
        for thread in running:
            thread.join(30)
        assert outcomes == ["cpu_seconds", "cpu_seconds"]
        assert_recovered(pool)
    finally:
        pool.close()
