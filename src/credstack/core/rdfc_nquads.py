"""Canonical N-Quads terms, as RDFC-1.0 hashes and outputs them.

Why our own serializer: pyld escapes only ``\\t \\n \\r " \\``, but canonical N-Quads
(RDF 1.2 N-Triples §"Canonical form", used by RDFC-1.0) also requires ``\\b`` and ``\\f``
as ECHAR and every other character in U+0000..U+001F and U+007F as an upper-case
``\\uXXXX`` UCHAR. A literal holding such a character would otherwise hash differently
from jsonld.js and every other conforming implementation.

jsonld.js (``rdf-canonize``) also escapes the characters N-Quads forbids in IRIs
(U+0000..U+0020 and ``<>"{}|^`\\``) as UCHAR, and sorts lines by UTF-16 code units (the
JavaScript default), which differs from code point order only between characters above
U+FFFF and those in U+E000..U+FFFF; both are reproduced here.

A quad is a tuple of four already-serialized terms ``(subject, predicate, object,
graph)``; ``graph`` is ``""`` for the default graph. Blank nodes are the only terms that
start with ``_:`` (IRIs start with ``<``, literals with ``"``), which lets the
canonicalization algorithm relabel them without re-parsing anything.
"""

from __future__ import annotations

import re

Quad = tuple[str, str, str, str]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_ECHAR = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f\\x7f"\\\\]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ECHAR.get(char) or f"\\u{ord(char):04X}"


def escape_literal(value: str) -> str:
    """Escape a lexical form for a canonical ``STRING_LITERAL_QUOTE``."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return _NEEDS_ESCAPE.sub(_escape_char, value)


_IRI_NEEDS_ESCAPE = re.compile('[\x00-\x20<>"{}|^`\\\\]')
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _uchar(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04X}"


def iri(value: str) -> str:
    """An IRI term, with the characters N-Quads forbids in IRIs written as UCHAR."""
    if _IRI_NEEDS_ESCAPE.search(value) is None:
        return f"<{value}>"
    return f"<{_IRI_NEEDS_ESCAPE.sub(_uchar, value)}>"


def sorted_text(lines: list[str]) -> str:
    """Sort ``lines`` in place the way jsonld.js does (UTF-16 code units) and join them."""
    lines.sort()
    text = "".join(lines)
    if _ASTRAL.search(text) is None:
        return text
    lines.sort(key=lambda line: line.encode("utf-16-be"))
    return "".join(lines)


def literal(value: str, datatype: str = XSD_STRING, language: str | None = None) -> str:
    """A literal term: plain for xsd:string, ``@lang`` for language strings, else ``^^<dt>``."""
    body = f'"{escape_literal(value)}"'
    if language is not None and datatype == RDF_LANGSTRING:
        return f"{body}@{language}"
    if datatype == XSD_STRING:
        return body
    return f"{body}^^{iri(datatype)}"


def serialize(quad: Quad) -> str:
    """One canonical N-Quads line, newline included."""
    subject, predicate, obj, graph = quad
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"
