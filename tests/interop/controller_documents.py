"""Documents the interop tests hand to both verifiers: controller documents and JSON files.

Why: a verification method that is not a did:key must be dereferenced to a controller
document that lists it under ``assertionMethod``. Both implementations are offline, so
tests build those documents here and pass them explicitly (a ``--documents`` map for
JavaScript, a fetch function for Credstack).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


def load_json(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def controller_document(controller: str, public_multibase: str) -> dict[str, Any]:
    """A DID-document-shaped controller document authorising one Multikey for assertions.

    The DID v1 context comes first on purpose: jsonld-signatures then reads it as-is
    instead of compacting it to the security v2 context, which nobody bundles.
    """
    vm_id = f"{controller}#{public_multibase}"
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": controller,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": public_multibase,
            }
        ],
        "assertionMethod": [vm_id],
    }


def tampered(document: dict[str, Any], *path: str | int, value: Any) -> dict[str, Any]:
    """A deep copy of ``document`` with the value at ``path`` replaced."""
    changed = copy.deepcopy(document)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed
