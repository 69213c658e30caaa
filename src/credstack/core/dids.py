"""DIDs and controller documents: did:key, did:web, and resolving a verification method.

An issuer's identity is a ``did:web`` under the deployment's https base URL, or a
``did:key`` otherwise (design §2). Verification (design §7 check 5) must learn, for a
proof's ``verificationMethod``, the public key, who controls it and whether the
controller authorised it for ``assertionMethod``; :func:`resolve_verification_method`
answers that for did:key (no network), did:web and plain https controller documents.
Fetching is an argument, so this module never touches the network itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from credstack.core.errors import CredstackError, DIDResolutionError, KeyFormatError
from credstack.core.keys import (
    EcP256PublicKey,
    Ed25519PublicKey,
    VerificationKey,
    public_key_from_jwk,
)
from credstack.core.multibase import (
    P256_PUB,
    X25519_PUB,
    decode_multikey,
    encode_multikey,
)

#: fetches a URL (https, or a file mapped by ``--documents``) and returns its bytes
Fetch = Callable[[str], bytes]
KeyState = Literal["active", "retired", "compromised"]

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
VERIFICATION_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityDelegation",
    "capabilityInvocation",
    "keyAgreement",
)
_ED25519_PREFIX = "z6Mk"
_P256_PREFIX = "zDn"


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


# --- did:key ---------------------------------------------------------------------------


def did_key_for(public_multibase: str) -> str:
    """``did:key:z6Mk…`` for an Ed25519 Multikey (the key *is* the identifier)."""
    Ed25519PublicKey.from_multibase(public_multibase)  # validates header and length
    return f"did:key:{public_multibase}"


def did_key_verification_method(public_multibase: str) -> str:
    """``did:key:z6Mk…#z6Mk…``: the verification method id Credstack signs with."""
    return f"{did_key_for(public_multibase)}#{public_multibase}"


def did_key_document(did: str, *, derive_key_agreement: bool = False) -> dict[str, Any]:
    """The DID document of an Ed25519 ``did:key`` (did:key spec, Multikey form).

    ``derive_key_agreement`` adds the X25519 key derived from the Ed25519 key, as the
    spec's ``enableEncryptionKeyDerivation`` option does; Credstack does not need it.
    """
    multibase = _did_key_multibase(did)
    public = Ed25519PublicKey.from_multibase(multibase)
    vm_id = f"{did}#{multibase}"
    document: dict[str, Any] = {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [_multikey_method(vm_id, did, public.multibase)],
    }
    for relationship in VERIFICATION_RELATIONSHIPS[:4]:
        document[relationship] = [vm_id]
    if derive_key_agreement:
        x25519 = encode_multikey(X25519_PUB, _ed25519_to_x25519(public.raw))
        document["keyAgreement"] = [_multikey_method(f"{did}#{x25519}", did, x25519)]
    return document


def _did_key_multibase(did: str) -> str:
    if not did.startswith("did:key:") or "#" in did:
        raise DIDResolutionError(f"{did!r} is not a did:key DID (did:key:z6Mk…)")
    multibase = did.removeprefix("did:key:")
    if not multibase.startswith((_ED25519_PREFIX, _P256_PREFIX)):
        raise DIDResolutionError(
            f"{did} uses an unsupported key type: Credstack reads Ed25519 (z6Mk…) and "
            "P-256 (zDn…) did:key identifiers"
        )
    return multibase


def _ed25519_to_x25519(raw: bytes) -> bytes:
    """Birational map from the Edwards y coordinate to the Montgomery u (RFC 7748 §4.1)."""
    prime = 2**255 - 19
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, prime - 2, prime) % prime
    return u.to_bytes(32, "little")


# --- did:web ---------------------------------------------------------------------------


def did_web_for(base_url: str, *path: str) -> str:
    """The did:web of a resource under an https base URL (port percent-encoded).

    ``did_web_for("https://host:8000", "issuers", "acme")`` ->
    ``did:web:host%3A8000:issuers:acme``.
    """
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise DIDResolutionError(f"did:web needs an https base URL, got {base_url!r}")
    segments = [*(s for s in parts.path.split("/") if s), *path]
    host = quote(parts.netloc.lower(), safe="")
    return ":".join(["did:web", host, *(quote(s, safe="") for s in segments)])


