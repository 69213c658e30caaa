"""Bulk issuing benchmark: awards per second and peak memory, against the pure signing rate.

Run from the repository root::

    .venv/bin/python -m benchmarks.bulk [--rows 10000,100000] [--databases sqlite,postgresql]

Each case (database and row count) runs in its own subprocess: a fresh database (a temporary
SQLite file, or a fresh schema on ``CREDSTACK_BENCH_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/test``), an issuer, the example micro-credential
published, a generated CSV, then ``services.bulk.issue_csv`` exactly as ``credstack award
bulk`` calls it (validation pass, batches, a commit after each batch). Claim e-mails are
queued in the database, never sent. The peak memory is the child's RSS high-water mark
(``os.wait4`` rusage). The pure signing rate is the core's ``eddsa-rdfc-2022`` signing of
the same credential shape, measured in this same run, in this process. Results are
printed as a table and written to ``benchmarks/results/bulk.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "bulk.json"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "micro-credential.yaml"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
MASTER = b"bulk-benchmark-master-secret-0123456789"
BASE_URL = "http://127.0.0.1:8000"


def write_csv(path: Path, rows: int) -> None:
    """A realistic file: every column filled on every row, streamed to disk."""
    with path.open("w", encoding="utf-8") as out:
        out.write("email,name,external_id,evidence,narrative,result,issued,expires\n")
        for n in range(rows):
            out.write(
                f"learner{n}@example.org,Learner Number {n},STU-{n:07d},"
                f"https://portfolio.example/{n},Completed the capstone project,"
                f"{7 + n % 4}/10,2026-03-01,2031-03-01\n"
            )


def _sample_credential() -> tuple[dict[str, Any], Any, str]:
    """An unsigned credential shaped like the benchmark's awards, and a did:key signer."""
    from credstack.core.achievement import parse_definition
    from credstack.core.credential import (
        achievement_json,
        build_achievement_credential,
        issuer_profile,
    )
    from credstack.core.dids import did_key_for, did_key_verification_method
    from credstack.core.keys import Ed25519KeyPair
    from credstack.core.status_list import status_list_entry

    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    did = did_key_for(key.public_multibase)
    issuer = issuer_profile(id=did, name="Example University", country_code="NL")
    achievement = achievement_json(
        parse_definition(EXAMPLE.read_text(encoding="utf-8")),
        achievement_id_url=f"{BASE_URL}/achievements/a1",
        issuer_profile=issuer,
        image_url=f"{BASE_URL}/achievements/a1/image",
    )
    unsigned = build_achievement_credential(
        credential_id=f"{BASE_URL}/credentials/abc",
        issuer=issuer,
        achievement=achievement,
        recipient_email="learner1@example.org",
        recipient_name="Learner Number 1",
        salt="c2FsdHNhbHRzYWx0",
        valid_from=datetime(2026, 3, 1, tzinfo=UTC),
        valid_until=datetime(2031, 3, 1, tzinfo=UTC),
        status_entry=status_list_entry(f"{BASE_URL}/status/x", 17),
        evidence=[{"id": "https://portfolio.example/1"}],
        result=[{"type": ["Result"], "value": "8/10"}],
        narrative="Completed the capstone project",
        external_id="STU-0000001",
    )
    return unsigned, key, did_key_verification_method(key.public_multibase)


def signing_rate(seconds: float) -> float:
    """Pure eddsa-rdfc-2022 signatures per second of the benchmark's credential shape."""
    from credstack.core.proofs import sign_data_integrity

    unsigned, key, method = _sample_credential()
    sign_data_integrity(unsigned, key, method, created="2026-03-01T09:00:00Z")  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sign_data_integrity(unsigned, key, method, created="2026-03-01T09:00:00Z")
        count += 1
    return count / (time.perf_counter() - start)


