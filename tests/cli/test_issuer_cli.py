"""``credstack issuer``: the --json shapes of architecture §6, exit codes, one-line errors.

Each test gets its own initialised database (SQLite in a temporary home, or a fresh
PostgreSQL schema) because CLI commands really commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run

from credstack.cli.unit_of_work import unit_of_work
from credstack.services.issuers.organizations import organization_by_slug

PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
CREATE = [
    *("issuer", "create", "--name", "Acme Academy", "--type", "company"),
    *("--url", "https://acme.example", "--country", "nl"),
]


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_create_prints_slug_did_and_profile_url(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *CREATE, "--json")
    assert code == 0
    created = json.loads(out)
    assert set(created) == {"slug", "did", "url"}
    assert created["slug"] == "acme-academy"
    assert created["did"].startswith("did:key:z6Mk")
    assert created["url"] == "http://127.0.0.1:8000/issuers/acme-academy"


def test_https_base_url_makes_a_did_web(
    cli_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDSTACK_BASE_URL", "https://badges.example:8443/")
    code, out, _ = run(capsys, *CREATE, "--slug", "acme", "--json")
    assert code == 0
    assert json.loads(out) == {
        "slug": "acme",
        "did": "did:web:badges.example%3A8443:issuers:acme",
        "url": "https://badges.example:8443/issuers/acme",
    }


def test_list_prints_one_json_line_per_issuer(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    second = [
        *("issuer", "create", "--name", "Bright Uni", "--type", "university"),
        *("--url", "https://bright.example", "--country", "DE", "--region", "Bayern"),
    ]
    assert run(capsys, *second)[0] == 0
    code, out, _ = run(capsys, "issuer", "list", "--json")
    assert code == 0
    rows = json_lines(out)
    assert [row["slug"] for row in rows] == ["acme-academy", "bright-uni"]
    assert set(rows[1]) == {
        *("slug", "name", "did", "url", "type", "country"),
        *("verified", "verified_by", "flagged"),
    }
    assert rows[1]["type"] == "university" and rows[1]["country"] == "DE"


def test_rotate_key_prints_the_changed_keys_and_did_key_issuer_moves_to_a_new_did(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = json.loads(run(capsys, *CREATE, "--json")[1])
    code, out, _ = run(capsys, "issuer", "rotate-key", "acme-academy", "--json")
    assert code == 0
    changed = {row["state"]: row for row in json_lines(out)}
    assert set(changed) == {"retired", "active"}
    assert changed["retired"]["controller"] == created["did"]
    new_did = changed["active"]["controller"]
    assert new_did != created["did"]
    listed = json_lines(run(capsys, "issuer", "list", "--json")[1])
    assert listed[0]["did"] == new_did
    keys = json_lines(run(capsys, "issuer", "keys", "acme-academy", "--json")[1])
    assert [key["state"] for key in keys] == ["retired", "active"]


def test_compromise_key_on_a_did_web_issuer_prints_compromised_and_replacement(
    cli_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDSTACK_BASE_URL", "https://badges.example")
    assert run(capsys, *CREATE)[0] == 0
    (key,) = json_lines(run(capsys, "issuer", "keys", "acme-academy", "--json")[1])
    code, out, _ = run(capsys, "issuer", "compromise-key", "acme-academy", key["id"], "--json")
    assert code == 0
    rows = json_lines(out)
    assert {(row["type"], row["state"]) for row in rows} == {
        ("key", "compromised"),
        ("key", "active"),
    }
    code, _, err = run(capsys, "issuer", "compromise-key", "acme-academy", key["id"])
    assert code == 1
    assert (
        err.strip()
        == f"error: key {key['id']} of issuer acme-academy is already marked compromised"
    )


def _store_award_signed_by(verification_method: str, slug: str) -> str:
    """An award row whose stored credential's proof names ``verification_method``."""
    from datetime import UTC, datetime

    from credstack.store.models import Achievement, AchievementState, Award, StatusList

    with unit_of_work() as (session, _ctx):
        organization = organization_by_slug(session, slug)
        session.add(StatusList(id="l1", organization_id=organization.id, url_path="/status/l1"))
        session.add(
            Achievement(
                id="a1",
                organization_id=organization.id,
                lineage_id="a1",
                name="Data literacy",
                definition={},
                state=AchievementState.PUBLISHED,
            )
        )
        session.flush()
        proof = {"type": "DataIntegrityProof", "verificationMethod": verification_method}
        session.add(
            Award(
                id="award-1",
                achievement_id="a1",
                achievement_lineage_id="a1",
                organization_id=organization.id,
                recipient_email="ada@example.org",
                recipient_name="Ada",
                external_id="",
                credential=json.dumps({"id": "urn:x", "proof": [proof]}),
                status_list_id="l1",
                status_index=42,
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    return "award-1"


def test_compromise_key_on_a_did_key_issuer_prints_the_revoked_awards(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    (key,) = json_lines(run(capsys, "issuer", "keys", "acme-academy", "--json")[1])
    award_id = _store_award_signed_by(key["verification_method"], "acme-academy")
    code, out, _ = run(capsys, "issuer", "compromise-key", "acme-academy", key["id"], "--json")
    assert code == 0
    rows = json_lines(out)
    assert {"type": "award", "id": award_id, "state": "revoked"} in rows
    assert {(row["type"], row["state"]) for row in rows} == {
        ("key", "compromised"),
        ("key", "active"),
        ("award", "revoked"),
    }
    code, out, _ = run(capsys, "issuer", "list", "--json")
    assert json_lines(out)[0]["did"] != key["controller"]


def test_image_file_becomes_the_profile_logo(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_HEADER)
    assert run(capsys, *CREATE, "--image", str(logo), "--linkedin-id", "12345")[0] == 0
    with unit_of_work() as (session, _ctx):
        organization = organization_by_slug(session, "acme-academy")
        stored = (
            organization.image,
            organization.image_mime,
            organization.linkedin_organization_id,
        )
    assert stored == (PNG_HEADER, "image/png", "12345")
    code, _, err = run(capsys, *CREATE, "--slug", "x2", "--image", str(tmp_path / "none.png"))
    assert code == 2 and "none.png" in err


def test_bad_fields_exit_1_with_one_line_naming_each_problem(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [
        *("issuer", "create", "--name", "Acme", "--type", "school"),
        *("--url", "acme.example", "--country", "UK"),
    ]
    code, out, err = run(capsys, *bad, "--json")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: the issuer profile is not valid: type: 'school'")
    assert "url: 'acme.example' is not an http(s) URL" in lines[0]
    assert "did you mean GB?" in lines[0]


def test_duplicate_slug_and_unknown_issuer_exit_1(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *CREATE)[0] == 0
    code, _, err = run(capsys, *CREATE)
    assert code == 1 and "already exists: choose another with --slug" in err
    code, _, err = run(capsys, "issuer", "rotate-key", "nobody")
    assert code == 1
    assert err.strip() == "error: no issuer with slug 'nobody' (see 'credstack issuer list')"


def test_missing_required_option_is_a_usage_error(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "issuer", "create", "--name", "Acme")
    assert code == 2 and "--type" in err


def test_uninitialised_database_says_to_run_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("CREDSTACK_"):
            monkeypatch.delenv(name)
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("CREDSTACK_HOME", str(home))
    monkeypatch.setenv("CREDSTACK_SECRET_KEY", "a-secret-for-this-test-only-0123")
    code, _, err = run(capsys, "issuer", "list")
    assert code == 1
    assert "run 'credstack init' first" in err