def did_web_to_url(did: str) -> str:
    """The https URL of a did:web's DID document (did:web method spec §3.2)."""
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DIDResolutionError(f"{did!r} is not a did:web DID (did:web:host[:path…])")
    segments = did.removeprefix("did:web:").split(":")
    if not segments[0] or any(not segment for segment in segments):
        raise DIDResolutionError(f"{did!r} has an empty host or path segment")
    host = unquote(segments[0])
    if "/" in host or "@" in host:
        raise DIDResolutionError(f"{did!r} has an invalid host {host!r}")
    path = "/".join(unquote(segment) for segment in segments[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def did_web_document(did: str, keys: Sequence[tuple[str, str, KeyState]]) -> dict[str, Any]:
    """The DID document Credstack serves for an issuer's did:web.

    ``keys`` are ``(key id, publicKeyMultibase, state)``; the key id is a fragment
    (``key-1``), ``#key-1`` or a full method id. Active and retired keys are listed and
    authorised for ``assertionMethod`` (old credentials keep verifying after a
    rotation); only active keys may authenticate; compromised keys are left out entirely,
    so everything they signed stops verifying.
    """
    did_web_to_url(did)  # validates the DID
    methods: list[dict[str, str]] = []
    assertion: list[str] = []
    authentication: list[str] = []
    for key_id, public_multibase, state in keys:
        if state not in ("active", "retired", "compromised"):
            raise DIDResolutionError(f"key {key_id}: unknown state {state!r}")
        if state == "compromised":
            continue
        vm_id = _absolute_method_id(did, key_id)
        Ed25519PublicKey.from_multibase(public_multibase)
        methods.append(_multikey_method(vm_id, did, public_multibase))
        assertion.append(vm_id)
        if state == "active":
            authentication.append(vm_id)
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "authentication": authentication,
        "assertionMethod": assertion,
    }


def _absolute_method_id(did: str, key_id: str) -> str:
    if key_id.startswith(did + "#"):
        return key_id
    fragment = key_id.removeprefix("#")
    if not fragment or "#" in fragment or ":" in fragment:
        raise DIDResolutionError(f"key id {key_id!r} is not a fragment of {did}")
    return f"{did}#{fragment}"


def _multikey_method(vm_id: str, controller: str, multibase: str) -> dict[str, str]:
    return {
        "id": vm_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multibase,
    }


# --- resolution ------------------------------------------------------------------------


def resolve_verification_method(vm_id: str, fetch: Fetch) -> ResolvedMethod:
    """Dereference a verification method id to its key, controller and relationships.

    * ``did:key:…`` is expanded locally (a fragment-less did:key means its only key);
    * ``did:web:…#frag`` fetches the DID document at :func:`did_web_to_url`;
    * ``https://…#frag`` fetches the controller document at the URL without fragment;
      a fragment-less https id may return the method itself, whose ``controller``
      document is then fetched to learn what the method is authorised for.
    """
    if not isinstance(vm_id, str) or not vm_id:
        raise DIDResolutionError("the proof names no verificationMethod")
    if vm_id.startswith("did:key:"):
        did, _, fragment = vm_id.partition("#")
        multibase = _did_key_multibase(did)
        if fragment and fragment != multibase:
            raise DIDResolutionError(f"{vm_id}: a did:key's only key has the fragment #{multibase}")
        return _from_document(_did_key_document_any(did, multibase), f"{did}#{multibase}")
    if vm_id.startswith("did:web:"):
        did = vm_id.partition("#")[0]
        return _from_document(_fetch_json(did_web_to_url(did), fetch, vm_id), vm_id)
    if vm_id.startswith("did:"):
        method = vm_id.split(":")[1]
        raise DIDResolutionError(
            f"{vm_id}: DID method '{method}' is not supported (did:key, did:web)"
        )
    if not vm_id.startswith(("https://", "http://")):
        raise DIDResolutionError(f"{vm_id!r} is neither a DID URL nor an https URL")
    document_url, _, fragment = vm_id.partition("#")
    document = _fetch_json(document_url, fetch, vm_id)
    if "kty" in document or isinstance(document.get("keys"), list):
        return _from_jwk_document(document, vm_id, fragment)
    if document.get("id", document_url) == vm_id and _has_key_material(document):
        controller = document.get("controller")
        if not isinstance(controller, str):
            return _method_from(document, vm_id, None, frozenset())
        controller_doc = _fetch_json(controller.partition("#")[0], fetch, vm_id)
        return _from_document(controller_doc, vm_id, method=document)
    return _from_document(document, vm_id)


def _from_jwk_document(document: Mapping[str, Any], vm_id: str, kid: str) -> ResolvedMethod:
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


def _did_key_document_any(did: str, multibase: str) -> dict[str, Any]:
    if multibase.startswith(_ED25519_PREFIX):
        return did_key_document(did)
    vm_id = f"{did}#{multibase}"
    method = {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
    document: dict[str, Any] = {"id": did, "verificationMethod": [method]}
    for relationship in VERIFICATION_RELATIONSHIPS[:4]:
        document[relationship] = [vm_id]
    return document


def _fetch_json(url: str, fetch: Fetch, vm_id: str) -> dict[str, Any]:
    try:
        body = fetch(url)
    except CredstackError as exc:
        raise DIDResolutionError(f"cannot resolve {vm_id}: fetching {url} failed: {exc}") from exc
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DIDResolutionError(f"cannot resolve {vm_id}: {url} is not JSON") from exc
    if not isinstance(document, dict):
        raise DIDResolutionError(f"cannot resolve {vm_id}: {url} is not a JSON object")
    return document


def _from_document(
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
            _reference_id(doc_id, entry) == vm_id for entry in _as_list(document.get(relationship))
        )
    )
    if method is None:
        candidates = [
            entry
            for relationship in ("verificationMethod", *VERIFICATION_RELATIONSHIPS)
            for entry in _as_list(document.get(relationship))
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
    return _method_from(method, vm_id, doc_id, purposes)


def _reference_id(doc_id: str, entry: object) -> str | None:
    """The absolute id of a relationship entry (a string reference or an embedded method)."""
    ref = entry.get("id") if isinstance(entry, Mapping) else entry
    if not isinstance(ref, str):
        return None
    return doc_id.partition("#")[0] + ref if ref.startswith("#") else ref


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _has_key_material(document: Mapping[str, Any]) -> bool:
    return any(k in document for k in ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58"))


def _method_from(
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
        if kind == "Multikey" and value.startswith(_P256_PREFIX):
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
