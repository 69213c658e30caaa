"""The command line against the JavaScript reference implementation, end to end.

Why a CLI-level test beside ``test_js_interop.py``: users meet Credstack through
``credstack keys generate``, ``credstack sign`` and ``credstack verify --documents``. Here
the very same key file and the very same ``--documents`` map go to both tools, and the
credentials carry a BitstringStatusListEntry, so the full architecture §7 verification (schema,
proof, issuer key, dates, status, recipient) runs on what vc.js signed, and vc.js checks
status on what the CLI signed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from js_reference import JsReference
from ob3_samples import eu_micro_credential

from credstack.core.dids import did_key_verification_method
from credstack.core.keys import load_key_file
from credstack.core.status_list import (
    StatusBitstring,
    encode_list,
    status_list_credential,
    status_list_entry,
)

pytestmark = pytest.mark.interop

LIST_URL = "https://credentials.example.org/status/9"
REVOKED_INDEX = 70_001
ACTIVE_INDEX = 70_002
CREATED = "2025-03-01T09:00:00Z"
NOW = "2026-01-01T00:00:00Z"
LEARNER_EMAIL = "jürgen.müller@example.de"  # the hashed identity in eu_micro_credential


def _credstack(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credstack", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CREDSTACK_HOME": str(home)},
    )


class Workspace:
    """A folder holding one issuer's key file, documents and their ``--documents`` map."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key_file = folder / "issuer.jwk"
        generated = _credstack(folder, "keys", "generate", "--out", str(self.key_file))
        assert generated.returncode == 0, generated.stderr
        public = load_key_file(self.key_file.read_bytes()).public_multibase
        self.vm = did_key_verification_method(public)
        self.did = self.vm.split("#", 1)[0]
        self.map_file = folder / "documents.json"

    def write(self, name: str, document: dict[str, Any]) -> Path:
        path = self.folder / name
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    def publish_status_list(self, signed_list: dict[str, Any]) -> None:
        """Serve the list through the map, with a path relative to the map (architecture §6)."""
        self.write("status-9.json", signed_list)
        self.map_file.write_text(json.dumps({LIST_URL: "status-9.json"}), encoding="utf-8")

    def unsigned_status_list(self) -> dict[str, Any]:
        bits = StatusBitstring()
        bits.set(REVOKED_INDEX)
        return status_list_credential(LIST_URL, self.did, encode_list(bits), CREATED)

    def unsigned_credential(self, index: int) -> dict[str, Any]:
        return {
            **eu_micro_credential(self.did),
            "credentialStatus": status_list_entry(LIST_URL, index),
        }

    def credstack_sign(self, name: str, document: dict[str, Any]) -> dict[str, Any]:
        unsigned = self.write(f"{name}.unsigned.json", document)
        args = ["sign", str(unsigned), "--key", str(self.key_file)]
        signed = _credstack(
            self.folder, *args, "--verification-method", self.vm, "--created", CREATED
        )
        assert signed.returncode == 0, signed.stderr
        result: dict[str, Any] = json.loads(signed.stdout)
        return result

    def credstack_verify(self, credential: Path) -> tuple[int, dict[str, Any]]:
        args = ["verify", str(credential), "--documents", str(self.map_file), "--now", NOW]
        completed = _credstack(self.folder, *args, "--recipient", LEARNER_EMAIL, "--json")
        assert completed.stdout, completed.stderr
        report: dict[str, Any] = json.loads(completed.stdout.splitlines()[0])
        return completed.returncode, report


def _checks(report: dict[str, Any]) -> dict[str, str]:
    return {check["id"]: check["status"] for check in report["checks"]}


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def test_credstack_verify_accepts_and_revokes_what_the_reference_signs(
    js: JsReference, workspace: Workspace
) -> None:
    def js_sign(document: dict[str, Any]) -> dict[str, Any]:
        return js.sign(
            document,
            key_pair=workspace.key_file,
            verification_method=workspace.vm,
            created=CREATED,
        )

    workspace.publish_status_list(js_sign(workspace.unsigned_status_list()))

    active = workspace.write("active.json", js_sign(workspace.unsigned_credential(ACTIVE_INDEX)))
    code, report = workspace.credstack_verify(active)
    assert (code, report["verified"]) == (0, True), report
    checks = _checks(report)
    for check in ("schema", "proof", "issuer-key", "dates", "status", "recipient"):
        assert checks[check] == "pass", (check, report)

    revoked = workspace.write("revoked.json", js_sign(workspace.unsigned_credential(REVOKED_INDEX)))
    code, report = workspace.credstack_verify(revoked)
    assert (code, report["verified"]) == (1, False), report
    assert _checks(report)["status"] == "fail"
    assert _checks(report)["proof"] == "pass"


def test_reference_accepts_and_revokes_what_credstack_sign_produces(
    js: JsReference, workspace: Workspace
) -> None:
    signed_list = workspace.credstack_sign("status-list", workspace.unsigned_status_list())
    workspace.publish_status_list(signed_list)

    active = workspace.credstack_sign("active", workspace.unsigned_credential(ACTIVE_INDEX))
    result = js.verify(active, documents=workspace.map_file, now=NOW)
    assert result.verified, result.errors
    assert result.status is not None and result.status["revoked"] is False

    revoked = workspace.credstack_sign("revoked", workspace.unsigned_credential(REVOKED_INDEX))
    result = js.verify(revoked, documents=workspace.map_file, now=NOW)
    assert not result.verified
    assert result.proof
    assert result.status is not None and result.status["revoked"] is True
