"""``credstack verify`` against the hardening probe's hostile inputs (issue 9).

Each unusable input is reported on its own line with exit code 2, and the inputs after it
are still verified; the ``--documents`` map never reads more than the verifier would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_verify_cli import signed, write

from credstack.cli.main import main
from hostile_inputs import nested_header_jwt, wide_credential


def good_credential(path: Path) -> Path:
    return write(path, signed())


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    code = main(["verify", "--json", *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.strip()]


def test_a_jwt_with_a_nested_header_exits_2_and_the_next_input_is_still_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = tmp_path / "nested.jwt"
    hostile.write_text(nested_header_jwt(), encoding="ascii")
    good = good_credential(tmp_path / "good.json")
    code, lines = run_json(capsys, str(hostile), str(good))
    assert code == 2
    assert [line["input"] for line in lines] == [str(hostile), str(good)]
    parse = lines[0]["checks"][0]
    assert parse["id"] == "parse" and parse["status"] == "fail"
    assert "nested too deeply" in parse["message"]
    assert lines[1]["verified"] is True


def test_a_documents_map_naming_an_endless_file_is_refused_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = good_credential(tmp_path / "good.json")
    documents = tmp_path / "map.json"
    documents.write_text(json.dumps({"https://issuer.example/did.json": "/dev/zero"}))
    assert main(["verify", str(good), "--documents", str(documents)]) == 2
    err = capsys.readouterr().err
    assert "/dev/zero" in err and "larger than 8 MB" in err


def test_a_documents_map_that_is_itself_endless_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = good_credential(tmp_path / "good.json")
    assert main(["verify", str(good), "--documents", "/dev/zero"]) == 2
    assert "larger than 1 MB" in capsys.readouterr().err


def test_a_nested_documents_map_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = good_credential(tmp_path / "good.json")
    documents = tmp_path / "map.json"
    documents.write_bytes(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert main(["verify", str(good), "--documents", str(documents)]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_an_over_budget_credential_exits_2_naming_the_limit_and_the_rest_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wide = tmp_path / "wide.json"
    wide.write_bytes(wide_credential())
    good = good_credential(tmp_path / "good.json")
    code, lines = run_json(capsys, str(wide), str(good))
    assert code == 2
    assert "at most 1,000 entries per array" in lines[0]["checks"][0]["message"]
    assert lines[1]["verified"] is True


def test_the_budget_comes_from_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "c.json", signed(evidence=[{"type": ["Evidence"]}] * 1_500))
    code, [line] = run_json(capsys, str(path))
    assert code == 2 and "1,500 entries" in line["checks"][0]["message"]
    monkeypatch.setenv("CREDSTACK_VERIFY_MAX_ENTRIES", "2000")
    code, [line] = run_json(capsys, str(path))
    assert line["checks"][0]["status"] == "pass"
    monkeypatch.setenv("CREDSTACK_VERIFY_MAX_PROOFS", "0")
    assert main(["verify", str(path)]) != 0
    assert "CREDSTACK_VERIFY_MAX_PROOFS: Input should be greater than" in capsys.readouterr().err