def _database_url(backend: str, home: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{home / 'credstack.db'}", None
    from sqlalchemy import text

    from credstack.store.engine import create_database_engine

    base = os.environ.get("CREDSTACK_BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    schema = f"credstack_bench_{os.getpid()}_{secrets.token_hex(4)}"
    with create_database_engine(base).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    from sqlalchemy import text

    from credstack.store.engine import create_database_engine

    base = os.environ.get("CREDSTACK_BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    with create_database_engine(base).begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def run_case(backend: str, rows: int, workers: int | None, seconds: float) -> dict[str, Any]:
    """One measured bulk run in this (child) process; returns its figures.

    The pure signing rate is measured again here, just before the run: the machine may
    be busier now than when the parent measured, and the ratio must compare like with like.
    """
    local_rate = signing_rate(seconds)
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements
    from credstack.services.context import ServiceContext
    from credstack.services.issuers.profiles import create_issuer
    from credstack.services.issuing.bulk import issue_csv
    from credstack.store.engine import create_database_engine, session_factory
    from credstack.store.migrate import upgrade_to_head

    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as folder:
        home = Path(folder)
        url, schema = _database_url(backend, home)
        try:
            engine = create_database_engine(url)
            upgrade_to_head(engine)
            ctx = ServiceContext(base_url=BASE_URL, master_secret=MASTER, home=home)
            csv_path = home / "awards.csv"
            write_csv(csv_path, rows)
            with session_factory(engine)() as session:
                organization = create_issuer(
                    session, ctx, name="Example University", type="university",
                    url="https://www.example-university.eu", country="NL",
                )  # fmt: skip
                draft = achievements.create_achievement(
                    session, ctx, issuer_slug=organization.slug,
                    definition=EXAMPLE.read_text(encoding="utf-8"),
                )  # fmt: skip
                achievement_id = achievements.publish(session, ctx, draft.id).id
                session.commit()
                start = time.perf_counter()
                summary = issue_csv(
                    session, ctx, achievement_id, csv_path, principal=Principal.operator(),
                    checkpoint=session.commit, workers=workers,
                )  # fmt: skip
                session.commit()
                elapsed = time.perf_counter() - start
            engine.dispose()
        finally:
            if schema is not None:
                _drop_schema(schema)
    if summary.issued != rows:
        raise SystemExit(f"expected {rows} awards, issued {summary.issued}: {summary.problems[:3]}")
    return {
        "backend": backend,
        "rows": rows,
        "workers": workers or os.cpu_count(),
        "seconds": elapsed,
        "awards_per_s": rows / elapsed,
        "signing_per_s_before_run": local_rate,
        "load_average_1min_after_run": os.getloadavg()[0],
        "ratio_to_signing_before_run": rows / elapsed / local_rate,
    }


def _measure_in_child(
    backend: str, rows: int, workers: int | None, seconds: float
) -> dict[str, Any]:
    """Run one case in a subprocess and add its peak RSS (MB) from ``os.wait4``.

    The RSS is the issuing process's own; signing workers (children of the child) are
    separate processes of about the size of the core alone.
    """
    case = f"{backend}:{rows}:{workers or 0}:{seconds}"
    command = [sys.executable, "-m", "benchmarks.bulk", "--case", case]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"case {backend}:{rows} failed (exit {process.returncode})")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports kilobytes
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000", help="comma-separated row counts")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=5.0, help="signing-rate measurement")
    parser.add_argument(
        "--workers", type=int, default=0, help="signing processes (0: bulk's default)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        backend, rows, workers, seconds = args.case.split(":")
        print(json.dumps(run_case(backend, int(rows), int(workers) or None, float(seconds))))
        return 0
    load_at_start = os.getloadavg()[0]  # others' work on the machine skews every figure
    rate = signing_rate(args.seconds)
    print(f"pure eddsa-rdfc-2022 signing rate: {rate:.0f}/s (same credential shape, 1 process)")
    cases = []
    for backend in args.databases.split(","):
        for rows in (int(value) for value in args.rows.split(",")):
            result = _measure_in_child(backend, rows, args.workers or None, args.seconds)
            result["ratio_to_signing"] = result["awards_per_s"] / rate
            cases.append(result)
            print(
                f"{backend:<11} {rows:>7} rows  {result['seconds']:7.1f} s  "
                f"{result['awards_per_s']:7.0f} awards/s  ratio {result['ratio_to_signing']:.2f} "
                f"(to the rate just before: {result['ratio_to_signing_before_run']:.2f})  "
                f"workers {result['workers']}  peak {result['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "signing_per_s": rate,
        "load_average_1min_at_start": load_at_start,
        "cases": cases,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
