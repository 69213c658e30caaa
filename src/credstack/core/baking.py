"""Baking: carry an Open Badges 3.0 credential inside its PNG or SVG image, and read it back.

Open Badges 3.0 §5.3 ("Baked Badge"): a PNG gets one uncompressed ``iTXt`` chunk with the
keyword ``openbadgecredential``; an SVG gets one ``<openbadges:credential>`` element
(namespace ``https://purl.imsglobal.org/ob/v3p0``) directly after the ``<svg>`` start tag,
holding the JSON in CDATA, or, for a VC-JWT, the compact JWS in its ``verify`` attribute.
Either way the text is a JSON credential (embedded proof) or a compact JWT.

Why hand-written: PNG chunks are simple enough to read and write with ``struct`` and
``zlib.crc32``, and doing it ourselves keeps every size checked (images come from
strangers). SVG is parsed with expat with entity declarations and external entities
refused (no XXE, no billion laughs) — what ``defusedxml`` does — and baked by splicing
bytes at the positions expat reports, so the rest of the image is kept byte for byte.
"""

from __future__ import annotations

import json
import re
import struct
import xml.parsers.expat
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from credstack.core.errors import BakingError, InputError
from credstack.core.json_input import load_json

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
PNG_KEYWORD = b"openbadgecredential"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_MAX_IMAGE_BYTES = 16 * 1024 * 1024
_OB2_PNG_KEYWORD = b"openbadges"
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_CREDENTIAL_ELEMENT = f"{OB_NAMESPACE} credential"
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

#: what a baked image carries: a JSON credential (embedded proof) or a compact JWT
BakedCredential = dict[str, Any] | str


def _credential_text(credential: Mapping[str, Any] | str) -> str:
    if isinstance(credential, str):
        token = credential.strip()
        if not _COMPACT_JWS.match(token):
            raise BakingError("only a JSON credential or a compact JWT (a.b.c) can be baked")
        return token
    if not isinstance(credential, Mapping):
        raise BakingError("only a JSON credential or a compact JWT (a.b.c) can be baked")
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


def _parse_credential_text(text: str, where: str) -> BakedCredential:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = load_json(stripped, what=f"the credential in this {where}")
        except InputError as exc:
            raise BakingError(str(exc)) from exc
        if not isinstance(value, dict):
            raise BakingError(f"the credential in this {where} is not a JSON object")
        return value
    if _COMPACT_JWS.match(stripped):
        return stripped
    raise BakingError(f"the {where} carries text that is neither a JSON credential nor a JWT")


def _check_size(data: bytes, max_bytes: int, what: str) -> None:
    if len(data) > max_bytes:
        raise BakingError(f"the {what} is {len(data)} bytes, more than the {max_bytes} allowed")


# --- PNG ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    kind: bytes
    data: bytes

    def encode(self) -> bytes:
        crc = zlib.crc32(self.kind + self.data) & 0xFFFFFFFF
        return struct.pack(">I", len(self.data)) + self.kind + self.data + struct.pack(">I", crc)


def _png_chunks(png: bytes, *, stop_at_credential: bool = False) -> list[_Chunk]:
    """Split a PNG into chunks, checking lengths, types and CRCs; ends at IEND."""
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("this file is not a PNG image (the PNG signature is missing)")
    chunks: list[_Chunk] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if offset + 12 > len(png):
            raise BakingError("this PNG is truncated (it ends before its IEND chunk)")
        (length,) = struct.unpack_from(">I", png, offset)
        kind = png[offset + 4 : offset + 8]
        if length > 0x7FFFFFFF or offset + 12 + length > len(png):
            raise BakingError(f"this PNG is corrupted: chunk {kind!r} runs past the end")
        if not (kind.isascii() and kind.isalpha()):
            raise BakingError(f"this PNG is corrupted: {kind!r} is not a chunk type")
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", png, offset + 8 + length)
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            raise BakingError(f"this PNG is corrupted: chunk {kind.decode()} fails its CRC check")
        chunks.append(_Chunk(kind, data))
        offset += 12 + length
        if kind == b"IEND" or (stop_at_credential and _is_credential_chunk(chunks[-1])):
            return chunks


def _is_credential_chunk(chunk: _Chunk) -> bool:
    return chunk.kind == b"iTXt" and chunk.data.split(b"\x00", 1)[0] == PNG_KEYWORD


