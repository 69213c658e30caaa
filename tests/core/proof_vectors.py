"""The published proof vectors and the loader they need, for every core test that reads them.

The vectors are bundled in ``tests/fixtures/standards`` (paths from ``fixture_paths``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fixture_paths import VECTORS

DI_EDDSA = VECTORS / "w3c-vc-di-eddsa"

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
