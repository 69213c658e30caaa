"""Byte-for-byte agreement with jsonld.js (safe mode, RDFC-1.0) on the generated corpus.

Runs the JavaScript reference through ``canonicalize_jsonld_js.mjs`` with the interop
harness's ``node_modules`` (``tests/interop/js``, installed with ``npm ci``); skipped
when node or those modules are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_canonicalize_corpus import CORPUS_SIZE, CredentialGenerator

from credstack.core.canonicalize import canonicalize
from credstack.core.errors import CredstackError

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
NODE_MODULES = REPO_ROOT / "tests" / "interop" / "js" / "node_modules"
CONTEXTS = REPO_ROOT / "src" / "credstack" / "core" / "data" / "contexts"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        NODE is None or not (NODE_MODULES / "jsonld").is_dir(),
        reason="node and tests/interop/js/node_modules (npm ci) are needed for jsonld.js",
    ),
]


def _jsonld_js(documents: list[dict[str, Any]]) -> list[dict[str, str]]:
    assert NODE is not None
    completed = subprocess.run(
        [NODE, str(HERE / "canonicalize_jsonld_js.mjs"), str(NODE_MODULES), str(CONTEXTS)],
        input="".join(json.dumps(document) + "\n" for document in documents),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    return [json.loads(line) for line in completed.stdout.splitlines()]


def _ours(document: dict[str, Any]) -> dict[str, str]:
    try:
        return {"nquads": canonicalize(document)}
    except CredstackError as exc:
        return {"error": str(exc)}


def test_generated_credentials_match_jsonld_js_byte_for_byte() -> None:
    documents = [
        CredentialGenerator(seed, controls=True).credential() for seed in range(CORPUS_SIZE)
    ]
    refused = 0
    for seed, (theirs, document) in enumerate(zip(_jsonld_js(documents), documents, strict=True)):
        ours = _ours(document)
        if "error" in theirs:
            # only refusals for too much N-degree work, which we apply identically
            assert "Maximum deep iterations" in theirs["error"], f"seed {seed}"
            assert "limit jsonld.js applies" in ours.get("error", ""), f"seed {seed}"
            refused += 1
        else:
            assert ours == theirs, f"seed {seed}"
    assert refused < len(documents) // 4


def test_unsafe_documents_are_rejected_by_both() -> None:
    documents = []
    for seed in range(60):
        generator = CredentialGenerator(30_000 + seed, controls=False)
        document = generator.unusual(generator.credential())
        if "@context" in document and all(isinstance(c, str) for c in document["@context"]):
            documents.append(document)
    for seed, (theirs, document) in enumerate(zip(_jsonld_js(documents), documents, strict=True)):
        ours = _ours(document)
        assert ("error" in ours) == ("error" in theirs), f"seed {seed}: {ours} vs {theirs}"
        if "nquads" in ours:
            assert ours == theirs, f"seed {seed}"


def test_published_examples_match_jsonld_js() -> None:
    shared = Path(os.environ.get("CREDSTACK_SHARED", REPO_ROOT.parent / "shared"))
    folder = shared / "standards" / "examples" / "1edtech-ob-v3p0-spec"
    if not folder.is_dir():
        pytest.skip("shared standards examples not found")
    documents = [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))
    ]
    assert len(documents) >= 8
    for path, theirs, document in zip(
        sorted(folder.glob("*.json")), _jsonld_js(documents), documents, strict=True
    ):
        assert _ours(document) == theirs, path.name
