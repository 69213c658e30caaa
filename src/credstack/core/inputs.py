"""Turn whatever a verifier was handed into a credential: JSON, compact JWT, baked PNG or SVG.

Formats are detected by content, never by file name (architecture §6), and every limit is
checked before the expensive work so that hostile input ends quickly with one clear reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from credstack.core import baking
from credstack.core.errors import BakingError, InputError, InputTooLargeError
from credstack.core.json_input import MAX_JSON_DEPTH, describe_size, load_json
from credstack.core.multibase import b64url_decode
from credstack.core.proofs.vcjwt import REGISTERED_CLAIMS, credential_of
from credstack.core.verify_budget import MAX_CREDENTIAL_BYTES

#: Largest input accepted at all (a baked image included).
MAX_INPUT_BYTES = 8 * 1024 * 1024

__all__ = ["MAX_CREDENTIAL_BYTES", "MAX_INPUT_BYTES", "MAX_JSON_DEPTH", "ParsedInput"]


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JWT_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class ParsedInput:
    """A credential read from an input, with the form it came in."""

    format: str  # "json", "jwt", "png" or "svg"
    credential: dict[str, Any]
    #: the compact JWT when the credential is secured as a VC-JWT
    jwt: str | None = None
    #: the JWT's registered claims (``nbf``, ``exp``…): OB 3.0 ties them to the dates
    token_claims: dict[str, Any] = field(default_factory=dict)


def parse_input(data: bytes | str, *, max_bytes: int = MAX_CREDENTIAL_BYTES) -> ParsedInput:
    """Detect the input's form by content and return the credential it carries.

    ``max_bytes`` caps the credential itself (its JSON text or compact JWT, also when
    baked in an image, which may be up to :data:`MAX_INPUT_BYTES`). Raises
    :class:`InputError` with a one-line reason when no credential can be read, and its
    subclass :class:`InputTooLargeError` when the input or the credential is too large.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_INPUT_BYTES:
        raise InputTooLargeError(
            f"input is {len(raw) / 1e6:.1f} MB; Credstack reads credentials of at most "
            f"{MAX_INPUT_BYTES // (1024 * 1024)} MB",
            limit="max_input_bytes",
            allowed=MAX_INPUT_BYTES,
        )
    if not raw.strip():
        raise InputError("input is empty")
    if raw.startswith(_PNG_SIGNATURE):
        return _from_embedded(_extract(raw), "png", max_bytes)
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _from_embedded(_extract(raw), "svg", max_bytes)
    text = _decode_text(raw)
    stripped = text.strip()
    if stripped.startswith("{"):
        _check_size(stripped, max_bytes)
        return ParsedInput("json", parse_credential_json(stripped, max_bytes=max_bytes))
    if _JWT_RE.match(stripped):
        _check_size(stripped, max_bytes)
        return _from_jwt(stripped, "jwt")
    raise InputError(
        "input is not a credential: expected Open Badges JSON, a compact VC-JWT, "
        "or a PNG or SVG image with a baked credential"
    )


def _extract(raw: bytes) -> baking.BakedCredential:
    try:
        return baking.extract_baked(raw, max_bytes=MAX_INPUT_BYTES)
    except BakingError as exc:
        raise InputError(str(exc)) from exc
    except RecursionError as exc:
        raise InputError("the credential baked in this image is nested too deeply") from exc


def _from_embedded(value: baking.BakedCredential, image_format: str, max_bytes: int) -> ParsedInput:
    if isinstance(value, dict):
        # Re-read through the same size and depth limits as a JSON file.
        text = json.dumps(value)
        _check_size(text, max_bytes)
        return ParsedInput(image_format, parse_credential_json(text, max_bytes=max_bytes))
    token = value.strip()
    _check_size(token, max_bytes)
    return _from_jwt(token, image_format)


def _check_size(text: str, max_bytes: int) -> None:
    """The credential's own size against the verifier's budget, before any parsing."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise InputTooLargeError(
            f"the credential is {describe_size(size)}; this verifier reads credentials of at "
            f"most {describe_size(max_bytes)}",
            limit="max_bytes",
            allowed=max_bytes,
        )


def _from_jwt(token: str, input_format: str) -> ParsedInput:
    claims = jwt_claims(token)
    registered = {k: v for k, v in claims.items() if k in REGISTERED_CLAIMS}
    return ParsedInput(input_format, credential_of(claims), jwt=token, token_claims=registered)


def _decode_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"input is neither UTF-8 text nor a PNG/SVG image (bad byte at offset {exc.start})"
        ) from exc


def parse_credential_json(
    text: str, *, max_bytes: int = MAX_CREDENTIAL_BYTES, what: str = "the credential"
) -> dict[str, Any]:
    """Parse credential JSON within the size and depth limits (an object, or InputError)."""
    value = load_json(text, what=what, max_bytes=max_bytes)
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a JSON object")
    return value


def _jwt_segment(segment: str) -> bytes:
    try:
        return b64url_decode(segment)
    except ValueError as exc:
        raise InputError("JWT segment is not base64url") from exc


def jwt_payload(token: str) -> dict[str, Any]:
    """The credential in a compact JWT, read without checking its signature (that comes later)."""
    return credential_of(jwt_claims(token))


def jwt_claims(token: str) -> dict[str, Any]:
    """The whole payload of a compact JWT, within the size and depth limits, unverified."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InputError("a compact JWT has three dot-separated parts")
    header_raw, payload_raw = _jwt_segment(parts[0]), _jwt_segment(parts[1])
    header = load_json(header_raw, what="JWT header", max_bytes=MAX_CREDENTIAL_BYTES)
    if not isinstance(header, dict) or "alg" not in header:
        raise InputError("JWT header has no 'alg'")
    payload = load_json(payload_raw, what="JWT payload", max_bytes=MAX_CREDENTIAL_BYTES)
    if not isinstance(payload, dict):
        raise InputError("JWT payload must be a JSON object")
    return payload
