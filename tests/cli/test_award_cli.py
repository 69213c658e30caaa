"""``credstack award create`` and ``award bulk``: --json shapes, summaries, exit codes.

Each test gets its own initialised database (SQLite in a temporary home, or a fresh
PostgreSQL schema) with a published achievement, because CLI commands really commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run

from credstack.cli.main import main
from fresh_home import fresh_home

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
ISSUER = [
    *("issuer", "create", "--name", "Example University", "--type", "university"),
    *("--url", "https://www.example-university.eu", "--country", "NL", "--slug", "exu"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def achievement(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[str]:
    """A fresh home and database with issuer ``exu`` and the example achievement published."""
    with fresh_home(request, monkeypatch, tmp_path / "home", "awardcli"):
        assert main(["init"]) == 0
        assert main(ISSUER) == 0
        code, out, _ = run(
            capsys,
            *("achievement", "create", "--issuer", "exu", "--file", str(EXAMPLE)),
            *("--publish", "--json"),
        )
        assert code == 0, out
        yield json.loads(out)["id"]


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_create_prints_id_url_and_state_and_is_idempotent(
    achievement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("award", "create", "--achievement", achievement, "--email", "ada@example.org")
    code, out, err = run(capsys, *args, "--name", "Ada Lovelace", "--external-id", "S1", "--json")
    assert (code, err) == (0, "")
    created = json.loads(out)
    assert set(created) == {"id", "url", "state", "created"}
    assert created["url"] == f"http://127.0.0.1:8000/credentials/{created['id']}"
    assert (created["state"], created["created"]) == ("issued", True)

    code, out, _ = run(capsys, *args, "--name", "Ada Lovelace", "--external-id", "S1")
    assert code == 0
    assert f"Already issued (nothing new signed): award {created['id']}" in out
    assert created["url"] in out


def test_create_refuses_bad_input_with_the_option_named(
    achievement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("award", "create", "--achievement", achievement, "--name", "Ada")
    code, _, err = run(capsys, *base, "--email", "not-an-address")
    assert code == 2
    assert "--email: 'not-an-address' is not an e-mail address" in err
    code, _, err = run(capsys, *base, "--email", "a@b.example", "--issued", "yesterday")
    assert code == 2
    assert "--issued" in err
    code, _, err = run(capsys, "award", "create", "--achievement", "nope", "--email", "a@b.example",
                       "--name", "A")  # fmt: skip
    assert code == 1
    assert "no achievement with id 'nope'" in err


def test_bulk_issues_then_skips_on_a_second_run(
    achievement: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = "".join(f"l{n}@example.org,Learner {n}\n" for n in range(12))
    csv_file = write(tmp_path / "a.csv", "email,name\n" + rows)
    code, out, _ = run(
        capsys, "award", "bulk", "--achievement", achievement, str(csv_file), "--json"
    )
    assert code == 0
    assert json.loads(out) == {"issued": 12, "skipped": 0, "invalid": 0, "problems": []}
    code, out, _ = run(capsys, "award", "bulk", "--achievement", achievement, str(csv_file))
    assert code == 0
    assert "0 issued, 12 skipped (already issued), 0 invalid." in out


def test_bulk_with_bad_rows_lists_every_problem_and_issues_nothing(
    achievement: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(
        tmp_path / "bad.csv",
        b"email,name\nok@example.org,Ok\nbroken,B\nc@example.org,\nok@example.org,Ok\n"
        b"d@example.org,D\xe9\n",
    )
    code, out, err = run(capsys, "award", "bulk", "--achievement", achievement, str(csv_file))
    assert code == 1
    assert out == "0 issued, 0 skipped (already issued), 4 invalid.\n"
    lines = [line.strip() for line in err.splitlines()]
    assert lines[:4] == [
        "line 3, column email: 'broken' is not an e-mail address",
        "line 4, column name: the learner's name is empty",
        "line 5, column email: repeats line 2 (same e-mail and external id); remove one",
        "line 6: is not UTF-8 (byte 0xe9 at position 16); save the file as UTF-8",
    ]
    assert "nothing was issued" in lines[4]

    code, out, _ = run(
        capsys, "award", "bulk", "--achievement", achievement, str(csv_file), "--skip-invalid",
        "--json",
    )  # fmt: skip
    assert code == 1  # a bad row is still a failure, even when the good ones were issued
    summary = json.loads(out)
    assert (summary["issued"], summary["skipped"], summary["invalid"]) == (1, 0, 4)
    assert [problem["line"] for problem in summary["problems"]] == [3, 4, 5, 6]


def test_bulk_dry_run_and_unknown_column(
    achievement: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = write(tmp_path / "good.csv", "name,email\nAda,ada@example.org\n")
    code, out, _ = run(
        capsys, "award", "bulk", "--achievement", achievement, str(good), "--dry-run"
    )
    assert code == 0
    assert "Dry run: 0 invalid row(s); nothing issued." in out
    code, out, _ = run(capsys, "award", "bulk", "--achievement", achievement, str(good), "--json")
    assert json.loads(out)["issued"] == 1  # the dry run issued nothing before

    odd = write(tmp_path / "odd.csv", "email,name,grade\nada@example.org,Ada,A\n")
    code, out, _ = run(capsys, "award", "bulk", "--achievement", achievement, str(odd), "--json")
    assert code == 1
    (problem,) = json.loads(out)["problems"]
    assert (problem["line"], problem["column"]) == (1, "grade")
