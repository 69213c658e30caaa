"""Issuer registries in the Digital Credentials Consortium's formats, read with care.

Two JSON shapes, as the DCC's verifier and its issuer-registry client read them:

* a **registry** (the DCC "legacy" format, e.g. its community and sandbox registries):
  ``{"meta": {"created", "updated"}, "registry": {"<DID>": {"name", "location", "url"}}}``;
* a **list of registries** (the DCC "known DID registries" file):
  ``[{"type": "dcc-legacy", "name": "…", "url": "…/registry.json"}, {"type": "oidf", …}]``.
  Entries of type ``dcc-legacy`` are registries to fetch and read; ``oidf`` (OpenID
  Federation) registries answer one DID at a time through a signed trust chain, so
  there is no list to import, and they are reported as skipped.

Every entry is checked (an id that is a DID or an http(s) URL, a name, sizes); a bad
entry is skipped with its reason rather than failing the whole registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from credstack.core.errors import InputError
from credstack.core.timestamps import parse_datetime

FORMAT_DCC_LEGACY = "dcc-legacy"
#: more entries than this is not a registry anyone reads by hand
MAX_ENTRIES = 100_000
MAX_NAME = 500
MAX_URL = 2048
MAX_ID = 512


@dataclass(frozen=True)
class ListedIssuer:
    """One issuer a registry vouches for."""

    issuer_id: str
    name: str
    url: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class ParsedRegistry:
    """A registry's issuers, its own "updated" date, and the entries that were skipped."""

    issuers: tuple[ListedIssuer, ...]
    published_at: datetime | None
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistryReference:
    """One entry of a list of registries: where to read it, or why it cannot be read."""

    name: str
    type: str
    url: str | None
    #: why the entry is not imported (an unsupported type, a missing URL), or None
    skip_reason: str | None = None


@dataclass(frozen=True)
class RegistrySource:
    """What a file holds: one registry, or a list of registries (exactly one is set)."""

    registry: ParsedRegistry | None = None
    references: tuple[RegistryReference, ...] = field(default_factory=tuple)


def read_registry_source(data: bytes, *, source: str) -> RegistrySource:
    """Parse a registry or a list of registries; ``InputError`` when it is neither."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{source} is not JSON: {exc}") from exc
    if isinstance(document, dict) and isinstance(document.get("registry"), dict):
        return RegistrySource(registry=_dcc_legacy(document, source))
    if isinstance(document, list):
        return RegistrySource(
            references=tuple(_reference(item, n) for n, item in enumerate(document))
        )
    raise InputError(
        f"{source} is neither a DCC issuer registry (an object with a 'registry' map of DID "
        "to issuer) nor a list of registries (an array of {type, name, url})"
    )


def _dcc_legacy(document: dict[str, Any], source: str) -> ParsedRegistry:
    entries: dict[str, Any] = document["registry"]
    if len(entries) > MAX_ENTRIES:
        raise InputError(f"{source} lists {len(entries):,} issuers, more than {MAX_ENTRIES:,}")
    issuers: list[ListedIssuer] = []
    skipped: list[str] = []
    for issuer_id, entry in entries.items():
        problem = _entry_problem(issuer_id, entry)
        if problem is not None:
            skipped.append(f"{issuer_id[:80]}: {problem}")
            continue
        issuers.append(
            ListedIssuer(
                issuer_id=issuer_id,
                name=entry["name"].strip(),
                url=_optional(entry.get("url"), MAX_URL),
                location=_optional(entry.get("location"), MAX_NAME),
            )
        )
    meta = document.get("meta")
    updated = meta.get("updated") if isinstance(meta, dict) else None
    return ParsedRegistry(tuple(issuers), parse_datetime(updated), tuple(skipped))


def _entry_problem(issuer_id: str, entry: object) -> str | None:
    if not isinstance(entry, dict):
        return "the entry is not an object"
    if len(issuer_id) > MAX_ID or not issuer_id.startswith(("did:", "https://", "http://")):
        return "the id is not a DID or an http(s) URL"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        return "the entry has no name"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    return None


def _optional(value: object, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    return value.strip()


def _reference(item: object, number: int) -> RegistryReference:
    if not isinstance(item, dict):
        return RegistryReference(f"entry {number + 1}", "?", None, "the entry is not an object")
    name = item.get("name")
    label = name.strip() if isinstance(name, str) and name.strip() else f"entry {number + 1}"
    kind = str(item.get("type", "?"))
    url = item.get("url")
    if kind != FORMAT_DCC_LEGACY:
        reason = (
            "an OpenID Federation registry answers one DID at a time; there is no list to import"
            if kind == "oidf"
            else f"registries of type {kind!r} are not supported (only {FORMAT_DCC_LEGACY})"
        )
        return RegistryReference(label[:200], kind, None, reason)
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return RegistryReference(label[:200], kind, None, "the entry has no http(s) 'url'")
    return RegistryReference(label[:200], kind, url)
