"""Bundled, pinned JSON-LD contexts and the offline document loader that serves them.

Why: a signature over RDFC-1.0 N-Quads is only as trustworthy as the contexts used to
produce them. Fetching a context at verification time lets whoever controls that URL
change what a signed credential means (and makes verification depend on the network).
Credstack therefore ships the exact bytes of every context it accepts, checks each
file's SHA-256 against ``data/contexts/manifest.json`` when first loaded, and refuses
any other URL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from credstack.core.errors import ContextError

#: pyld's document loader signature: ``loader(url, options) -> remote document``.
DocumentLoader = Callable[[str, dict[str, Any]], dict[str, Any]]

_DATA_PACKAGE = "credstack.core.data.contexts"
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BundledContext:
    """One pinned context: where it claims to live and its parsed, hash-checked body."""

    url: str
    file: str
    sha256: str
    test_only: bool
    document: Mapping[str, Any]


def _read_bytes(name: str) -> bytes:
    return resources.files(_DATA_PACKAGE).joinpath(name).read_bytes()


@cache
def _bundle() -> Mapping[str, BundledContext]:
    """Read and verify every bundled context once per process."""
    try:
        manifest = json.loads(_read_bytes(_MANIFEST))
    except (OSError, ValueError) as exc:
        raise ContextError(f"the bundled context manifest cannot be read: {exc}") from exc
    bundle: dict[str, BundledContext] = {}
    for entry in manifest["contexts"]:
        url, file, expected = str(entry["url"]), str(entry["file"]), str(entry["sha256"])
        try:
            raw = _read_bytes(file)
        except OSError as exc:
            raise ContextError(f"bundled context {url} is missing ({file}): {exc}") from exc
        actual = hashlib.sha256(raw).hexdigest()
        if actual != expected:
            raise ContextError(
                f"bundled context {url} ({file}) has SHA-256 {actual}, expected {expected}: "
                "the installation is corrupted or was modified; reinstall Credstack"
            )
        bundle[url] = BundledContext(
            url=url,
            file=file,
            sha256=actual,
            test_only=bool(entry.get("test_only", False)),
            document=json.loads(raw),
        )
    return bundle


def bundled_context_urls(*, include_test_only: bool = False) -> frozenset[str]:
    """URLs of the contexts Credstack serves (test-only ones only when asked for)."""
    return frozenset(
        url for url, ctx in _bundle().items() if include_test_only or not ctx.test_only
    )


def is_test_only(url: str) -> bool:
    """True for contexts shipped only to reproduce W3C test vectors (never in production)."""
    ctx = _bundle().get(url)
    return ctx is not None and ctx.test_only


def context_document(url: str) -> dict[str, Any]:
    """The parsed body of a bundled context (a fresh copy the caller may change)."""
    ctx = _bundle().get(url)
    if ctx is None:
        raise ContextError(_unknown(url))
    copied: dict[str, Any] = json.loads(json.dumps(ctx.document))
    return copied


def _unknown(url: str) -> str:
    return f"unknown JSON-LD context {url}: Credstack only uses its bundled, pinned contexts"


class OfflineLoader:
    """A pyld document loader that never touches the network (see :func:`offline_loader`)."""

    def __init__(self, extra: Mapping[str, Any], allow_test_contexts: bool) -> None:
        self._bundle = _bundle()
        self.extra: Mapping[str, Any] = {str(url): doc for url, doc in extra.items()}
        self.allow_test_contexts = allow_test_contexts

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url in self.extra:
            document: Any = self.extra[url]
        else:
            ctx = self._bundle.get(url)
            if ctx is None or (ctx.test_only and not self.allow_test_contexts):
                raise ContextError(_unknown(url))
            document = ctx.document
        return {"contextUrl": None, "documentUrl": url, "document": document}


def offline_loader(
    *, extra: Mapping[str, Any] | None = None, allow_test_contexts: bool = False
) -> DocumentLoader:
    """A pyld document loader that never touches the network.

    It serves the bundled contexts, plus ``extra`` (url -> parsed document, for tests
    that need a context such as the W3C citizenship vocabulary). The test-only examples
    context is served only with ``allow_test_contexts=True``. Any other URL raises
    :class:`ContextError` naming it. (The loader is an :class:`OfflineLoader`, which
    lets canonicalization know which bundled contexts it may pre-compile.)
    """
    return OfflineLoader(extra or {}, allow_test_contexts)