def _itxt_text(chunk: _Chunk) -> str:
    """The text of an ``iTXt`` chunk (keyword, flags, language, translated keyword, text)."""
    try:
        _keyword, rest = chunk.data.split(b"\x00", 1)
        compressed, _method = rest[0], rest[1]
        _language, _translated, text = rest[2:].split(b"\x00", 2)
    except (ValueError, IndexError) as exc:
        raise BakingError("the openbadgecredential iTXt chunk is malformed") from exc
    if compressed:
        raise BakingError(
            "the openbadgecredential iTXt chunk is compressed, which Open Badges 3.0 forbids"
        )
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError("the openbadgecredential iTXt chunk is not UTF-8 text") from exc


def bake_png(
    png: bytes, credential: Mapping[str, Any] | str, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES
) -> bytes:
    """Return ``png`` with ``credential`` in one uncompressed ``openbadgecredential`` iTXt.

    An existing credential chunk is replaced (the spec allows overwriting); the new chunk
    goes just before ``IEND``. Every other chunk is copied unchanged.
    """
    _check_size(png, max_bytes, "PNG")
    chunks = [chunk for chunk in _png_chunks(png) if not _is_credential_chunk(chunk)]
    if chunks[0].kind != b"IHDR":
        raise BakingError("this PNG is corrupted: it does not start with an IHDR chunk")
    text = _credential_text(credential).encode("utf-8")
    itxt = _Chunk(b"iTXt", PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text)
    body = b"".join(chunk.encode() for chunk in [*chunks[:-1], itxt, chunks[-1]])
    return PNG_SIGNATURE + body


