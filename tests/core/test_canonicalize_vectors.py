"""Every published canonical form in the bundled test vectors reproduces byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from credstack.core.canonicalize import canonicalize, canonicalize_general
from credstack.core.contexts import offline_loader
from fixture_paths import VECTORS

EDDSA = VECTORS / "w3c-vc-di-eddsa"

Canonicalizer = Callable[..., str]
BOTH_PATHS = pytest.mark.parametrize("canon", [canonicalize, canonicalize_general])


def _json(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _citizenship() -> dict[str, Any]:
    return {
        "https://w3id.org/citizenship/v4rc1": _json(
            EDDSA / "extra-contexts/w3id-citizenship-v4rc1.jsonld"
        )
    }


def _w3c_loader() -> Any:
    return offline_loader(extra=_citizenship(), allow_test_contexts=True)


@BOTH_PATHS
@pytest.mark.parametrize(
    ("unsigned", "folder"),
    [("unsigned.json", "eddsa-rdfc-2022"), ("employmentAuth.json", "eddsa-rdfc-2022/employ")],
)
def test_w3c_eddsa_rdfc_document_and_proof(
    canon: Canonicalizer, unsigned: str, folder: str
) -> None:
    loader = _w3c_loader()
    expected_doc = (EDDSA / folder / "canonDocDataInt.txt").read_text(encoding="utf-8")
    expected_proof = (EDDSA / folder / "proofCanonDataInt.txt").read_text(encoding="utf-8")
    assert canon(_json(EDDSA / unsigned), loader) == expected_doc
    assert canon(_json(EDDSA / folder / "proofConfigDataInt.json"), loader) == expected_proof


@BOTH_PATHS
def test_w3c_ed25519_signature_2020(canon: Canonicalizer) -> None:
    loader = _w3c_loader()
    folder = EDDSA / "Ed25519Signature2020"
    assert (
        canon(_json(EDDSA / "unsigned.json"), loader) == (folder / "canonDocEdSig.txt").read_text()
    )
    assert (
        canon(_json(folder / "proofConfigEdSig.json"), loader)
        == (folder / "proofCanonEdSig.txt").read_text()
    )


@BOTH_PATHS
@pytest.mark.parametrize("name", ["1edtech-ob-v3p0-ldp", "1edtech-clr-v2p0-ldp"])
def test_1edtech_ldp_vectors(canon: Canonicalizer, name: str) -> None:
    folder = VECTORS / name
    credential = _json(folder / "unsigned-credential.json")
    proof_options = {**_json(folder / "proof-options.json"), "@context": credential["@context"]}
    assert canon(credential) == (folder / "document-canon.nq").read_text(encoding="utf-8")
    assert canon(proof_options) == (folder / "proof-canon.nq").read_text(encoding="utf-8")


def test_production_loader_refuses_the_examples_context() -> None:
    from credstack.core.errors import ContextError

    with pytest.raises(ContextError, match="examples/v2"):
        canonicalize(_json(EDDSA / "unsigned.json"))
