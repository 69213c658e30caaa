"""Issue 4 "Done when", end to end, on SQLite and on PostgreSQL.

init → issuer → the example micro-credential (published) → ``award bulk`` of a generated
1,000-row CSV through the CLI → ``award revoke`` one → the app started for real (uvicorn
on 127.0.0.1, a free port, that address as the base URL) → every credential verified
with ``credstack.core.verify``, status lists fetched over HTTP from the running app
through the same safe fetcher ``credstack verify`` uses (loopback http allowed): 999
verify, the revoked one fails only its status check; ``credstack verify`` itself on a
sample; the same CSV again issues nothing; a CSV with broken rows is refused with every
problem listed by line and nothing issued.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import func, select

from credstack.app import create_app
from credstack.cli.main import main
from credstack.core.errors import FetchError
from credstack.core.fetching import FetchPolicy
from credstack.core.report import CheckStatus
from credstack.core.verify import VerifyOptions, verify
from credstack.services.verification.fetcher import HttpFetcher
from credstack.settings import load_settings
from credstack.store.engine import create_database_engine
from credstack.store.models import Award
from fresh_home import fresh_home

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
ROWS = 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Deployment:
    home: Path
    base_url: str


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    """A fresh CREDSTACK_HOME and database whose base URL is where the app will listen."""
    base_url = f"http://127.0.0.1:{free_port()}"
    with fresh_home(request, monkeypatch, tmp_path / "home", "e2e") as home:
        monkeypatch.setenv("CREDSTACK_BASE_URL", base_url)
        yield Deployment(home=home, base_url=base_url)


@contextmanager
def serving(deployment: Deployment) -> Iterator[None]:
    """``credstack serve`` for real: uvicorn in a thread on the deployment's address."""
    port = int(deployment.base_url.rsplit(":", 1)[1])
    config = uvicorn.Config(
        create_app(load_settings()), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = cli(capsys, *args, "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def write_rows(path: Path, rows: int) -> Path:
    lines = ["email,name,external_id,result"]
    lines += [f"learner{n}@example.org,Learner {n},STU-{n:05d},{6 + n % 5}/10" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_awards() -> dict[str, str]:
    engine = create_database_engine(load_settings().effective_database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Award.id, Award.credential)).all()
    finally:
        engine.dispose()
    return {row[0]: row[1] for row in rows}


def award_count() -> int:
    engine = create_database_engine(load_settings().effective_database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Award)) or 0
    finally:
        engine.dispose()


def test_issue_revoke_serve_verify_and_reissue(
    deployment: Deployment, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli(capsys, "init")[0] == 0
    issuer = cli_json(
        capsys,
        *("issuer", "create", "--name", "Example University", "--type", "university"),
        *("--url", "https://www.example-university.eu", "--country", "NL", "--slug", "exu"),
    )
    assert str(issuer["did"]).startswith("did:key:")  # http base URL: did:key (architecture §2)
    achievement = cli_json(
        capsys,
        *("achievement", "create", "--issuer", "exu", "--file", str(EXAMPLE), "--publish"),
    )
    assert achievement["state"] == "published"
    achievement_id = str(achievement["id"])

    csv_file = write_rows(tmp_path / "cohort.csv", ROWS)
    started = time.perf_counter()
    summary = cli_json(capsys, "award", "bulk", "--achievement", achievement_id, str(csv_file))
    issue_seconds = time.perf_counter() - started
    assert summary == {"issued": ROWS, "skipped": 0, "invalid": 0, "problems": []}

    awards = stored_awards()
    assert len(awards) == ROWS
    revoked_id = sorted(awards)[ROWS // 2]
    revoked = cli_json(capsys, "award", "revoke", revoked_id, "--reason", "issued in error")
    assert revoked == {"id": revoked_id, "state": "revoked"}

    sample = [revoked_id, *sorted(awards)[:2]]
    for award_id in sample:
        (tmp_path / f"{award_id}.json").write_text(awards[award_id], encoding="utf-8")
    with serving(deployment):
        verified, failures, verify_seconds = verify_all(awards)
        code, out, _ = cli(
            capsys, "verify", "--allow-http-loopback", "--json",
            *(str(tmp_path / f"{award_id}.json") for award_id in sample),
        )  # fmt: skip
    assert failures == {revoked_id: {"status"}}
    assert verified == ROWS - 1
    assert code == 1  # one input (the revoked one) does not verify
    reports = [json.loads(line) for line in out.splitlines()]
    assert [report["verified"] for report in reports] == [False, True, True]
    failed = [check["id"] for check in reports[0]["checks"] if check["status"] == "fail"]
    assert failed == ["status"]
    sys.__stderr__.write(
        f"\n1,000 issued in {issue_seconds:.1f} s, verified in {verify_seconds:.1f} s\n"
    )

    again = cli(capsys, "award", "bulk", "--achievement", achievement_id, str(csv_file))
    assert again[0] == 0
    assert "0 issued, 1000 skipped (already issued), 0 invalid." in again[1]
    assert award_count() == ROWS

    broken = tmp_path / "broken.csv"
    broken.write_bytes(
        b"email,name,external_id,grade\n"
        b"new1@example.org,New One,N1,A\n"
        b"not-an-address,Bad Mail,N2,B\n"
        b"new3@example.org,,N3,C\n"
        b"new1@example.org,New One,N1,A\n"
        b"new5@example.org,Ren\xe9e,N5,D\n"
    )
    code, out, err = cli(capsys, "award", "bulk", "--achievement", achievement_id, str(broken))
    assert code == 1
    problems = [line.strip() for line in err.splitlines() if line.strip().startswith("line ")]
    assert problems == [
        "line 1, column grade: unknown column 'grade'; use email, name, external_id, evidence, "
        "narrative, result, issued, expires",
        "line 3, column email: 'not-an-address' is not an e-mail address",
        "line 4, column name: the learner's name is empty",
        "line 5, column email: repeats line 2 (same e-mail and external id); remove one",
        "line 6: is not UTF-8 (byte 0xe9 at position 21); save the file as UTF-8",
    ]
    assert "nothing was issued" in err
    assert award_count() == ROWS


def verify_chunk(items: list[tuple[str, str]], now: datetime) -> list[tuple[str, bool, set[str]]]:
    """(award id, verified, failed check ids) for each credential, lists fetched over HTTP.

    Runs in a worker process; the fetcher is the one ``credstack verify`` uses (loopback
    http allowed), with one TLS context for the whole chunk instead of one per request.
    """
    fetch = HttpFetcher(
        FetchPolicy(allow_http_loopback=True),
        ssl_context=ssl.create_default_context(),
        what="status list URL",
    )
    options = VerifyOptions(now=now, fetch=fetch)
    results = []
    for award_id, text in items:
        report = verify(text, input_name=award_id, options=options)
        failed = {check.id for check in report.checks if check.status is CheckStatus.FAIL}
        results.append((award_id, report.verified, failed))
    return results


def verify_all(awards: dict[str, str]) -> tuple[int, dict[str, set[str]], float]:
    """Verify every award on every core; (verified, failed checks by award, seconds).

    Verification is CPU-bound (OB 3.0 JSON Schema, proofs of credential and list), so the
    1,000 credentials are split over one worker process per core to keep the suite fast.
    """
    items = list(awards.items())
    workers = max(1, min(4, os.cpu_count() or 1))
    chunks = [items[start::workers] for start in range(workers)]
    now = datetime.now(UTC) + timedelta(minutes=1)
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        outcomes = [row for rows in pool.map(verify_chunk, chunks, [now] * workers) for row in rows]
    verified = sum(1 for _, ok, failed in outcomes if ok and not failed)
    failures = {award_id: failed for award_id, ok, failed in outcomes if not ok or failed}
    return verified, failures, time.perf_counter() - started


def test_concurrent_first_fetches_of_a_stale_status_list_all_succeed(
    deployment: Deployment, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Verifiers asking at once for a list that must be (re-)signed all get it (no 500)."""
    assert cli(capsys, "init")[0] == 0
    cli_json(
        capsys,
        *("issuer", "create", "--name", "Example University", "--type", "university"),
        *("--url", "https://www.example-university.eu", "--country", "NL", "--slug", "exu"),
    )
    achievement = cli_json(
        capsys,
        *("achievement", "create", "--issuer", "exu", "--file", str(EXAMPLE), "--publish"),
    )
    award = cli_json(
        capsys, "award", "create", "--achievement", str(achievement["id"]),
        "--email", "ada@example.org", "--name", "Ada Lovelace",
    )  # fmt: skip
    url = json.loads(stored_awards()[str(award["id"])])["credentialStatus"]["statusListCredential"]
    fetch = HttpFetcher(FetchPolicy(allow_http_loopback=True))
    errors: list[str] = []

    def get() -> None:
        try:
            fetch(url)
        except FetchError as exc:
            errors.append(str(exc))

    def concurrently() -> None:
        threads = [threading.Thread(target=get) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    with serving(deployment):
        concurrently()  # the list's first publication
        revoked = cli_json(capsys, "award", "revoke", str(award["id"]), "--reason", "test")
        assert revoked["state"] == "revoked"
        concurrently()  # re-signed after the revocation
    assert errors == []
