"""Canonical N-Quads terms, as RDFC-1.0 hashes and outputs them.

Why our own serializer: pyld escapes only ``\\t \\n \\r " \\``, but canonical N-Quads
(RDF 1.2 N-Triples §"Canonical form", used by RDFC-1.0) also requires ``\\b`` and ``\\f``
as ECHAR and every other character in U+0000..U+001F and U+007F as an upper-case
``\\uXXXX`` UCHAR. A literal holding such a character would otherwise hash differently
from jsonld.js and every other conforming implementation.

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


def iri(value: str) -> str:
    """An IRI term (no escaping: callers only pass absolute IRIs without spaces)."""
    return f"<{value}>"


def literal(value: str, datatype: str = XSD_STRING, language: str | None = None) -> str:
    """A literal term: plain for xsd:string, ``@lang`` for language strings, else ``^^<dt>``."""
    body = f'"{escape_literal(value)}"'
    if language is not None and datatype == RDF_LANGSTRING:
        return f"{body}@{language}"
    if datatype == XSD_STRING:
        return body
    return f"{body}^^<{datatype}>"


def serialize(quad: Quad) -> str:
    """One canonical N-Quads line, newline included."""
    subject, predicate, obj, graph = quad
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"
