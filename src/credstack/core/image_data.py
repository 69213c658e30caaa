"""Image bytes and ``data:`` image URIs: what kind of image, and one safe spelling of a URI.

Why: an achievement's image may be given inline as a ``data:`` URI, and that URI is copied
as the image ``id`` into every credential signed for it. RDF canonicalization accepts only
IRIs without spaces (and N-Quads forbids ``<>"{}|^`\\``), so a URI such as
``data:image/svg+xml;utf8,<svg xmlns="…">`` used to publish fine and then fail every
award. :func:`normalise_image_data_uri` is applied where the definition is read, so a bad
URI is refused when the achievement is created, with a message saying what is wrong, and a
good one is rewritten in the one form that is always a valid IRI: base64.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_to_bytes

PNG_MIME = "image/png"
JPEG_MIME = "image/jpeg"
SVG_MIME = "image/svg+xml"
#: leading bytes of each raster format Credstack accepts
IMAGE_MAGIC = {PNG_MIME: b"\x89PNG\r\n\x1a\n", JPEG_MIME: b"\xff\xd8\xff"}
#: the most a badge image may weigh, uploaded or inline (the same 1 MB everywhere)
MAX_IMAGE_BYTES = 1_000_000
_SVG_SNIFF_BYTES = 4096


def sniff_image_type(data: bytes) -> str | None:
    """``image/png``, ``image/jpeg`` or ``image/svg+xml`` from the bytes themselves, or None."""
    for mime, magic in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return mime
    return SVG_MIME if b"<svg" in data[:_SVG_SNIFF_BYTES] else None


def normalise_image_data_uri(uri: str) -> str:
    """``uri`` (a ``data:`` URI of a PNG, JPEG or SVG) as ``data:<type>;base64,<data>``.

    Raises ``ValueError`` with a message a person can act on when it is not RFC 2397
    syntax, not one of those image types, not valid base64, larger than
    :data:`MAX_IMAGE_BYTES`, or when its content is not the type it declares.
    """
    if not uri[:5].lower() == "data:":
        raise ValueError(f"{uri[:40]!r} is not a data: URI")
    header, comma, payload = uri[5:].partition(",")
    if not comma:
        raise ValueError(
            "the data: URI has no comma between its media type and its data "
            "(expected data:image/svg+xml;base64,PHN2Zy4uLg== or similar)"
        )
    parameters = [part.strip().lower() for part in header.split(";")]
    mime = parameters[0]
    if mime not in (PNG_MIME, JPEG_MIME, SVG_MIME):
        raise ValueError(
            f"the data: URI is of type {mime or '(none)'!r}; an image must be "
            "image/png, image/jpeg or image/svg+xml"
        )
    if parameters[-1] == "base64":
        text = "".join(unquote_to_bytes(payload).decode("ascii", "replace").split())
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the data: URI says base64 but its data is not valid base64") from None
    else:
        data = unquote_to_bytes(payload)
    if not data:
        raise ValueError("the data: URI holds no image data")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(
            f"the data: URI holds {len(data):,} bytes; an image may have at most "
            f"{MAX_IMAGE_BYTES:,} (publish it at an https URL instead)"
        )
    sniffed = sniff_image_type(data)
    if sniffed != mime:
        found = f"its content is {sniffed}" if sniffed else "its content is not an image"
        raise ValueError(f"the data: URI declares {mime} but {found}")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
