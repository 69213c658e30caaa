"""``credstack audit list | outbox send|list | award resend-claim | backup | restore``.

Each test gets its own initialised database (SQLite in a temporary home, or a fresh
PostgreSQL schema) because CLI commands really commit. SMTP delivery goes to a real
aiosmtpd server on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from cli_runner import run
from sqlalchemy import select

from credstack.cli.unit_of_work import unit_of_work
from credstack.services.learners.claims import queue_claim_email
from credstack.store.models import Achievement, Organization
from issued_awards import issue, new_achievement, new_issuer


@pytest.fixture
def award_ids(cli_home: Path) -> list[str]:
    """Two awards of issuer ``acme``, each with its claim e-mail queued, committed."""
    with unit_of_work() as (session, ctx):
        org = new_issuer(session, ctx)
        achievement = new_achievement(session, org)
        ids = []
        for email in ("ada@example.org", "bob@example.org"):
            award = issue(session, ctx, org, achievement, email=email)
            queue_claim_email(session, ctx, award)
            ids.append(award.id)
    return ids


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Inbox(Message):
    """aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_audit_list_prints_json_lines_filtered_by_kind_and_organization(
    capsys: pytest.CaptureFixture[str], award_ids: list[str]
) -> None:
    assert run(capsys, "award", "revoke", award_ids[0], "--reason", "wrong name")[0] == 0

    code, out, _ = run(capsys, "audit", "list", "--kind", "award.", "--json")
    assert code == 0
    lines = json_lines(out)
    assert set(lines[0]) == {
        "id",
        "at",
        "actor",
        "kind",
        "subject_type",
        "subject_id",
        "organization_id",
        "data",
    }
    assert lines[0]["kind"] == "award.revoked"  # newest first
    assert lines[0]["subject_id"] == award_ids[0] and lines[0]["actor"] == "cli"
    assert lines[0]["data"]["reason"] == "wrong name"
    assert all(line["kind"].startswith("award.") for line in lines)

    code, out, _ = run(capsys, "audit", "list", "--organization", "acme", "--limit", "1", "--json")
    assert code == 0 and len(json_lines(out)) == 1

    code, out, _ = run(capsys, "audit", "list")
    assert code == 0 and "award.revoked" in out and f"award:{award_ids[0]}" in out

    code, _, err = run(capsys, "audit", "list", "--organization", "nobody")
    assert code == 1 and "nobody" in err


def test_outbox_send_writes_eml_files_and_names_the_folder(
    capsys: pytest.CaptureFixture[str], award_ids: list[str], cli_home: Path
) -> None:
    code, out, _ = run(capsys, "outbox", "list", "--json")
    assert [line["state"] for line in json_lines(out)] == ["queued", "queued"]

    code, out, _ = run(capsys, "outbox", "send")
    assert code == 0
    assert out.strip() == f"2 e-mails written to {cli_home / 'outbox'}"
    files = sorted((cli_home / "outbox").glob("*.eml"))
    assert len(files) == 2
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text_part = parsed.get_body(preferencelist=("plain",))
    assert text_part is not None
    assert "http://127.0.0.1:8000/claim/" in str(text_part.get_content())

    code, out, _ = run(capsys, "outbox", "list", "--json")
    assert {line["state"] for line in json_lines(out)} == {"sent"}
    assert run(capsys, "outbox", "send")[1].strip().startswith("0 e-mails written")


def test_outbox_send_over_smtp_and_a_refused_connection_exits_1(
    capsys: pytest.CaptureFixture[str], award_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()
    monkeypatch.setenv("CREDSTACK_SMTP_URL", f"smtp://127.0.0.1:{closed}?timeout=3")
    code, out, _ = run(capsys, "outbox", "send", "--json")
    assert code == 1
    assert json.loads(out) == {
        "sent": 0,
        "written": 0,
        "failed": 2,
        "destination": f"127.0.0.1:{closed}",
    }
    code, out, _ = run(capsys, "outbox", "list", "--json")
    lines = json_lines(out)
    assert {line["state"] for line in lines} == {"failed"}
    assert all(f"127.0.0.1:{closed}" in line["last_error"] for line in lines)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("CREDSTACK_SMTP_URL", f"smtp://127.0.0.1:{port}")
        code, out, _ = run(capsys, "outbox", "send")
    finally:
        controller.stop()
    assert code == 0 and out.strip() == f"2 e-mails sent through 127.0.0.1:{port}"
    assert sorted(str(message["To"]) for message in inbox.messages) == [
        "ada@example.org",
        "bob@example.org",
    ]


def test_award_resend_claim_queues_a_new_link(
    capsys: pytest.CaptureFixture[str], award_ids: list[str]
) -> None:
    code, out, _ = run(capsys, "award", "resend-claim", award_ids[1], "--json")
    assert code == 0
    result = json.loads(out)
    assert result["id"] == award_ids[1] and result["to"] == "bob@example.org"
    assert result["claim_url"].startswith("http://127.0.0.1:8000/claim/")

    code, out, _ = run(capsys, "outbox", "list", "--json")
    newest = json_lines(out)[0]
    assert newest["award_id"] == award_ids[1] and newest["state"] == "queued"

    code, out, _ = run(capsys, "audit", "list", "--kind", "award.claim_resent", "--json")
    assert [line["subject_id"] for line in json_lines(out)] == [award_ids[1]]

    code, _, err = run(capsys, "award", "resend-claim", "no-such-award")
    assert code == 1 and "no award with id 'no-such-award'" in err


def test_backup_then_restore_into_a_new_sqlite_home(
    capsys: pytest.CaptureFixture[str],
    award_ids: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive = tmp_path / "backup.tar.gz"
    code, out, err = run(capsys, "backup", str(archive), "--json")
    assert code == 0
    backed_up = json.loads(out)
    assert backed_up["counts"]["awards"] == 2 and backed_up["path"] == str(archive)
    assert "master secret" in err

    # A new machine: fresh home, SQLite, no secret in the environment.
    monkeypatch.delenv("CREDSTACK_DATABASE_URL", raising=False)
    new_home = tmp_path / "restored"
    monkeypatch.setenv("CREDSTACK_HOME", str(new_home))
    code, out, _ = run(capsys, "restore", str(archive), "--json")
    assert code == 0
    restored = json.loads(out)
    assert restored["counts"] == backed_up["counts"]
    assert restored["secret_file"] == str(new_home / "secret.key")

    code, out, _ = run(capsys, "award", "list", "--json")
    assert sorted(line["id"] for line in json_lines(out)) == sorted(award_ids)
    # The restored key unseals with the restored secret file and signs a new award.
    with unit_of_work() as (session, ctx):
        org = session.scalars(select(Organization)).one()
        achievement = session.scalars(select(Achievement)).one()
        issue(session, ctx, org, achievement, email="cy@example.org")
    assert len(json_lines(run(capsys, "award", "list", "--json")[1])) == 3

    code, _, err = run(capsys, "restore", str(archive))
    assert code == 1
    assert "restore needs an empty database; this one has 3 awards" in err
