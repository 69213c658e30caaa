"""``credstack award list | revoke | export``: architecture §6 shapes, exit codes, files written.

Each test gets its own initialised database (SQLite in a temporary home, or a fresh
PostgreSQL schema) because CLI commands really commit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run

from credstack.cli.unit_of_work import unit_of_work
from credstack.core.errors import FetchError
from credstack.core.inputs import parse_input
from credstack.core.verify import VerifyOptions, verify
from credstack.services.achievements import lifecycle as achievements
from credstack.services.issuing.awards import issue_award
from credstack.services.issuing.listing import get_award
from credstack.services.status.lists import publish
from issued_awards import issue, new_achievement, new_issuer


@pytest.fixture
def awards(cli_home: Path) -> dict[str, Any]:
    """Two achievements of one issuer; three awards (ids by e-mail), committed."""
    with unit_of_work() as (session, ctx):
        org = new_issuer(session, ctx)
        first = new_achievement(session, org)
        second = new_achievement(session, org)
        ids = {
            email: issue(session, ctx, org, achievement, email=email).id
            for email, achievement in (
                ("ada@example.org", first),
                ("bob@example.org", first),
                ("cy@example.org", second),
            )
        }
    return {"ids": ids, "first": first.id, "second": second.id}


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_list_prints_design_json_lines_and_filters_by_achievement(
    capsys: pytest.CaptureFixture[str], awards: dict[str, Any]
) -> None:
    code, out, _ = run(capsys, "award", "list", "--json")
    assert code == 0
    lines = json_lines(out)
    assert [set(line) for line in lines] == [{"id", "recipient", "state", "url"}] * 3
    assert {line["recipient"]: line["id"] for line in lines} == awards["ids"]
    assert {line["state"] for line in lines} == {"issued"}
    for line in lines:
        assert line["url"] == f"http://127.0.0.1:8000/credentials/{line['id']}"

    code, out, _ = run(capsys, "award", "list", "--achievement", awards["second"], "--json")
    assert [line["recipient"] for line in json_lines(out)] == ["cy@example.org"]

    code, _, err = run(capsys, "award", "list", "--achievement", "nope")
    assert code == 1 and "no achievement with id 'nope'" in err


def test_revoke_prints_id_and_state_and_refuses_a_second_time(
    capsys: pytest.CaptureFixture[str], awards: dict[str, Any]
) -> None:
    award_id = awards["ids"]["ada@example.org"]
    code, out, _ = run(capsys, "award", "revoke", award_id, "--reason", "wrong name", "--json")
    assert code == 0
    assert json.loads(out) == {"id": award_id, "state": "revoked"}

    code, out, _ = run(capsys, "award", "list", "--json")
    states = {line["id"]: line["state"] for line in json_lines(out)}
    assert states[award_id] == "revoked"
    assert sorted(states.values()) == ["issued", "issued", "revoked"]

    code, _, err = run(capsys, "award", "revoke", award_id, "--reason", "again")
    assert code == 1
    assert err.count("\n") == 1 and "already revoked" in err

    code, _, err = run(capsys, "award", "revoke", awards["ids"]["bob@example.org"])
    assert code == 2 and "--reason" in err


def _verify_with_store(data: bytes) -> dict[str, str]:
    """Verify ``data`` with the status lists this deployment would serve."""
    with unit_of_work() as (session, ctx):
        credential = parse_input(data).credential
        list_url = credential["credentialStatus"]["statusListCredential"]
        list_text = publish(session, ctx, list_url.rsplit("/", 1)[1])

    def fetch(url: str) -> bytes:
        if url == list_url:
            return list_text.encode()
        raise FetchError(f"{url}: not served in this test")

    report = verify(
        data,
        input_name="export",
        options=VerifyOptions(now=datetime.now(UTC) + timedelta(minutes=1), fetch=fetch),
    )
    return {c.id: c.status.value for c in report.checks} | {"verified": str(report.verified)}


@pytest.mark.parametrize("fmt", ["json", "jwt", "png", "svg"])
def test_export_to_a_directory_round_trips_and_verifies(
    capsys: pytest.CaptureFixture[str], awards: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    ids = [awards["ids"]["ada@example.org"], awards["ids"]["cy@example.org"]]
    out_dir = tmp_path / "exports"
    code, _, err = run(capsys, "award", "export", *ids, "--format", fmt, "--dir", str(out_dir))
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(f"{i}.{fmt}" for i in ids)
    for award_id in ids:
        data = (out_dir / f"{award_id}.{fmt}").read_bytes()
        parsed = parse_input(data)
        assert parsed.format == fmt
        assert parsed.credential["id"].endswith(f"/credentials/{award_id}")
        checks = _verify_with_store(data)
        assert checks["verified"] == "True", checks


def test_export_to_one_file_is_the_stored_json(
    capsys: pytest.CaptureFixture[str], awards: dict[str, Any], tmp_path: Path
) -> None:
    award_id = awards["ids"]["bob@example.org"]
    target = tmp_path / "bob.json"
    code, _, _ = run(capsys, "award", "export", award_id, "--format", "json", "-o", str(target))
    assert code == 0
    with unit_of_work() as (session, _ctx):
        stored = get_award(session, award_id).credential
    assert target.read_bytes() == stored.encode()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "exactly one of -o FILE or --dir DIR"),
        (["-o", "x.json", "--dir", "d"], "exactly one of -o FILE or --dir DIR"),
        (["--two", "-o", "x.json"], "-o writes one file but 2 awards were named"),
    ],
)
def test_export_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    awards: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    ids = [awards["ids"]["ada@example.org"]]
    if "--two" in extra:
        extra = [e for e in extra if e != "--two"]
        ids.append(awards["ids"]["bob@example.org"])
    code, _, err = run(capsys, "award", "export", *ids, "--format", "json", *extra)
    assert code == 2
    assert message in err
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "d").exists()


def test_export_refuses_an_unknown_format_and_unknown_ids_write_nothing(
    capsys: pytest.CaptureFixture[str], awards: dict[str, Any], tmp_path: Path
) -> None:
    award_id = awards["ids"]["ada@example.org"]
    out_dir = tmp_path / "partial"
    code, _, err = run(
        capsys, "award", "export", award_id, "--format", "gif", "--dir", str(out_dir)
    )
    assert code == 2 and "gif" in err
    code, _, err = run(
        capsys, "award", "export", award_id, "ghost", "--format", "png", "--dir", str(out_dir)
    )
    assert code == 1 and "no award with id 'ghost'" in err
    assert list(out_dir.iterdir()) == []


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"


def test_correct_revokes_and_issues_a_replacement(
    capsys: pytest.CaptureFixture[str], cli_home: Path
) -> None:
    with unit_of_work() as (session, ctx):
        org = new_issuer(session, ctx, slug="uni")
        draft = achievements.create_achievement(
            session, ctx, issuer_slug=org.slug, definition=EXAMPLE.read_text(encoding="utf-8")
        )
        published = achievements.publish(session, ctx, draft.id)
        old_id = issue_award(
            session, ctx, achievement_id=published.id, email="ada@example.org", name="Ada Lovelcae"
        ).award.id

    code, out, err = run(capsys, "award", "correct", old_id, "--name", "Ada Lovelace", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"id", "url", "state", "replaces"}
    assert result["replaces"] == old_id and result["state"] == "issued"
    code, out, _ = run(capsys, "award", "list", "--json")
    states = {line["id"]: line["state"] for line in json_lines(out)}
    assert states == {old_id: "revoked", result["id"]: "issued"}

    code, _, err = run(capsys, "award", "correct", result["id"])
    assert code == 2 and "--name and/or --email" in err
    code, _, err = run(capsys, "award", "correct", old_id, "--name", "Ada King")
    assert code == 1 and "only a valid award can be corrected" in err
