"""DIDs and controller documents: did:key, did:web, and resolving a verification method.

An issuer's identity is a ``did:web`` under the deployment's https base URL, or a
``did:key`` otherwise (architecture §2). Verification (architecture §7 check 5) must learn, for a
proof's ``verificationMethod``, the public key, who controls it and whether the
controller authorised it for ``assertionMethod``; :func:`resolve_verification_method`
answers that for did:key (no network), did:web and plain https controller documents.
Fetching is an argument, so this module never touches the network itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from credstack.core.errors import CredstackError, DIDResolutionError, InputError, KeyFormatError
from credstack.core.json_input import load_json
from credstack.core.keys import Ed25519PublicKey, public_key_from_jwk
from credstack.core.multibase import X25519_PUB, encode_multikey
from credstack.core.verification_methods import (
    P256_PREFIX,
    VERIFICATION_RELATIONSHIPS,
    ResolvedMethod,
    from_document,
    from_jwk_document,
    has_key_material,
    method_from,
)

__all__ = [
    "DID_CONTEXTS",
    "VERIFICATION_RELATIONSHIPS",
    "Fetch",
    "KeyState",
    "ResolvedMethod",
    "did_key_document",
    "did_key_for",
    "did_key_verification_method",
    "did_web_document",
    "did_web_for",
    "did_web_to_url",
    "resolve_verification_method",
]

#: fetches a URL (https, or a file mapped by ``--documents``) and returns its bytes
Fetch = Callable[[str], bytes]
KeyState = Literal["active", "retired", "compromised"]

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"
_ED25519_PREFIX = "z6Mk"


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
    if not multibase.startswith((_ED25519_PREFIX, P256_PREFIX)):
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


def did_web_document(
    did: str, keys: Sequence[tuple[str, str | Mapping[str, Any], KeyState]]
) -> dict[str, Any]:
    """The DID document Credstack serves for an issuer's did:web.

    ``keys`` are ``(key id, public key, state)``; the key id is a fragment (``key-1``),
    ``#key-1`` or a full method id; the public key is a ``publicKeyMultibase`` (Ed25519)
    or a public JWK (an RSA key for VC-JWT RS256, published as a ``JsonWebKey``). Active
    and retired keys are listed and authorised for ``assertionMethod`` (old credentials
    keep verifying after a rotation); only active keys may authenticate; compromised
    keys are left out entirely, so everything they signed stops verifying.
    """
    did_web_to_url(did)  # validates the DID
    methods: list[dict[str, Any]] = []
    assertion: list[str] = []
    authentication: list[str] = []
    for key_id, public, state in keys:
        if state not in ("active", "retired", "compromised"):
            raise DIDResolutionError(f"key {key_id}: unknown state {state!r}")
        if state == "compromised":
            continue
        vm_id = _absolute_method_id(did, key_id)
        methods.append(_published_method(vm_id, did, public))
        assertion.append(vm_id)
        if state == "active":
            authentication.append(vm_id)
    contexts = list(DID_CONTEXTS)
    if any(method["type"] == "JsonWebKey" for method in methods):
        contexts.append(JWK_CONTEXT)
    return {
        "@context": contexts,
        "id": did,
        "verificationMethod": methods,
        "authentication": authentication,
        "assertionMethod": assertion,
    }


def _published_method(vm_id: str, did: str, public: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(public, str):
        Ed25519PublicKey.from_multibase(public)
        return _multikey_method(vm_id, did, public)
    if "d" in public:
        raise KeyFormatError(f"{vm_id}: refusing to publish a private JWK ('d')")
    public_jwk = public_key_from_jwk(public).to_jwk()
    return {"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": public_jwk}


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
        return from_document(_did_key_document_any(did, multibase), f"{did}#{multibase}")
    if vm_id.startswith("did:web:"):
        did = vm_id.partition("#")[0]
        return from_document(_fetch_json(did_web_to_url(did), fetch, vm_id), vm_id)
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
        return from_jwk_document(document, vm_id, fragment)
    if document.get("id", document_url) == vm_id and has_key_material(document):
        controller = document.get("controller")
        if not isinstance(controller, str):
            return method_from(document, vm_id, None, frozenset())
        controller_doc = _fetch_json(controller.partition("#")[0], fetch, vm_id)
        return from_document(controller_doc, vm_id, method=document)
    return from_document(document, vm_id)


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
        document = load_json(body, what=url)
    except InputError as exc:
        raise DIDResolutionError(f"cannot resolve {vm_id}: {exc}") from exc
    if not isinstance(document, dict):
        raise DIDResolutionError(f"cannot resolve {vm_id}: {url} is not a JSON object")
    return document
