"""Reading verification methods out of DID and controller documents.

What a verifier needs from a controller document (W3C Controlled Identifiers): the
method with a given id, its public key, and the verification relationships that list
it. :func:`credstack.core.dids.resolve_verification_method` fetches the documents; this
module only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from credstack.core.errors import DIDResolutionError, KeyFormatError
from credstack.core.jsonld_values import as_list, node_id
from credstack.core.keys import (
    EcP256PublicKey,
    Ed25519PublicKey,
    VerificationKey,
    public_key_from_jwk,
)
from credstack.core.multibase import P256_PUB, decode_multikey

VERIFICATION_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityDelegation",
    "capabilityInvocation",
    "keyAgreement",
)
P256_PREFIX = "zDn"


@dataclass(frozen=True)
class ResolvedMethod:
    """A dereferenced verification method and what its controller allows it to do."""

    id: str
    type: str
    controller: str | None
    public_key: VerificationKey
    #: verification relationships (``assertionMethod``, …) the controller lists it under
    purposes: frozenset[str]

    def is_authorised_for(self, purpose: str) -> bool:
        """True when the controller document lists this method under ``purpose``."""
        return purpose in self.purposes


def from_jwk_document(document: Mapping[str, Any], vm_id: str, kid: str) -> ResolvedMethod:
    """A ``kid`` URL that dereferences to a bare JWK or a JWK Set (OB 3.0 §8.2 ``kid``).

    Such a key has no controller document, so it is authorised for nothing: the caller
    reports that the key's ownership cannot be established.
    """
    jwk = document
    if "kty" not in document:
        matches = [k for k in document["keys"] if isinstance(k, Mapping) and k.get("kid") == kid]
        if len(matches) != 1:
            raise DIDResolutionError(f"{vm_id}: the JWK Set has no single key with kid {kid!r}")
        jwk = matches[0]
    if "d" in jwk:
        raise DIDResolutionError(f"{vm_id}: the published JWK contains a private key ('d')")
    try:
        key = public_key_from_jwk(jwk)
    except KeyFormatError as exc:
        raise DIDResolutionError(f"{vm_id}: unusable JWK: {exc}") from exc
    return ResolvedMethod(vm_id, "JsonWebKey", None, key, frozenset())


def from_document(
    document: Mapping[str, Any], vm_id: str, method: Mapping[str, Any] | None = None
) -> ResolvedMethod:
    """Find ``vm_id`` in a controller document and the relationships that list it."""
    doc_id = document.get("id")
    if not isinstance(doc_id, str):
        raise DIDResolutionError(f"cannot resolve {vm_id}: the controller document has no 'id'")
    expected = vm_id.partition("#")[0]
    if method is None and doc_id != expected:
        raise DIDResolutionError(
            f"cannot resolve {vm_id}: the document fetched for it has id {doc_id!r}, "
            f"expected {expected!r}"
        )
    purposes = frozenset(
        relationship
        for relationship in VERIFICATION_RELATIONSHIPS
        if any(
            _reference_id(doc_id, entry) == vm_id for entry in as_list(document.get(relationship))
        )
    )
    if method is None:
        candidates = [
            entry
            for relationship in ("verificationMethod", *VERIFICATION_RELATIONSHIPS)
            for entry in as_list(document.get(relationship))
            if isinstance(entry, Mapping) and _reference_id(doc_id, entry) == vm_id
        ]
        if not candidates:
            raise DIDResolutionError(f"{vm_id} is not a verification method listed in {doc_id}")
        method = candidates[0]
    controller = method.get("controller", doc_id)
    if controller != doc_id:
        raise DIDResolutionError(
            f"{vm_id} names controller {controller!r} but is listed in {doc_id}: the key "
            "does not belong to that document"
        )
    return method_from(method, vm_id, doc_id, purposes)


def _reference_id(doc_id: str, entry: object) -> str | None:
    """The absolute id of a relationship entry (a string reference or an embedded method)."""
    ref = node_id(entry)
    if ref is None:
        return None
    return doc_id.partition("#")[0] + ref if ref.startswith("#") else ref


def has_key_material(document: Mapping[str, Any]) -> bool:
    return any(k in document for k in ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58"))


def method_from(
    method: Mapping[str, Any], vm_id: str, controller: str | None, purposes: frozenset[str]
) -> ResolvedMethod:
    """Read the public key of a Multikey, Ed25519VerificationKey2020/2018 or JWK method."""
    kind = method.get("type")
    try:
        key = _public_key_of(method)
    except KeyFormatError as exc:
        raise DIDResolutionError(f"{vm_id}: unusable {kind} key: {exc}") from exc
    return ResolvedMethod(vm_id, str(kind), controller, key, purposes)


def _public_key_of(method: Mapping[str, Any]) -> VerificationKey:
    kind = method.get("type")
    if kind in ("Multikey", "Ed25519VerificationKey2020") and "publicKeyMultibase" in method:
        value = method["publicKeyMultibase"]
        if not isinstance(value, str):
            raise KeyFormatError("publicKeyMultibase must be a string")
        if kind == "Multikey" and value.startswith(P256_PREFIX):
            raw = decode_multikey(value, P256_PUB, (33,), what="publicKeyMultibase")
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            return EcP256PublicKey(point)
        return Ed25519PublicKey.from_multibase(value)
    if kind in ("JsonWebKey2020", "JsonWebKey") and isinstance(method.get("publicKeyJwk"), Mapping):
        if "d" in method["publicKeyJwk"]:
            raise KeyFormatError("publicKeyJwk contains a private key ('d'): refusing it")
        return public_key_from_jwk(method["publicKeyJwk"])
    if kind == "Ed25519VerificationKey2018" and isinstance(method.get("publicKeyBase58"), str):
        return Ed25519PublicKey.from_base58(method["publicKeyBase58"])
    raise KeyFormatError(
        f"unsupported verification method type {kind!r} (Multikey, Ed25519VerificationKey2020, "
        "Ed25519VerificationKey2018, JsonWebKey2020 and JsonWebKey are supported)"
    )
