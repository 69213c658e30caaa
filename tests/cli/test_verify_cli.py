"""``credstack verify``, ``keys generate`` and ``sign`` as a user runs them (architecture §6)."""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from credstack.cli.main import main
from credstack.core.badge_image import default_badge_png, default_badge_svg
from credstack.core.baking import bake_png, bake_svg
from credstack.core.dids import did_key_for, did_key_verification_method
from credstack.core.keys import Ed25519KeyPair, load_key_file
from credstack.core.multibase import multibase_encode
from credstack.core.proofs import sign_data_integrity
from credstack.core.status_list import status_list_credential, status_list_entry
from fixture_paths import VECTORS

OB_VECTOR = VECTORS / "1edtech-ob-v3p0-ldp"

KEY = Ed25519KeyPair.from_seed(b"\x05" * 32)
DID = did_key_for(KEY.public_multibase)
VM = did_key_verification_method(KEY.public_multibase)


def unsigned(**overrides: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:5b1e6c61-7d0b-4d55-9d1c-8e4f3a2b1c00",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": DID, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": "2026-02-01T00:00:00Z",
        "name": "Safe Lifting",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/lifting",
                "type": ["Achievement"],
                "name": "Safe Lifting",
                "description": "Lifts loads following the safety protocol.",
                "criteria": {"narrative": "Observed practical assessment."},
            },
        },
    }
    credential.update(overrides)
    return credential


def signed(**overrides: Any) -> dict[str, Any]:
    return sign_data_integrity(unsigned(**overrides), KEY, VM, created="2026-02-01T00:00:00Z")


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["verify", "--json", *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.strip()]


def checks(line: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in line["checks"]}


def test_a_valid_credential_verifies_with_exit_0_and_the_documented_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "good.json", signed())
    code, lines = run_json(capsys, str(path))
    assert code == 0
    [line] = lines
    assert set(line) == {"input", "verified", "checks", "credential"}
    assert line["verified"] is True
    assert line["input"] == str(path)
    assert line["credential"] == {
        "id": "urn:uuid:5b1e6c61-7d0b-4d55-9d1c-8e4f3a2b1c00",
        "issuer": DID,
        "name": "Safe Lifting",
    }
    assert all(set(c) == {"id", "status", "message"} for c in line["checks"])


def test_human_output_names_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = signed()
    tampered["name"] = "Unsafe Lifting"
    path = write(tmp_path / "tampered.json", tampered)
    assert main(["verify", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED" in out
    for check_id in ("parse", "context", "schema", "proof", "dates", "status"):
        assert check_id in out


def test_several_inputs_one_line_each_and_exit_1_when_any_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.json", signed())
    bad = signed()
    bad["credentialSubject"]["achievement"]["name"] = "Something else"
    bad_path = write(tmp_path / "bad.json", bad)
    code, lines = run_json(capsys, str(good), str(bad_path))
    assert code == 1
    assert [line["verified"] for line in lines] == [True, False]
    assert checks(lines[1])["proof"] == "fail"


def test_formats_are_detected_by_content_not_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = signed()
    png = bake_png(default_badge_png("Safe Lifting", "Example Institute", "x"), credential)
    svg = bake_svg(default_badge_svg("Safe Lifting", "Example Institute", "x"), credential)
    (tmp_path / "badge.txt").write_bytes(png)
    (tmp_path / "badge.dat").write_bytes(svg)
    code, lines = run_json(capsys, str(tmp_path / "badge.txt"), str(tmp_path / "badge.dat"))
    assert code == 0, lines
    assert all(line["verified"] for line in lines)


def test_dates_are_checked_against_now(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "c.json", signed())
    code, [line] = run_json(capsys, str(path), "--now", "2025-12-31T23:59:59Z")
    assert code == 1
    assert checks(line)["dates"] == "fail"


def test_recipient_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from credstack.core.identity import email_identity

    subject = unsigned()["credentialSubject"]
    subject["identifier"] = [email_identity("grace@example.org", "pepper")]
    path = write(tmp_path / "c.json", signed(credentialSubject=subject))
    assert run_json(capsys, str(path), "--recipient", "grace@example.org")[0] == 0
    code, [line] = run_json(capsys, str(path), "--recipient", "alan@example.org")
    assert code == 1
    assert checks(line)["recipient"] == "fail"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": [', "not valid JSON"),
        (b'{"a": ' * 10_000 + b"1" + b"}" * 10_000, "nested"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82", "PNG"),
        (b"just some text", "not a credential"),
    ],
)
def test_unreadable_input_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    code, [line] = run_json(capsys, str(path))
    assert code == 2
    parse = line["checks"][0]
    assert parse["id"] == "parse" and parse["status"] == "fail"
    assert reason in parse["message"]
    assert "Traceback" not in capsys.readouterr().err


def test_a_50_mb_document_is_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"padding": "')
        handle.write(b"x" * (50 * 1024 * 1024))
        handle.write(b'"}')
    code, [line] = run_json(capsys, str(path))
    assert code == 2
    assert "MB" in line["checks"][0]["message"]


def test_missing_file_is_reported_and_other_inputs_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.json", signed())
    code, lines = run_json(capsys, str(tmp_path / "nope.json"), str(good))
    assert code == 2
    assert "no such file" in lines[0]["checks"][0]["message"]
    assert lines[1]["verified"] is True


def test_unknown_context_is_a_failed_check_not_a_parse_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = unsigned()
    credential["@context"].append("https://attacker.example/context.jsonld")
    code, [line] = run_json(capsys, str(write(tmp_path / "c.json", credential)))
    assert code == 1
    assert checks(line)["context"] == "fail"


def test_status_list_on_a_private_address_is_refused_without_fetching(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = status_list_entry("https://10.1.2.3/status/1", 99)
    path = write(tmp_path / "c.json", signed(credentialStatus=entry))
    code, [line] = run_json(capsys, str(path))
    assert code == 1
    status = next(c for c in line["checks"] if c["id"] == "status")
    assert status["status"] == "fail"
    assert "private address" in status["message"]


def test_gzip_bomb_status_list_fails_the_status_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    list_url = "https://issuer.example/status/bomb"
    bomb = multibase_encode(gzip.compress(b"\x00" * (64 * 1024 * 1024)), "u")
    list_credential = sign_data_integrity(
        status_list_credential(list_url, DID, bomb, "2026-01-01T00:00:00Z"),
        KEY,
        VM,
        created="2026-01-01T00:00:00Z",
    )
    write(tmp_path / "list.json", list_credential)
    (tmp_path / "map.json").write_text(json.dumps({list_url: "list.json"}))
    credential = write(tmp_path / "c.json", signed(credentialStatus=status_list_entry(list_url, 5)))
    code, [line] = run_json(capsys, str(credential), "--documents", str(tmp_path / "map.json"))
    assert code == 1
    status = next(c for c in line["checks"] if c["id"] == "status")
    assert status["status"] == "fail"
    assert "decompression bomb" in status["message"]


def test_documents_map_makes_an_https_issuer_verifiable_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = json.loads((OB_VECTOR / "key-pair.json").read_text())
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": keys["controller"],
        "verificationMethod": [
            {
                "id": keys["verificationMethod"],
                "type": "Multikey",
                "controller": keys["controller"],
                "publicKeyMultibase": keys["publicKeyMultibase"],
            }
        ],
        "assertionMethod": [keys["verificationMethod"]],
    }
    write(tmp_path / "issuer.json", controller)
    (tmp_path / "map.json").write_text(json.dumps({keys["controller"]: "issuer.json"}))
    code, [line] = run_json(
        capsys,
        str(OB_VECTOR / "signed-credential.json"),
        "--documents",
        str(tmp_path / "map.json"),
    )
    assert code == 0, line
    assert checks(line)["issuer-key"] == "pass"


def test_bad_documents_map_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "map.json").write_text("[1, 2]")
    path = write(tmp_path / "c.json", signed())
    assert main(["verify", str(path), "--documents", str(tmp_path / "map.json")]) == 2
    assert "documents map" in capsys.readouterr().err


def test_keys_generate_then_sign_then_verify_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "issuer.jwk"
    assert main(["keys", "generate", "--out", str(key_file)]) == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    pair = load_key_file(key_file.read_bytes())
    assert isinstance(pair, Ed25519KeyPair)
    did = did_key_for(pair.public_multibase)
    document = unsigned(issuer={"id": did, "type": ["Profile"], "name": "Self-signed"})
    write(tmp_path / "unsigned.json", document)
    capsys.readouterr()
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"):
        vm = did_key_verification_method(pair.public_multibase)
        args = ["sign", str(tmp_path / "unsigned.json"), "--key", str(key_file)]
        assert main([*args, "--verification-method", vm, "--suite", suite]) == 0
        (tmp_path / f"signed-{suite}").write_text(capsys.readouterr().out)
        code, [line] = run_json(capsys, str(tmp_path / f"signed-{suite}"))
        assert code == 0, (suite, line)


def test_keys_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    key_file = tmp_path / "k.jwk"
    key_file.write_text("{}")
    assert main(["keys", "generate", "--out", str(key_file)]) == 2
    assert key_file.read_text() == "{}"


def test_stdin_input_through_the_installed_command(tmp_path: Path) -> None:
    env = {**os.environ, "CREDSTACK_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "credstack.cli", "verify", "--json", "-"],
        input=json.dumps(signed()).encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["verified"] is True
