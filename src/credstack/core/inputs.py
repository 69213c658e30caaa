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
from credstack.core.errors import BakingError, InputError
from credstack.core.multibase import b64url_decode
from credstack.core.proofs.vcjwt import REGISTERED_CLAIMS, credential_of

#: Largest input accepted at all (a baked image included).
MAX_INPUT_BYTES = 8 * 1024 * 1024
#: Largest credential JSON accepted once extracted.
MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024
#: Deepest nesting of JSON objects and arrays a credential may have.
MAX_JSON_DEPTH = 64


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


def parse_input(data: bytes | str) -> ParsedInput:
    """Detect the input's form by content and return the credential it carries.

    Raises :class:`InputError` with a one-line reason when no credential can be read.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(
            f"input is {len(raw) / 1e6:.1f} MB; Credstack reads credentials of at most "
            f"{MAX_INPUT_BYTES // (1024 * 1024)} MB"
        )
    if not raw.strip():
        raise InputError("input is empty")
    if raw.startswith(_PNG_SIGNATURE):
        return _from_embedded(_extract(raw), "png")
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _from_embedded(_extract(raw), "svg")
    text = _decode_text(raw)
    stripped = text.strip()
    if stripped.startswith("{"):
        return ParsedInput("json", parse_credential_json(stripped))
    if _JWT_RE.match(stripped):
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


def _from_embedded(value: baking.BakedCredential, image_format: str) -> ParsedInput:
    if isinstance(value, dict):
        # Re-read through the same size and depth limits as a JSON file.
        return ParsedInput(image_format, parse_credential_json(json.dumps(value)))
    return _from_jwt(value.strip(), image_format)


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


def parse_credential_json(text: str) -> dict[str, Any]:
    """Parse credential JSON within the size and depth limits."""
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise InputError(
            f"credential JSON is larger than {MAX_CREDENTIAL_BYTES // (1024 * 1024)} MB"
        )
    _check_depth(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"input is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:  # pragma: no cover - _check_depth refuses these first
        raise InputError("JSON is nested too deeply") from exc
    if not isinstance(value, dict):
        raise InputError("credential JSON must be an object")
    return value


def _check_depth(text: str) -> None:
    """Refuse absurd nesting without recursion (strings are skipped, escapes honoured)."""
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise InputError(
                    f"JSON is nested more than {MAX_JSON_DEPTH} levels deep; "
                    "no credential needs that"
                )
        elif ch in "]}":
            depth -= 1


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
    try:
        header = json.loads(header_raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError("JWT header is not JSON") from exc
    if not isinstance(header, dict) or "alg" not in header:
        raise InputError("JWT header has no 'alg'")
    try:
        payload_text = payload_raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("JWT payload is not UTF-8 JSON") from exc
    return parse_credential_json(payload_text)
