"""``credstack registry import|list|remove``: store the issuer registries the operator trusts.

A registry is read from a file or fetched from a URL (through the verifier's fetcher:
https only, no private addresses, a size cap; plain http to loopback only when the
operator allows it). Importing a registry under a name it already has replaces its
entries, so re-running an import refreshes it. A list of registries imports each
registry it names under the list's name for it. Operator only: reached from the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from credstack.core.errors import FetchError, InputError, NotFoundError
from credstack.core.fetching import Fetcher, FetchPolicy
from credstack.core.issuer_registries import (
    FORMAT_DCC_LEGACY,
    ParsedRegistry,
    read_registry_source,
)
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.store.models import IssuerRegistry, RegistryIssuer

#: the largest registry file read (the DCC's own are tens of kilobytes)
MAX_REGISTRY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImportedRegistry:
    """One registry stored, and the entries of it that were skipped (with reasons)."""

    registry: IssuerRegistry
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    """What an import stored, and the registries of a list it could not import."""

    imported: tuple[ImportedRegistry, ...]
    #: ``(name, reason)`` for each registry of a list that was not imported
    not_imported: tuple[tuple[str, str], ...] = ()


def import_registry(
    session: Session,
    ctx: ServiceContext,
    source: str,
    *,
    name: str | None = None,
    allow_http_loopback: bool = False,
    fetch: Fetcher | None = None,
) -> ImportResult:
    """Import the registry (or list of registries) at ``source``, a file path or a URL."""
    from credstack.services.verification.fetcher import HttpFetcher

    network = fetch or HttpFetcher(
        FetchPolicy(allow_http_loopback=allow_http_loopback, max_bytes=MAX_REGISTRY_BYTES),
        what="registry",
    )
    read = read_registry_source(_read(source, network), source=source)
    if read.registry is not None:
        label = (name or _default_name(source)).strip()
        return ImportResult((_store(session, ctx, label, source, read.registry),))
    if name is not None:
        raise InputError("--name names one registry; a list of registries names its own")
    imported: list[ImportedRegistry] = []
    not_imported: list[tuple[str, str]] = []
    for reference in read.references:
        if reference.skip_reason is not None or reference.url is None:
            not_imported.append((reference.name, reference.skip_reason or "no url"))
            continue
        try:
            parsed = read_registry_source(network(reference.url), source=reference.url)
        except (FetchError, InputError) as exc:
            not_imported.append((reference.name, str(exc)))
            continue
        if parsed.registry is None:
            not_imported.append((reference.name, f"{reference.url} is not a registry"))
            continue
        imported.append(_store(session, ctx, reference.name, reference.url, parsed.registry))
    return ImportResult(tuple(imported), tuple(not_imported))


def _read(source: str, network: Fetcher) -> bytes:
    if source.startswith(("https://", "http://")):
        return network(source)
    path = Path(source)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REGISTRY_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the registry file {source}: {exc.strerror}") from exc
    if len(data) > MAX_REGISTRY_BYTES:
        raise InputError(f"{source} is larger than {MAX_REGISTRY_BYTES // (1024 * 1024)} MB")
    return data


def _default_name(source: str) -> str:
    """A URL's host and path without ``/registry.json``; a file's name without ``.json``."""
    if source.startswith(("https://", "http://")):
        parts = urlsplit(source)
        path = parts.path.removesuffix("/registry.json").removesuffix(".json").rstrip("/")
        return (parts.netloc + path)[:200]
    return Path(source).stem[:200]


def _store(
    session: Session, ctx: ServiceContext, name: str, source: str, parsed: ParsedRegistry
) -> ImportedRegistry:
    if not name or len(name) > 200:
        raise InputError("a registry's name must be 1 to 200 characters")
    registry = session.scalars(select(IssuerRegistry).where(IssuerRegistry.name == name)).first()
    replaced = registry is not None
    if registry is None:
        registry = IssuerRegistry(name=name)
        session.add(registry)
    else:
        session.execute(delete(RegistryIssuer).where(RegistryIssuer.registry_id == registry.id))
    registry.format = FORMAT_DCC_LEGACY
    registry.source = source[:2048]
    registry.imported_at = ctx.now()
    registry.published_at = parsed.published_at
    registry.entry_count = len(parsed.issuers)
    session.flush()
    session.add_all(
        RegistryIssuer(
            registry_id=registry.id,
            issuer_id=issuer.issuer_id,
            name=issuer.name,
            url=issuer.url,
            location=issuer.location,
        )
        for issuer in parsed.issuers
    )
    session.flush()
    audit.record(
        session,
        ctx,
        "registry.imported",
        subject_type="issuer_registry",
        subject_id=registry.id,
        data={
            "name": name,
            "source": registry.source,
            "entries": registry.entry_count,
            "skipped": len(parsed.skipped),
            "replaced": replaced,
        },
    )
    return ImportedRegistry(registry, parsed.skipped)


def list_registries(session: Session) -> Sequence[IssuerRegistry]:
    """Every imported registry, by name."""
    return session.scalars(select(IssuerRegistry).order_by(IssuerRegistry.name)).all()


def remove_registry(session: Session, ctx: ServiceContext, name: str) -> IssuerRegistry:
    """Forget a registry and what it listed; its issuers no longer count as verified."""
    registry = session.scalars(select(IssuerRegistry).where(IssuerRegistry.name == name)).first()
    if registry is None:
        known = ", ".join(r.name for r in list_registries(session)) or "none"
        raise NotFoundError(f"no registry named {name!r} (imported: {known})")
    session.delete(registry)
    session.flush()
    audit.record(
        session,
        ctx,
        "registry.removed",
        subject_type="issuer_registry",
        subject_id=registry.id,
        data={"name": name, "source": registry.source},
    )
    return registry
