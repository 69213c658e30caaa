"""Baking: credentials go into real PNG and SVG images and come back out unchanged."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
import zlib
from typing import Any

import pytest

from credstack.core.baking import (
    OB_NAMESPACE,
    PNG_SIGNATURE,
    bake_png,
    bake_svg,
    extract_baked,
    extract_png,
    extract_svg,
)
from credstack.core.errors import BakingError

JWT = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5OnoifQ.c2lnbmF0dXJlLWJ5dGVz"
CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "https://credstack.example/credentials/1",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Gestión de datos — Ünïcode ✓",
    "credentialSubject": {"type": ["AchievementSubject"]},
    "proof": [{"type": "DataIntegrityProof", "proofValue": "z3Fx"}],
}


# --- a tiny real PNG and an independent chunk reader ---------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(width: int = 2, height: int = 2, extra: bytes = b"") -> bytes:
    """A valid RGBA PNG: IHDR, (extra chunks), IDAT with red pixels, IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff\x00\x00\xff" * width for _ in range(height))
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def read_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Walk a PNG the way any decoder does, asserting every CRC."""
    assert png.startswith(PNG_SIGNATURE)
    offset, chunks = 8, []
    while offset < len(png):
        (length,) = struct.unpack_from(">I", png, offset)
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", png, offset + 8 + length)
        assert zlib.crc32(kind + data) & 0xFFFFFFFF == crc, f"bad CRC on {kind!r}"
        chunks.append((kind, data))
        offset += 12 + length
    return chunks


def itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    body = zlib.compress(text) if compressed else text
    return _chunk(b"iTXt", keyword + b"\x00" + flag + b"\x00\x00" + body)


# --- PNG ------------------------------------------------------------------------------------


def test_png_json_credential_round_trip() -> None:
    original = make_png()
    baked = bake_png(original, CREDENTIAL)
    assert extract_png(baked) == CREDENTIAL
    chunks = read_chunks(baked)
    kinds = [kind for kind, _ in chunks]
    assert kinds == [b"IHDR", b"IDAT", b"iTXt", b"IEND"]
    keyword, rest = chunks[2][1].split(b"\x00", 1)
    assert keyword == b"openbadgecredential"
    assert rest[:2] == b"\x00\x00"  # compression flag and method: uncompressed
    assert json.loads(rest[4:].decode("utf-8")) == CREDENTIAL
    # the picture itself is untouched
    assert dict(read_chunks(original))[b"IDAT"] == dict(chunks)[b"IDAT"]


def test_png_jwt_round_trip() -> None:
    baked = bake_png(make_png(), JWT)
    assert extract_png(baked) == JWT
    assert extract_baked(baked) == JWT


def test_rebaking_a_png_replaces_the_credential() -> None:
    once = bake_png(make_png(), CREDENTIAL)
    twice = bake_png(once, JWT)
    credential_chunks = [
        data for kind, data in read_chunks(twice) if data.startswith(b"openbadgecredential\x00")
    ]
    assert len(credential_chunks) == 1
    assert extract_png(twice) == JWT


def test_other_text_chunks_are_kept() -> None:
    comment = _chunk(b"tEXt", b"Comment\x00made by hand")
    baked = bake_png(make_png(extra=comment), JWT)
    assert (b"tEXt", b"Comment\x00made by hand") in read_chunks(baked)


def test_png_without_credential_says_so() -> None:
    with pytest.raises(BakingError, match=r"^this PNG carries no Open Badges credential$"):
        extract_png(make_png())


def test_open_badges_2_png_is_recognised() -> None:
    png = make_png(extra=itxt(b"openbadges", b'{"type": "Assertion"}'))
    with pytest.raises(BakingError, match=r"Open Badges 2\.0"):
        extract_png(png)


@pytest.mark.parametrize("data", [b"GIF89a....", b"", b"\x89PNG\r\n"])
def test_non_png_is_refused(data: bytes) -> None:
    with pytest.raises(BakingError, match="not a PNG"):
        extract_png(data)
    with pytest.raises(BakingError, match="not a PNG"):
        bake_png(data, JWT)


def test_tampered_credential_chunk_fails_its_crc() -> None:
    baked = bytearray(bake_png(make_png(), CREDENTIAL))
    position = baked.index(b"Gesti")
    baked[position] ^= 0x20
    with pytest.raises(BakingError, match="CRC"):
        extract_png(bytes(baked))


def test_truncated_png_is_refused() -> None:
    baked = bake_png(make_png(), CREDENTIAL)
    with pytest.raises(BakingError, match=r"truncated|past the end"):
        bake_png(baked[:-20], JWT)


def test_chunk_length_beyond_the_file_is_refused() -> None:
    png = bytearray(make_png())
    png[8:12] = struct.pack(">I", 0x7FFFFFF0)  # IHDR claims ~2 GiB
    with pytest.raises(BakingError, match="past the end"):
        extract_png(bytes(png))


def test_compressed_credential_chunk_is_refused() -> None:
    png = make_png(extra=itxt(b"openbadgecredential", JWT.encode(), compressed=True))
    with pytest.raises(BakingError, match="compressed"):
        extract_png(png)


def test_credential_chunk_with_garbage_text_is_refused() -> None:
    png = make_png(extra=itxt(b"openbadgecredential", b"hello world"))
    with pytest.raises(BakingError, match="neither a JSON credential nor a JWT"):
        extract_png(png)
    png = make_png(extra=itxt(b"openbadgecredential", b"{not json"))
    with pytest.raises(BakingError, match="not valid JSON"):
        extract_png(png)


def test_absurdly_nested_json_is_a_baking_error() -> None:
    nested = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    png = make_png(extra=itxt(b"openbadgecredential", nested))
    with pytest.raises(BakingError, match="nested too deeply"):
        extract_png(png)


def test_png_size_cap() -> None:
    png = make_png(20, 20)
    with pytest.raises(BakingError, match="more than the 50 allowed"):
        extract_png(png, max_bytes=50)
    with pytest.raises(BakingError, match="more than the 50 allowed"):
        bake_png(png, JWT, max_bytes=50)


def test_only_credentials_can_be_baked() -> None:
    with pytest.raises(BakingError, match="compact JWT"):
        bake_png(make_png(), "not a jwt")


# --- SVG ------------------------------------------------------------------------------------

SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- badge artwork -->
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" data-note="a > b">
  <circle cx="256" cy="256" r="200" fill="#0a5"/>
  <text x="256" y="270">Data &amp; AI</text>
</svg>
"""

