"""Fixtures for the JavaScript interop tests: install the pinned reference implementation
and drive ``js/interop.mjs`` from Python.

Why a separate harness: Credstack's proofs must verify in *other* verifiers, and the
Digital Bazaar libraries are the implementation the W3C test suites are built around.
The npm packages are pinned exactly in ``js/package.json`` and ``js/package-lock.json``;
``npm ci`` runs only when ``node_modules`` is missing or was installed from another lock
file. Without node/npm the tests skip locally, but fail in CI (``CI=true``), where they
are required.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).parent / "js"
REPO_ROOT = Path(__file__).resolve().parents[2]
_STAMP = JS_DIR / "node_modules" / ".credstack-lock-sha256"
_NPM_TIMEOUT_S = 300
_NODE_TIMEOUT_S = 60


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    """Skip locally; in CI the interop tests are mandatory, so fail instead."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: the interop tests are required in CI)")
    pytest.skip(reason)


def _lock_digest() -> str:
    return hashlib.sha256((JS_DIR / "package-lock.json").read_bytes()).hexdigest()


def _ensure_node_modules(npm: str) -> None:
    """Run ``npm ci`` unless node_modules was installed from this very lock file."""
    with open(Path(tempfile.gettempdir()) / "credstack-interop-npm.lock", "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # parallel test workers install once
        digest = _lock_digest()
        if _STAMP.exists() and _STAMP.read_text().strip() == digest:
            return
        try:
            completed = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=_NPM_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            _unavailable(f"npm ci in {JS_DIR} took longer than {_NPM_TIMEOUT_S}s")
        if completed.returncode != 0:
            _unavailable(
                f"npm ci in {JS_DIR} failed (is the npm registry reachable?):\n"
                f"{completed.stderr.strip()[-2000:]}"
            )
        _STAMP.write_text(digest + "\n")


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

    def _documents_args(self, documents: Mapping[str, Any] | None) -> list[str]:
        """``--documents`` map: URL -> file (written here, or an existing Path)."""
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
        documents: Mapping[str, Any] | None = None,
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


@pytest.fixture(scope="session")
def js_reference_installed() -> str:
    """Path of ``node`` once the pinned npm packages are in place (or skip / fail)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are needed for the JavaScript interop tests")
    assert node is not None and npm is not None
    _ensure_node_modules(npm)
    return node


@pytest.fixture
def js(js_reference_installed: str, tmp_path: Path) -> Iterator[JsReference]:
    """The reference implementation, serving Credstack's own bundled contexts."""
    yield JsReference(js_reference_installed, bundled_contexts_dir(), tmp_path)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``/work/shared``-style standards folder (``CREDSTACK_SHARED`` overrides)."""
    folder = Path(os.environ.get("CREDSTACK_SHARED", REPO_ROOT.parent / "shared"))
    if not (folder / "standards").is_dir():
        pytest.skip(f"the shared standards folder is missing ({folder}); set CREDSTACK_SHARED")
    return folder


@pytest.fixture(scope="session")
def standards(shared_dir: Path) -> Path:
    return shared_dir / "standards"
