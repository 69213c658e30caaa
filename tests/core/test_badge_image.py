"""Default badge images: valid PNG and SVG, accessible, deterministic, seed-dependent."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest

from credstack.core.badge_image import (
    badge_palette,
    contrast_ratio,
    default_badge_png,
    default_badge_svg,
    wrap_text,
)
from credstack.core.errors import InputError

SVG_NS = "{http://www.w3.org/2000/svg}"
TITLE = "Data Analysis with Python"
ISSUER = "Example University"


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        offset += 12 + length
    return chunks


def _pixels(png: bytes) -> tuple[int, list[bytes]]:
    chunks = _chunks(png)
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    raw = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    stride = width * 4 + 1
    assert len(raw) == stride * height
    rows = [raw[i * stride : (i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter None
    return width, [row[1:] for row in rows]


def test_png_is_a_real_400px_rgba_image_with_valid_chunks() -> None:
    png = default_badge_png(TITLE, ISSUER, TITLE)
    chunks = _chunks(png)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert (width, height) == (400, 400)
    texts = [data for kind, data in chunks if kind == b"iTXt"]
    assert texts[0].startswith(b"Title\x00") and texts[0].endswith(TITLE.encode())
    assert texts[1].startswith(b"Author\x00") and texts[1].endswith(ISSUER.encode())


def test_png_pixels_show_the_badge_on_a_transparent_background() -> None:
    _, rows = _pixels(default_badge_png(TITLE, ISSUER, TITLE))
    palette = badge_palette(TITLE)

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return tuple(rows[y][x * 4 : x * 4 + 4])

    assert pixel(0, 0)[3] == 0 and pixel(399, 399)[3] == 0  # corners outside the hexagon
    assert pixel(200, 200) == (*palette.rim, 255)  # central emblem
    assert pixel(200, 110) == (*palette.background, 255)  # body of the badge
    assert pixel(50, 200) == pixel(349, 200)  # mirror symmetric
    edge_alphas = {pixel(x, 200)[3] for x in range(20, 40)}
    assert any(0 < alpha < 255 for alpha in edge_alphas)  # anti-aliased edge


def test_png_odd_size_and_limits() -> None:
    width, rows = _pixels(default_badge_png(TITLE, ISSUER, TITLE, size=65))
    assert width == 65 and len(rows) == 65
    with pytest.raises(InputError):
        default_badge_png(TITLE, ISSUER, TITLE, size=5000)


def test_svg_parses_and_speaks_to_screen_readers() -> None:
    svg = default_badge_svg("Tools & <Tricks>", 'Uni "Quotes" & Co', "seed")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "badge-title badge-desc"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == "Tools & <Tricks>"
    desc = root.find(f"{SVG_NS}desc")
    assert (
        desc is not None and desc.text == 'Badge for Tools & <Tricks>, issued by Uni "Quotes" & Co'
    )
    visible = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert visible == ["Tools &", "<Tricks>", 'Uni "Quotes" & Co']


@pytest.mark.parametrize("seed", ["Data Analysis with Python", "a", "Zürich", "", "x" * 300])
def test_text_contrast_meets_wcag_aa(seed: str) -> None:
    svg = default_badge_svg(TITLE, ISSUER, seed)
    root = ET.fromstring(svg)
    polygons = root.findall(f"{SVG_NS}polygon")
    background = polygons[1].get("fill")
    group = root.find(f"{SVG_NS}g")
    assert group is not None and background is not None
    text = group.get("fill")
    assert text is not None

    def rgb(value: str) -> tuple[int, int, int]:
        assert re.fullmatch(r"#[0-9a-f]{6}", value)
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))

    assert contrast_ratio(rgb(text), rgb(background)) >= 4.5


def test_deterministic_and_seed_dependent() -> None:
    assert default_badge_svg(TITLE, ISSUER, "s") == default_badge_svg(TITLE, ISSUER, "s")
    assert default_badge_png(TITLE, ISSUER, "s") == default_badge_png(TITLE, ISSUER, "s")
    colours = {badge_palette(seed).background for seed in ("one", "two", "three", "four")}
    assert len(colours) == 4
    assert default_badge_png(TITLE, ISSUER, "one") != default_badge_png(TITLE, ISSUER, "two")


def test_contrast_ratio_reference_values() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


def test_wrapping_keeps_words_and_marks_cut_text() -> None:
    assert wrap_text("Data Analysis with Python", 14, 2) == ["Data Analysis", "with Python"]
    assert wrap_text("Supercalifragilistic", 8, 3) == ["Supercal", "ifragili", "stic"]
    assert wrap_text("one two three four five", 7, 2) == ["one two", "three\u2026"]


def test_empty_title_or_issuer_is_refused() -> None:
    with pytest.raises(InputError):
        default_badge_svg(" ", ISSUER, "s")
    with pytest.raises(InputError):
        default_badge_png(TITLE, "", "s")
