"""``credstack skills import``: real ESCO and O*NET files, --json summary, re-runs, errors.

Each test gets its own initialised database (SQLite in a temporary home, or a fresh
PostgreSQL schema) because the command really commits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run
from sqlalchemy import func, select

from credstack.cli.unit_of_work import unit_of_work
from credstack.store.models import Framework, Skill
from fixture_paths import ESCO, ONET


def test_import_both_frameworks_json_then_rerun(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("skills", "import", "--esco", str(ESCO), "--onet", str(ONET), "--limit", "200")

    code, out, _ = run(capsys, *args, "--json")

    assert code == 0
    summary = json.loads(out)
    assert summary["esco"]["skills"] == 200 and summary["esco"]["added_skills"] == 200
    assert summary["onet"]["occupations"] == 200
    assert summary["onet"]["relations"] > 0
    with unit_of_work() as (session, _):
        stored = session.scalar(select(func.count()).where(Skill.framework == Framework.ESCO))
    assert stored == 200  # committed, visible to a new session

    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "ESCO: 200 skills (0 new)" in out
    assert "This service uses the ESCO classification of the European Commission." in out


def test_without_a_folder_or_with_a_wrong_one_exits_2(
    cli_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "skills", "import")
    assert code == 2
    assert "--esco" in err and "--onet" in err

    code, _, err = run(capsys, "skills", "import", "--onet", str(tmp_path))
    assert code == 2
    assert "Occupation Data.txt" in err
