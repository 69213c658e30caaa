"""Fixtures for the JavaScript interop tests: install the pinned reference implementation
(``js_reference.JsReference`` then drives ``js/interop.mjs``).

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
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from js_reference import JS_DIR, JsReference, bundled_contexts_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
_STAMP = JS_DIR / "node_modules" / ".credstack-lock-sha256"
_NPM_TIMEOUT_S = 300


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
