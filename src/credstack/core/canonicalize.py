"""RDFC-1.0 canonical N-Quads of a JSON-LD document, safely and quickly.

Two paths, one answer:

* the **fast path** (:mod:`credstack.core.jsonld_fast`) turns documents that use only
  bundled contexts straight into quads with pre-compiled term definitions;
* the **general path** runs pyld's expansion and RDF conversion, checked by the
  safe-mode rules of :mod:`credstack.core.jsonld_safety`.

Both feed the same RDFC-1.0 implementation (:mod:`credstack.core.rdfc_canon`), whose
output is byte-identical to jsonld.js (``rdf-canonize``). The fast path declines any
document it does not fully understand, which then takes the general path, so the fast
path can make things quicker but never different.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from credstack.core.contexts import DocumentLoader, offline_loader
from credstack.core.errors import CanonicalizationError, ContextError
from credstack.core.jsonld_fast import fast_quads
from credstack.core.jsonld_numbers import with_javascript_numbers
from credstack.core.jsonld_safety import (
    check_expanded,
    check_input,
    free_floating_scalar,
    undefined_term,
)
from credstack.core.rdfc_canon import canonicalize_quads
from credstack.core.rdfc_nquads import Quad, iri, literal

_DEFAULT_LOADER: DocumentLoader | None = None


class _BoundedCache(dict[str, Any]):
    """pyld's shared context cache, emptied when full so documents cannot grow it forever."""

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= 1024:
            self.clear()
        super().__setitem__(key, value)


#: processed inline (scoped) contexts, keyed by their JSON
_PROCESSED_CONTEXTS = _BoundedCache()


def _default_loader() -> DocumentLoader:
    global _DEFAULT_LOADER
    if _DEFAULT_LOADER is None:
        _DEFAULT_LOADER = offline_loader()
    return _DEFAULT_LOADER


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``.

    With no ``loader`` only Credstack's bundled production contexts are available. The
    fast path is used whenever it can answer exactly (bundled contexts, through the
    default or an :func:`offline_loader`); anything else takes the general path.
    Raises :class:`ContextError` for an unknown context and
    :class:`CanonicalizationError` for anything a signature would not cover (undefined
    terms, relative IRIs, malformed values).
    """
    quads = fast_quads(document, loader)
    if quads is None:
        quads = general_quads(document, loader or _default_loader())
    return canonicalize_quads(quads)


def canonicalize_general(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """The same result as :func:`canonicalize`, always through pyld (the reference path)."""
    return canonicalize_quads(general_quads(document, loader or _default_loader()))


def _context_error(exc: BaseException) -> ContextError | None:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ContextError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _term(component: Mapping[str, Any]) -> str:
    kind = component["type"]
    if kind == "IRI":
        return iri(component["value"])
    if kind == "blank node":
        return str(component["value"])
    return literal(component["value"], component["datatype"], component.get("language"))


class _SafeModeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld with jsonld.js safe mode's "free-floating scalar" rule.

    pyld drops a plain value at the top level or in a ``@graph`` (even behind an alias)
    without a word; the condition below is the one pyld itself tests before dropping it,
    so every value it would drop is refused instead.
    """

    def _expand(  # type: ignore[no-untyped-def]
        self,
        active_ctx,
        active_property,
        element,
        options,
        inside_list=False,
        inside_index=False,
        type_scoped_ctx=None,
    ):
        if (
            element is not None
            and not isinstance(element, list | dict)
            and not inside_list
            and (
                active_property is None
                or self._expand_iri(active_ctx, active_property, vocab=True) == "@graph"
            )
        ):
            free_floating_scalar(element)
        return super()._expand(
            active_ctx,
            active_property,
            element,
            options,
            inside_list=inside_list,
            inside_index=inside_index,
            type_scoped_ctx=type_scoped_ctx,
        )


def general_quads(document: Mapping[str, Any], loader: DocumentLoader) -> list[Quad]:
    """Expand with pyld under the safe-mode rules and return the dataset as quads."""
    processor = _SafeModeProcessor(on_property_dropped=undefined_term)
    options: dict[str, Any] = {
        "documentLoader": loader,
        "base": None,
        "processingMode": "json-ld-1.1",
        # our own cache, so contexts another pyld user in the process cached (with a
        # loader that tags them) can never stand in for what our loader serves
        "contextResolver": ContextResolver(_PROCESSED_CONTEXTS, loader),
    }
    try:
        check_input(document)
        source = with_javascript_numbers(dict(document))
        expanded = processor.expand(source, {**options, "keepFreeFloatingNodes": True})
        check_expanded(expanded, top_level=True)
        dataset = processor.to_rdf(
            expanded,
            {**options, "rdfDirection": "i18n-datatype", "produceGeneralizedRdf": False},
        )
    except (CanonicalizationError, ContextError):
        raise
    except RecursionError as exc:
        raise CanonicalizationError("the document is nested too deeply to canonicalize") from exc
    except ValueError as exc:  # pyld reports IRIs it cannot resolve as a bare ValueError
        raise CanonicalizationError(f"the document is not valid JSON-LD: {exc}") from exc
    except jsonld.JsonLdError as exc:
        context_problem = _context_error(exc)
        if context_problem is not None:
            raise context_problem from exc
        detail = exc
        while isinstance(detail.__cause__, jsonld.JsonLdError):
            detail = detail.__cause__
        raise CanonicalizationError(
            f"the document is not valid JSON-LD: {detail.args[0] if detail.args else detail}"
        ) from exc
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        graph = "" if graph_name == "@default" else _graph_term(graph_name)
        for triple in triples:
            quads.append(
                (
                    _term(triple["subject"]),
                    _term(triple["predicate"]),
                    _term(triple["object"]),
                    graph,
                )
            )
    return quads


def _graph_term(name: str) -> str:
    return name if name.startswith("_:") else iri(name)
