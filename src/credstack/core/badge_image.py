"""A default badge image for achievements whose issuer has not uploaded one.

Why generate one: OB 3.0 credentials are shown as images in wallets and on LinkedIn,
and baking needs an image to carry the credential. An issuer's first micro-credential
should look deliberate without a designer. The design is a hexagon in a colour derived
from a seed (usually the achievement name), so each badge is recognisable and the same
input always gives the same bytes.

Accessibility: the SVG has ``role="img"`` with a ``<title>`` and ``<desc>`` for screen
readers, and its text colour is chosen to reach WCAG 2.1 AA contrast (4.5:1) against
the background. The PNG is drawn here with ``zlib``/``struct`` (no imaging library),
carries the title and issuer in ``iTXt`` chunks, and has no text in its pixels.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import struct
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

from credstack.core.errors import InputError

RGB = tuple[int, int, int]
WCAG_AA_TEXT = 4.5
_WHITE: RGB = (255, 255, 255)
_SQRT3_2 = math.sqrt(3) / 2
_FONT = "'Segoe UI', 'Helvetica Neue', Arial, sans-serif"


@dataclass(frozen=True)
class BadgePalette:
    """The colours of one badge; ``text`` on ``background`` meets WCAG AA."""

    background: RGB
    rim: RGB
    accent: RGB
    text: RGB


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: RGB) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    r, g, b = (_channel(v) for v in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: RGB, second: RGB) -> float:
    """WCAG 2.1 contrast ratio, from 1 (none) to 21 (black on white)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def badge_palette(color_seed: str) -> BadgePalette:
    """Colours derived from ``color_seed``: a hue from its SHA-256, darkened until white
    text on it reaches 4.5:1."""
    digest = hashlib.sha256(color_seed.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    saturation = 0.50 + digest[2] / 255 * 0.25
    lightness = 0.46
    background = _hls(hue, lightness, saturation)
    while contrast_ratio(_WHITE, background) < WCAG_AA_TEXT + 0.1:
        lightness -= 0.01
        background = _hls(hue, lightness, saturation)
    return BadgePalette(
        background=background,
        rim=_hls(hue, min(lightness + 0.32, 0.9), saturation),
        accent=_hls(hue, max(lightness - 0.12, 0.08), saturation),
        text=_WHITE,
    )


def _hex(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def wrap_text(text: str, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap; over-long words are split and the last line gets an ellipsis."""
    words: list[str] = []
    for word in text.split():
        words += [word[i : i + width] for i in range(0, len(word), width)]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], last[: width - 1].rstrip() + "\u2026"]
    return lines


def _hexagon(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    return [
        (
            cx + radius * math.cos(math.radians(90 + 60 * i)),
            cy + radius * math.sin(math.radians(90 + 60 * i)),
        )
        for i in range(6)
    ]


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _check(title: str, issuer_name: str) -> None:
    if not title.strip():
        raise InputError("a badge image needs a title: give the achievement's name")
    if not issuer_name.strip():
        raise InputError("a badge image needs the issuer's name")


def default_badge_svg(title: str, issuer_name: str, color_seed: str) -> str:
    """A 400x400 SVG badge: hexagon, wrapped title, issuer name, screen-reader text."""
    _check(title, issuer_name)
    palette = badge_palette(color_seed)
    # sized so the longest line fits inside the inner hexagon (about 270 px wide)
    title_lines, size = wrap_text(title, 14, 2), 30
    if len(" ".join(title_lines)) < len(" ".join(title.split())):
        title_lines, size = wrap_text(title, 17, 4), 24
    first_y = 186 - (len(title_lines) - 1) * size * 1.15 / 2
    issuer_lines = wrap_text(issuer_name, 24, 2)
    text = _hex(palette.text)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400"'
        ' role="img" aria-labelledby="badge-title badge-desc">',
        f'<title id="badge-title">{escape(title)}</title>',
        f'<desc id="badge-desc">Badge for {escape(title)}, issued by {escape(issuer_name)}</desc>',
        f'<polygon points="{_points(_hexagon(200, 200, 196))}" fill="{_hex(palette.rim)}"/>',
        f'<polygon points="{_points(_hexagon(200, 200, 178))}" fill="{_hex(palette.background)}"/>',
        f'<polygon points="{_points(_hexagon(200, 200, 160))}" fill="none"'
        f' stroke="{_hex(palette.accent)}" stroke-width="4"/>',
        f'<g fill="{text}" font-family="{_FONT}" text-anchor="middle" aria-hidden="true">',
    ]
    for number, line in enumerate(title_lines):
        y = first_y + number * size * 1.15
        parts.append(
            f'<text x="200" y="{y:.1f}" font-size="{size}" font-weight="700">{escape(line)}</text>'
        )
    for number, line in enumerate(issuer_lines):
        parts.append(f'<text x="200" y="{270 + number * 20}" font-size="16">{escape(line)}</text>')
    parts += ["</g>", "</svg>"]
    return "\n".join(parts) + "\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _itxt(keyword: str, text: str) -> bytes:
    return _chunk(b"iTXt", keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode())


def _hexagon_radius(dx: float, dy: float) -> float:
    """The apothem of the centred pointy-top hexagon whose edge passes through (dx, dy)."""
    # edge normals of a pointy-top hexagon: (1, 0) and (1/2, sqrt(3)/2), by symmetry
    return max(abs(dx), abs(dx) * 0.5 + abs(dy) * _SQRT3_2)


def _blend(
    under: tuple[float, float, float, float], color: RGB, coverage: float
) -> tuple[float, float, float, float]:
    """``color`` painted over ``under`` with partial coverage (anti-aliased edges)."""
    if coverage <= 0:
        return under
    r, g, b, a = under
    alpha = coverage + a * (1 - coverage)
    keep = a * (1 - coverage)
    return (
        (color[0] * coverage + r * keep) / alpha,
        (color[1] * coverage + g * keep) / alpha,
        (color[2] * coverage + b * keep) / alpha,
        alpha,
    )


def _pixel(radius: float, layers: list[tuple[float, RGB, float | None]]) -> bytes:
    pixel = (0.0, 0.0, 0.0, 0.0)
    for apothem, color, band in layers:
        distance = radius - apothem
        if band is not None:
            distance = abs(distance) - band / 2
        pixel = _blend(pixel, color, min(max(0.5 - distance, 0.0), 1.0))
    r, g, b, a = pixel
    return bytes((round(r), round(g), round(b), round(a * 255)))


def default_badge_png(title: str, issuer_name: str, color_seed: str, size: int = 400) -> bytes:
    """The same hexagon frame as a real RGBA PNG (``size`` x ``size``), an emblem for text."""
    _check(title, issuer_name)
    if not 64 <= size <= 1024:
        raise InputError("badge PNG size must be between 64 and 1024 pixels")
    palette = badge_palette(color_seed)
    scale = size / 400
    layers: list[tuple[float, RGB, float | None]] = [
        (196 * _SQRT3_2 * scale, palette.rim, None),
        (178 * _SQRT3_2 * scale, palette.background, None),
        (160 * _SQRT3_2 * scale, palette.accent, 4 * scale),
        (60 * scale, palette.rim, None),
    ]
    centre = size / 2
    half = (size + 1) // 2
    rows = bytearray()
    # the design is symmetric about both axes: draw one quadrant, mirror it
    for py in range(half):
        left = [
            _pixel(_hexagon_radius(px + 0.5 - centre, py + 0.5 - centre), layers)
            for px in range(half)
        ]
        row = b"".join(left) + b"".join(reversed(left[: size - half]))
        rows += b"\x00" + row  # filter type None
    for py in range(size - half - 1, -1, -1):
        start = py * (size * 4 + 1)
        rows += rows[start : start + size * 4 + 1]
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _itxt("Title", title),
            _itxt("Author", issuer_name),
            _chunk(b"IDAT", zlib.compress(bytes(rows), 9)),
            _chunk(b"IEND", b""),
        ]
    )
