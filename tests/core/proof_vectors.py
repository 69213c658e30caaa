"""Where the published standards artefacts live, for every core test that reads them.

``CREDSTACK_SHARED`` points at the shared folder; by default it is the ``shared`` folder
beside the repository. Tests that need it skip with a clear reason when it is missing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CREDSTACK_SHARED", REPO_ROOT.parent / "shared"))
STANDARDS = SHARED / "standards"
VECTORS = STANDARDS / "test-vectors"
DI_EDDSA = VECTORS / "w3c-vc-di-eddsa"

requires_vectors = pytest.mark.skipif(
    not VECTORS.is_dir(),
    reason=f"standards test vectors not found at {VECTORS} (set CREDSTACK_SHARED)",
)

CITIZENSHIP_CONTEXT = "https://w3id.org/citizenship/v4rc1"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def vector_loader() -> Any:
    """The bundled contexts plus what the W3C vectors use (examples/v2, citizenship)."""
    from credstack.core.contexts import offline_loader

    citizenship = load_json(DI_EDDSA / "extra-contexts" / "w3id-citizenship-v4rc1.jsonld")
    return offline_loader(extra={CITIZENSHIP_CONTEXT: citizenship}, allow_test_contexts=True)
