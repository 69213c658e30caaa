"""Drive ``js/interop.mjs`` (the pinned JavaScript reference implementation) from Python.

Why a class: every call needs the node binary, Credstack's bundled contexts and a scratch
folder for the JSON files the CLI reads; tests should only say *what* to sign or verify.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).parent / "js"
_NODE_TIMEOUT_S = 60


def bundled_contexts_dir() -> Path:
    """The contexts folder of the installed Credstack package (the final source of truth)."""
    folder = Path(str(resources.files("credstack.core").joinpath("data", "contexts")))
    if not (folder / "manifest.json").is_file():
        pytest.fail(f"Credstack's bundled context manifest is missing in {folder}")
    return folder


@dataclass(frozen=True)
class JsVerification:
    """What the JavaScript reference implementation said about one credential."""

    verified: bool
    proof: bool
    issuer_checked: bool
    status: dict[str, Any] | None
    errors: list[str]
    exit_code: int


class JsReference:
    """Run ``interop.mjs`` (sign / verify) on documents written to a scratch folder."""

    def __init__(self, node: str, contexts: Path, scratch: Path) -> None:
        self._node = node
        self._contexts = contexts
        self._scratch = scratch
        self._count = 0

    def _write(self, name: str, document: Any) -> Path:
        self._count += 1
        path = self._scratch / f"{self._count:03d}-{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    def _documents_args(self, documents: Mapping[str, Any] | Path | None) -> list[str]:
        """``--documents``: an existing map file, or URL -> document / file (map written here)."""
        if isinstance(documents, Path):
            return ["--documents", str(documents)]
        if not documents:
            return []
        mapping = {}
        for url, value in documents.items():
            mapping[url] = str(value if isinstance(value, Path) else self._write("doc", value))
        return ["--documents", str(self._write("map", mapping))]

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self._node, str(JS_DIR / "interop.mjs"), *args, "--contexts", str(self._contexts)],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=_NODE_TIMEOUT_S,
            check=False,
        )

    def verify(
        self,
        credential: Mapping[str, Any] | Path,
        *,
        documents: Mapping[str, Any] | Path | None = None,
        proof_only: bool = False,
        check_status: bool = True,
        now: str | None = None,
    ) -> JsVerification:
        path = credential if isinstance(credential, Path) else self._write("vc", credential)
        args = ["verify", str(path), *self._documents_args(documents)]
        args += ["--proof-only"] if proof_only else []
        args += [] if check_status else ["--no-status"]
        args += ["--now", now] if now else []
        completed = self._run(args)
        if completed.returncode not in (0, 1):
            raise AssertionError(f"interop.mjs verify crashed: {completed.stderr}")
        out = json.loads(completed.stdout)
        return JsVerification(
            verified=out["verified"],
            proof=out["proof"],
            issuer_checked=out["issuerChecked"],
            status=out["status"],
            errors=out["errors"],
            exit_code=completed.returncode,
        )

    def sign(
        self,
        unsigned: Mapping[str, Any] | Path,
        *,
        key_pair: Mapping[str, str] | Path,
        verification_method: str,
        created: str,
        documents: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        path = unsigned if isinstance(unsigned, Path) else self._write("unsigned", unsigned)
        key = key_pair if isinstance(key_pair, Path) else self._write("key", key_pair)
        args = ["sign", str(path), "--key", str(key), "--vm", verification_method]
        args += ["--created", created, *self._documents_args(documents)]
        completed = self._run(args)
        if completed.returncode != 0:
            raise AssertionError(f"interop.mjs sign failed: {completed.stderr}")
        signed: dict[str, Any] = json.loads(completed.stdout)
        return signed
