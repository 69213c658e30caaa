"""The pinned JavaScript reference implementation, installed once for every test that needs it.

The interop tests (``tests/interop``) and the jsonld.js canonicalization comparison
(``tests/core``) both run node against ``tests/interop/js/node_modules``. Whichever runs
first installs it with ``npm ci`` (only when ``node_modules`` is missing or came from
another lock file). Without node/npm the tests skip locally, but fail in CI
(``CI=true``), where they are required.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "interop" / "js"
NODE_MODULES = JS_DIR / "node_modules"
_STAMP = NODE_MODULES / ".credstack-lock-sha256"
_NPM_TIMEOUT_S = 300


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip locally; in CI the JavaScript tests are mandatory, so fail instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the JavaScript reference tests are required in CI)")
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
            unavailable(f"npm ci in {JS_DIR} took longer than {_NPM_TIMEOUT_S}s")
        if completed.returncode != 0:
            unavailable(
                f"npm ci in {JS_DIR} failed (is the npm registry reachable?):\n"
                f"{completed.stderr.strip()[-2000:]}"
            )
        _STAMP.write_text(digest + "\n")


def ensure_js_reference() -> str:
    """Path of ``node`` once the pinned npm packages are in place (or skip / fail)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are needed for the JavaScript reference tests")
    assert node is not None and npm is not None
    _ensure_node_modules(npm)
    return node
