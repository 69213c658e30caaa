"""Reading JSON that someone else wrote: size and nesting limits before the parser runs.

Why: Python's ``json`` parser recurses once per nested array or object, so a document
that nests 100,000 arrays (a few hundred kilobytes) ends in ``RecursionError``, which no
caller expects and which became a server error and a CLI crash. Every JSON document the
verifier reads (the credential, a JWT's header and payload, a baked credential, a DID or
controller document, a status list, a ``--documents`` map) comes through
:func:`load_json`, which refuses absurd nesting with a scan that does not recurse and
answers every failure as one :class:`InputError` line naming the document.
"""

from __future__ import annotations

import json
from typing import Any

from credstack.core.errors import InputError

#: Deepest nesting of JSON objects and arrays accepted (no credential needs a tenth of it).
MAX_JSON_DEPTH = 64


def load_json(
    data: bytes | str, *, what: str, max_bytes: int | None = None, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse ``data`` (UTF-8, a BOM allowed) as JSON within the limits.

    ``what`` names the document in messages ("JWT header", "the DID document at …").
    Raises :class:`InputError` when the text is too large, nested too deeply, not UTF-8
    or not JSON.
    """
    if isinstance(data, bytes):
        if max_bytes is not None and len(data) > max_bytes:
            raise InputError(f"{what} is larger than {describe_size(max_bytes)}")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{what} is not UTF-8 text (bad byte at offset {exc.start})") from exc
    else:
        text = data
        if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
            raise InputError(f"{what} is larger than {describe_size(max_bytes)}")
    check_depth(text, what=what, max_depth=max_depth)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:  # pragma: no cover - check_depth refuses these first
        raise InputError(f"{what} is nested too deeply") from exc


def check_depth(text: str, *, what: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse nesting deeper than ``max_depth`` without recursion (strings are skipped)."""
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
            if depth > max_depth:
                raise InputError(
                    f"{what} is nested too deeply (more than {max_depth} levels; "
                    "no credential needs that)"
                )
        elif ch in "]}":
            depth -= 1


def describe_size(size: int) -> str:
    """A byte count as people read it: ``2 MB``, ``1.5 MB``, ``40 kB``, ``512 bytes``."""
    mib = 1024 * 1024
    if size >= mib:
        return f"{size // mib} MB" if size % mib == 0 else f"{size / mib:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} kB" if size % 1024 == 0 else f"{size / 1024:.1f} kB"
    return f"{size} bytes"
