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

from collections.abc import Iterator
from pathlib import Path

import pytest
from js_reference import JsReference, bundled_contexts_dir

from js_toolchain import ensure_js_reference


@pytest.fixture(scope="session")
def js_reference_installed() -> str:
    """Path of ``node`` once the pinned npm packages are in place (or skip / fail)."""
    return ensure_js_reference()


@pytest.fixture
def js(js_reference_installed: str, tmp_path: Path) -> Iterator[JsReference]:
    """The reference implementation, serving Credstack's own bundled contexts."""
    yield JsReference(js_reference_installed, bundled_contexts_dir(), tmp_path)
