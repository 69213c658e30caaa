"""Byte-for-byte agreement with jsonld.js (safe mode, RDFC-1.0) on the generated corpus.

Runs the JavaScript reference through ``canonicalize_jsonld_js.mjs`` with the interop
harness's ``node_modules`` (``tests/interop/js``, installed with ``npm ci``); skipped
when node or those modules are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from credential_generator import CORPUS_SIZE, CredentialGenerator

from credstack.core.canonicalize import canonicalize
from credstack.core.errors import CredstackError
from fixture_paths import STANDARDS
from js_toolchain import NODE_MODULES, ensure_js_reference

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
CONTEXTS = REPO_ROOT / "src" / "credstack" / "core" / "data" / "contexts"
NODE: str | None = None

pytestmark = pytest.mark.interop


@pytest.fixture(autouse=True, scope="module")
def _node() -> None:
    """Install the pinned jsonld.js (npm ci) if needed; skip locally / fail in CI without it."""
    global NODE
    NODE = ensure_js_reference()


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
    folder = STANDARDS / "examples" / "1edtech-ob-v3p0-spec"
    documents = [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))
    ]
    assert len(documents) >= 8
    for path, theirs, document in zip(
        sorted(folder.glob("*.json")), _jsonld_js(documents), documents, strict=True
    ):
        assert _ours(document) == theirs, path.name


def _edge_cases() -> dict[str, Any]:
    """Hand-made edge cases: each maps the base credential's achievement/top node."""

    def set_on(path: str, key: str, value: Any) -> Any:
        def mutate(doc: dict[str, Any]) -> None:
            target = doc["credentialSubject"]["achievement"] if path == "ach" else doc
            target[key] = value

        return mutate

    rd = {"id": "urn:rd:1", "type": ["ResultDescription"], "name": "n", "resultType": "Percent"}
    double = "http://www.w3.org/2001/XMLSchema#double"
    return {
        "empty object": set_on("ach", "criteria", {}),
        "null property": set_on("ach", "description", None),
        "null in array": set_on("ach", "tag", ["a", None, "b"]),
        "typed value": set_on("ach", "name", {"@value": "x", "@type": "xsd:token"}),
        "typed number": set_on("ach", "name", {"@value": 5, "@type": f"{double[:-6]}integer"}),
        "number value object": set_on("ach", "name", {"@value": 5.5}),
        "empty @list": set_on("ach", "resultDescription", [{**rd, "allowedValue": []}]),
        "@list of values": set_on(
            "ach",
            "resultDescription",
            [{**rd, "allowedValue": [{"@value": "A", "@language": "en"}, "B"]}],
        ),
        "explicit @list": set_on("ach", "tag", {"@list": ["a"]}),
        "explicit @set": set_on("ach", "tag", {"@set": ["a"]}),
        "upper-case language": set_on("ach", "name", {"@value": "x", "@language": "EN-GB"}),
        "direction only": set_on("ach", "name", {"@value": "x", "@direction": "ltr"}),
        "bad direction": set_on("ach", "name", {"@value": "x", "@direction": "up"}),
        "null @value": set_on("ach", "name", {"@value": None}),
        "object @value": set_on("ach", "name", {"@value": {"a": 1}}),
        "embedded context": set_on("ach", "@context", [OB_EXTENSIONS]),
        "null embedded context": set_on("ach", "@context", None),
        "reference only": set_on("top", "issuer", {"id": "did:example:x"}),
        "number type": set_on("ach", "type", ["Achievement", 5]),
        "compact IRI key": set_on("ach", "schema:keywords", "x"),
        "absolute IRI key": set_on("ach", "https://example.org/vocab#x", "x"),
        "blank node id": set_on("ach", "id", "_:b0"),
        "number id": set_on("ach", "id", 5),
        "null id": set_on("ach", "id", None),
        "string proof": set_on("top", "proof", "z123"),
        "term outside its type": set_on("top", "achievementType", "Badge"),
        "@reverse": set_on("top", "@reverse", {"https://example.org/r": {"id": "urn:x"}}),
        "@graph": set_on("top", "@graph", [{"id": "urn:y", "name": "x"}]),
        "@included": set_on("top", "@included", [{"id": "urn:y", "name": "x"}]),
        "@index": set_on("ach", "@index", "x"),
        "nested arrays": set_on("ach", "tag", [["a"], "b"]),
        "boolean where IRI": set_on("ach", "image", True),
        "string image": set_on("ach", "image", "https://example.org/img.png"),
        "relative image": set_on("ach", "image", "img.png"),
        "big integer": set_on("ach", "creditsAvailable", 2**70),
        "negative zero": set_on("ach", "creditsAvailable", -0.0),
        "decimal double text": set_on("ach", "name", {"@value": "5.30", "@type": double}),
        "@json": set_on(
            "top",
            "credentialSchema",
            {"id": "urn:s", "type": "JsonSchema", "jsonSchema": {"a": [1]}},
        ),
        "protected redefinition": lambda d: d["@context"].append({"name": "https://example.org/n"}),
        "IRI needing escapes": set_on("top", "id", "https://example.org/{a}|b^c`d"),
        # deliberate refusals: jsonld.js answers, but not the way pyld / the spec would
        "REFUSED huge integer": set_on("ach", "creditsAvailable", 10**400),
        "REFUSED 1e-7": set_on("ach", "creditsAvailable", 1e-7),
        "REFUSED smallest double": set_on("ach", "creditsAvailable", 5e-324),
        "REFUSED non-numeric double text": set_on(
            "ach", "name", {"@value": "abc", "@type": double}
        ),
    }


OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


def test_edge_cases_agree_with_jsonld_js() -> None:
    base = CredentialGenerator(3, controls=False).credential()
    cases = _edge_cases()
    documents = []
    for mutate in cases.values():
        document = json.loads(json.dumps(base))
        mutate(document)
        documents.append(document)
    for name, theirs, document in zip(cases, _jsonld_js(documents), documents, strict=True):
        ours = _ours(document)
        if name.startswith("REFUSED"):
            assert "error" in ours, name
        elif "nquads" in theirs:
            assert ours == theirs, name
        else:
            assert "error" in ours, f"{name}: jsonld.js refuses ({theirs['error']}), we accepted"
