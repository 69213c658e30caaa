"""``credstack serve --demo`` as a person starts it: a real process on a fresh CREDSTACK_HOME."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from browser_harness import HEALTH_DEADLINE_SECONDS, http_get, link_in, run_cli, start_server

from credstack.services.operations.demo import load_accounts
from credstack.services.operations.demo_catalogue import LEARNERS


def _counts(database: Path) -> tuple[int, int, int]:
    with sqlite3.connect(database) as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("organizations", "achievements", "awards")
        )


def test_serve_demo_seeds_an_empty_home_prints_sign_ins_and_is_healthy_in_time(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    server = start_server(home, demo=True)
    try:
        print(f"/healthz answered 200 after {server.started_in:.1f} s")
        assert server.started_in < HEALTH_DEADLINE_SECONDS
        log = server.log()
        assert "Seeded the demo into the empty database" in log
        accounts = load_accounts(home)
        assert accounts is not None
        for account in accounts.accounts:
            assert f"{account.email}  password: {account.password}" in log
        # the server itself delivers the queued claim e-mails into the outbox folder
        message = server.wait_for_email(LEARNERS[1].email)
        assert "/claim/" in link_in(message, "/claim/")
        # the revoked award is served, and a verifier fetching it over HTTP sees it revoked
        url = f"{server.base_url}/credentials/{accounts.revoked_award_id}"
        status, body = http_get(f"{url}.json")
        assert status == 200
        assert json.loads(body)["id"] == url
        report = run_cli(["verify", "--json", "--allow-http-loopback", url], server.env)
        result = json.loads(report.stdout)
        assert report.returncode == 1, report.stderr
        assert result["verified"] is False
        failed = [c["id"] for c in result["checks"] if c["status"] == "fail"]
        assert failed == ["status"]
        # every other award verifies end to end, status list fetched from the server
        others = [a for a in accounts.award_ids if a != accounts.revoked_award_id]
        good = run_cli(
            ["verify", "--json", "--allow-http-loopback"]
            + [f"{server.base_url}/credentials/{a}" for a in others],
            server.env,
        )
        assert good.returncode == 0, good.stdout + good.stderr
    finally:
        server.stop()
    seeded = _counts(home / "credstack.db")

    again = start_server(home, demo=True)
    try:
        log = again.log()
        assert "already has data, so the demo was not seeded" in log
        for account in accounts.accounts:
            assert f"{account.email}  password: {account.password}" in log
    finally:
        again.stop()
    assert _counts(home / "credstack.db") == seeded