SPEC_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
  <svg xmlns="http://www.w3.org/2000/svg"
    xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"
    viewBox="0 0 512 512">
    <openbadges:credential>
      <![CDATA[
        {
          "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
          ],
          "id": "http://example.edu/credentials/3732",
          "type": ["VerifiableCredential", "OpenBadgeCredential"],
          "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": "Profile",
            "name": "Example University"
          },
          "validFrom": "2010-01-01T00:00:00Z",
          "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21"
          },
          "proof": { }
        }
      ]]>
    </openbadges:credential>

    <!-- rest-of-image -->
  </svg>"""


def _credential_elements(svg: bytes) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return root.findall(f"{{{OB_NAMESPACE}}}credential")


def test_svg_json_credential_round_trip_keeps_the_artwork() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    assert extract_svg(baked) == CREDENTIAL
    root = ET.fromstring(baked)
    assert root[0].tag == f"{{{OB_NAMESPACE}}}credential"  # directly after <svg>
    assert "verify" not in root[0].attrib
    assert b"<![CDATA[" in baked
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    # everything after the <svg> start tag is kept byte for byte
    assert baked.endswith(SVG[SVG.index(b"\n  <circle") :])
    assert baked.startswith(SVG[: SVG.index(b"<svg ")])


def test_svg_jwt_goes_into_the_verify_attribute() -> None:
    baked = bake_svg(SVG, JWT)
    (element,) = _credential_elements(baked)
    assert element.get("verify") == JWT
    assert extract_svg(baked) == JWT
    assert extract_baked(baked) == JWT


def test_spec_example_svg_is_extracted() -> None:
    credential = extract_svg(SPEC_EXAMPLE)
    assert isinstance(credential, dict)
    assert credential["id"] == "http://example.edu/credentials/3732"


def test_rebaking_an_svg_replaces_every_old_credential() -> None:
    old = SPEC_EXAMPLE.replace(
        b"<!-- rest-of-image -->", b'<openbadges:credential verify="a.b.c"/>'
    )
    baked = bake_svg(old, JWT)
    assert len(_credential_elements(baked)) == 1
    assert extract_svg(baked) == JWT
    assert b"rest-of-image" not in baked and b"example.edu/credentials/3732" not in baked
    assert baked.count(b"xmlns:openbadges") == 1  # the existing declaration is reused


def test_existing_prefix_for_the_namespace_is_reused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="' + OB_NAMESPACE.encode() + b'"/>'
    baked = bake_svg(svg, CREDENTIAL)
    assert b"<ob:credential>" in baked
    assert extract_svg(baked) == CREDENTIAL


def test_self_closing_svg_can_be_baked() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="1"/>', JWT)
    assert baked.endswith(b"</svg>")
    assert extract_svg(baked) == JWT


def test_cdata_terminator_inside_the_json_round_trips() -> None:
    tricky = {**CREDENTIAL, "description": "a]]>b <tag> & ]]]]> end"}
    baked = bake_svg(SVG, tricky)
    assert extract_svg(baked) == tricky


def test_svg_without_credential_says_so() -> None:
    with pytest.raises(BakingError, match=r"^this SVG carries no Open Badges credential$"):
        extract_svg(SVG)


def test_open_badges_2_prefix_clash_is_explained() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"/>'
    with pytest.raises(BakingError, match=r"Open Badges 2\.0"):
        bake_svg(svg, JWT)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol3;</text></svg>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential verify="&secret;"/></svg>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_tricks_are_refused(svg: bytes) -> None:
    with pytest.raises(BakingError, match="refused for safety"):
        extract_svg(svg)
    with pytest.raises(BakingError, match="refused for safety"):
        bake_svg(svg, JWT)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (b"<html><body/></html>", "not an SVG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "not well-formed"),
    ],
)
def test_non_svg_is_refused(svg: bytes, message: str) -> None:
    with pytest.raises(BakingError, match=message):
        extract_svg(svg)


def test_non_utf8_svg_is_not_baked() -> None:
    svg = '<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"/>'
    with pytest.raises(BakingError, match="UTF-8"):
        bake_svg(svg.encode("latin-1"), JWT)


def test_extract_baked_detects_the_format_by_content() -> None:
    assert extract_baked(bake_png(make_png(), CREDENTIAL)) == CREDENTIAL
    assert extract_baked(b"\xef\xbb\xbf" + bake_svg(SVG, CREDENTIAL)) == CREDENTIAL
    with pytest.raises(BakingError, match="neither a PNG nor an SVG"):
        extract_baked(b"%PDF-1.7")