def extract_png(png: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> BakedCredential:
    """The credential baked into ``png`` (first ``openbadgecredential`` iTXt chunk)."""
    _check_size(png, max_bytes, "PNG")
    chunks = _png_chunks(png, stop_at_credential=True)
    if _is_credential_chunk(chunks[-1]):
        return _parse_credential_text(_itxt_text(chunks[-1]), "PNG")
    if any(chunk.data.split(b"\x00", 1)[0] == _OB2_PNG_KEYWORD for chunk in chunks):
        raise BakingError(
            "this PNG carries an Open Badges 2.0 assertion (keyword 'openbadges'), "
            "not an Open Badges 3.0 credential"
        )
    raise BakingError("this PNG carries no Open Badges credential")


# --- SVG ----------------------------------------------------------------------------------


class _Stop(Exception):
    """Raised inside expat once the credential element is read (the rest is not needed)."""


@dataclass
class _SvgScan:
    """What expat saw: root tag position and namespaces, credential elements and content."""

    root_name: str | None = None
    root_start: int = -1
    root_namespaces: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    elements: list[tuple[int, int]] = field(default_factory=list)  # (start, end event)
    verify: str | None = None
    text: list[str] = field(default_factory=list)
    found: bool = False


def _refuse(what: str) -> Any:
    def handler(*_args: object) -> None:
        raise BakingError(f"this SVG declares {what}, which is refused for safety (XXE)")

    return handler


def _scan_svg(svg: bytes, *, stop_early: bool) -> _SvgScan:
    """Parse ``svg`` with expat, refusing entity declarations and external entities."""
    scan = _SvgScan()
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse("an entity")
    parser.UnparsedEntityDeclHandler = _refuse("an unparsed entity")
    parser.ExternalEntityRefHandler = _refuse("an external entity")
    depth = 0
    inside = 0
    pending: dict[str, str] = {}

    def xml_decl(_version: str | None, encoding: str | None, _standalone: int) -> None:
        scan.encoding = encoding

    def namespace(prefix: str | None, uri: str) -> None:
        pending[prefix or ""] = uri

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, inside
        if depth == 0:
            scan.root_name, scan.root_start = name, parser.CurrentByteIndex
            scan.root_namespaces = dict(pending)
        pending.clear()
        depth += 1
        if name == _CREDENTIAL_ELEMENT and not inside:
            inside = depth
            scan.elements.append((parser.CurrentByteIndex, -1))
            if not scan.found:
                scan.verify = attributes.get("verify")

    def end(name: str) -> None:
        nonlocal depth, inside
        if inside == depth:
            inside = 0
            begin, _ = scan.elements[-1]
            scan.elements[-1] = (begin, parser.CurrentByteIndex)
            first, scan.found = not scan.found, True
            if first and stop_early:
                raise _Stop
        depth -= 1

    def characters(data: str) -> None:
        if inside and not scan.found:
            scan.text.append(data)

    parser.XmlDeclHandler = xml_decl
    parser.StartNamespaceDeclHandler = namespace
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(svg, True)
    except _Stop:
        pass
    except xml.parsers.expat.ExpatError as exc:
        raise BakingError(f"this SVG is not well-formed XML: {exc}") from exc
    if scan.root_name is None or scan.root_name.rsplit(" ", 1)[-1] != "svg":
        raise BakingError("this file is not an SVG image (its root element is not <svg>)")
    return scan


def extract_svg(svg: bytes | str, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> BakedCredential:
    """The credential in the first ``<openbadges:credential>`` of ``svg``."""
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    _check_size(data, max_bytes, "SVG")
    scan = _scan_svg(data, stop_early=True)
    if not scan.found:
        raise BakingError("this SVG carries no Open Badges credential")
    if scan.verify:
        return _parse_credential_text(scan.verify, "SVG")
    return _parse_credential_text("".join(scan.text), "SVG")


def _tag_end(data: bytes, start: int) -> int:
    """Index just past the ``>`` closing the tag that starts at ``start`` (quotes honoured)."""
    quote: int | None = None
    for index in range(start, len(data)):
        byte = data[index]
        if quote is not None:
            quote = None if byte == quote else quote
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return index + 1
    raise BakingError("this SVG is not well-formed XML (a tag is never closed)")


def _credential_element(prefix: str, credential: Mapping[str, Any] | str) -> str:
    text = _credential_text(credential)
    if isinstance(credential, str):
        return f'<{prefix}:credential verify="{text}"></{prefix}:credential>'
    cdata = text.replace("]]>", "]]]]><![CDATA[>")  # "]]>" cannot appear inside CDATA
    return f"<{prefix}:credential><![CDATA[{cdata}]]></{prefix}:credential>"


def bake_svg(
    svg: bytes | str,
    credential: Mapping[str, Any] | str,
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> bytes:
    """Return ``svg`` (UTF-8) with one ``<openbadges:credential>`` right after ``<svg>``.

    Existing credential elements are removed; the namespace is declared on ``<svg>`` when
    it is not already; every other byte of the image is kept.
    """
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    _check_size(data, max_bytes, "SVG")
    scan = _scan_svg(data, stop_early=False)
    if scan.encoding and scan.encoding.lower().replace("_", "-") not in ("utf-8", "us-ascii"):
        raise BakingError(f"only UTF-8 SVG files can be baked (this one is {scan.encoding})")
    prefixes = [p for p, uri in scan.root_namespaces.items() if uri == OB_NAMESPACE and p]
    declaration = ""
    if prefixes:
        prefix = prefixes[0]
    elif "openbadges" in scan.root_namespaces:
        raise BakingError(
            "this SVG already binds the 'openbadges' prefix to "
            f"{scan.root_namespaces['openbadges']} (an Open Badges 2.0 badge?); "
            "remove that assertion before baking an Open Badges 3.0 credential"
        )
    else:
        prefix, declaration = "openbadges", f' xmlns:openbadges="{OB_NAMESPACE}"'
    root_end = _tag_end(data, scan.root_start)
    element = _credential_element(prefix, credential).encode("utf-8")
    if data[root_end - 2 : root_end] == b"/>":  # <svg .../>: open it to hold the element
        name = re.match(rb"<([^\s/>]+)", data[scan.root_start :])
        closing = b"</" + (name.group(1) if name else b"svg") + b">"
        head = data[: root_end - 2] + declaration.encode() + b">" + element + closing
    else:
        head = data[: root_end - 1] + declaration.encode() + b">" + element
    rest = bytearray(data[root_end:])
    for begin, end_index in reversed(scan.elements):
        start_tag_end = _tag_end(data, begin)
        self_closing = data[start_tag_end - 2 : start_tag_end] == b"/>"
        stop = start_tag_end if self_closing else _tag_end(data, end_index)
        del rest[begin - root_end : stop - root_end]
    return head + bytes(rest)


# --- either image -------------------------------------------------------------------------


def extract_baked(image: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> BakedCredential:
    """The credential baked into a PNG or SVG, the format detected by content."""
    if image.startswith(PNG_SIGNATURE):
        return extract_png(image, max_bytes=max_bytes)
    head = image[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return extract_svg(image, max_bytes=max_bytes)
    raise BakingError("this file is neither a PNG nor an SVG image")
