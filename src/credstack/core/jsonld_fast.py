"""Fast path: JSON-LD straight to RDF quads for documents using only bundled contexts.

Why: profiling pyld's ``normalize`` on an Open Badges credential shows about two thirds
of the time going into context processing (pyld re-processes the VC and OB contexts,
and every type- and property-scoped context inside them, for every node of every
document) and most of the rest into generic expansion and node-map bookkeeping. Our
contexts are fixed and pinned, so every active context a document can reach is worked
out once (by pyld itself, so protected-term and scoping rules stay pyld's), and each
term's IRI, coercion and container are looked up once per active context.

The walker below mirrors pyld's expansion algorithm (property-scoped contexts, reverting
non-propagated type-scoped contexts, type-scoped contexts in sorted type order, ``@list``
and ``@graph`` containers, value objects, ``@direction`` as i18n datatypes) and emits
quads directly. Whatever it does not handle exactly -- an embedded ``@context``, blank
node identifiers in the input, ``@json``, nested arrays, keywords other than
``@id``/``@type``/``@value``/``@language``/``@direction``, and anything the safe-mode
rules would reject -- raises :class:`_Unsupported` and the caller takes the general
path, which gives the same answer or the proper error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from credstack.core.contexts import DocumentLoader, OfflineLoader, offline_loader
from credstack.core.jsonld_numbers import as_javascript_number, canonical_double
from credstack.core.jsonld_safety import is_absolute_iri, is_language_tag
from credstack.core.rdfc_nquads import Quad, iri, literal

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = f"<{RDF}type>"
RDF_FIRST = f"<{RDF}first>"
RDF_REST = f"<{RDF}rest>"
RDF_NIL = f"<{RDF}nil>"
XSD_BOOLEAN = f"{XSD}boolean"
XSD_DOUBLE = f"{XSD}double"
XSD_INTEGER = f"{XSD}integer"
RDF_LANGSTRING = f"{RDF}langString"
_VALUE_KEYS = frozenset({"@value", "@language", "@direction", "@type"})
#: Active contexts kept per engine. Real documents reach a few dozen; the cap stops a
#: stream of documents with ever new orderings of bundled contexts from growing memory
#: without bound (past it, such documents simply take the general path).
MAX_CACHED_CONTEXTS = 2048


class _Unsupported(Exception):
    """The fast path does not handle this document exactly; use the general path."""


class _Term:
    """What one key means in one active context, looked up once."""

    __slots__ = ("container", "keyword", "predicate", "scoped", "type")

    def __init__(self, ctx: _Context, key: str) -> None:
        expanded = ctx.expand_iri(key, vocab=True)
        mapping = ctx.active["mappings"].get(key)
        self.keyword: str | None = expanded if expanded and expanded.startswith("@") else None
        self.predicate = ""
        if self.keyword is None:
            if not expanded or not is_absolute_iri(expanded) or expanded.startswith("_:"):
                raise _Unsupported(key)
            self.predicate = iri(expanded)
        self.type: str | None = None
        self.container: str | None = None
        self.scoped: Any = None
        if mapping:
            if mapping.get("reverse") or "@language" in mapping or "@direction" in mapping:
                raise _Unsupported(key)
            self.type = mapping.get("@type")
            containers = set(mapping.get("@container") or ()) - {"@set"}
            if containers - {"@list", "@graph"} or len(containers) > 1:
                raise _Unsupported(key)
            self.container = containers.pop() if containers else None
            self.scoped = mapping.get("@context")
        if self.type == "@json":
            raise _Unsupported(key)


class _Context:
    """A pyld active context plus memoised term lookups and derived contexts."""

    def __init__(self, engine: _Engine, active: dict[str, Any]) -> None:
        if active.get("@language") is not None or active.get("@direction") is not None:
            raise _Unsupported("default language or direction")
        self.engine = engine
        self.active = active
        self.terms: dict[str, _Term] = {}
        self.iris: dict[tuple[str, bool], str | None] = {}
        self.derived: dict[tuple[Any, ...], _Context] = {}
        previous = active.get("previousContext")
        self.previous: _Context | None = engine.wrap(previous) if previous else None

    def term(self, key: str) -> _Term:
        found = self.terms.get(key)
        if found is None:
            found = self.terms[key] = _Term(self, key)
        return found

    def expand_iri(self, value: str, *, vocab: bool) -> str | None:
        cache_key = (value, vocab)
        if cache_key not in self.iris:
            expanded = self.engine.processor._expand_iri(self.active, value, base=None, vocab=vocab)
            self.iris[cache_key] = expanded
        return self.iris[cache_key]

    def keywords(self, element: Mapping[str, Any]) -> set[str | None]:
        """The keywords ``element``'s keys expand to (``None`` for every non-keyword key)."""
        found: set[str | None] = set()
        for key in element:
            expanded = self.expand_iri(key, vocab=True)
            found.add(expanded if expanded and expanded.startswith("@") else None)
        return found

    def node_iri(self, value: Any, *, vocab: bool) -> str:
        if not isinstance(value, str):
            raise _Unsupported("non-string IRI")
        expanded = self.expand_iri(value, vocab=vocab)
        if not expanded or not is_absolute_iri(expanded) or expanded.startswith("_:"):
            raise _Unsupported(value)
        return expanded

    def with_context(self, local: Any, *, propagate: bool) -> _Context:
        """This context with a term- or type-scoped context applied (cached per object).

        Property-scoped contexts (``propagate``) may override protected terms; type-scoped
        ones do not propagate into nested nodes. Scoped context objects live inside the
        cached active contexts, so their ``id()`` is a stable cache key.
        """
        return self._derive(("scoped", id(local), propagate), local, propagate, propagate)

    def with_embedded(self, local: Any) -> _Context:
        """This context with a document's own ``@context`` (bundled URLs only) applied."""
        urls = local if isinstance(local, list) else [local]
        if not urls or not all(isinstance(url, str) for url in urls):
            raise _Unsupported("inline context object")
        return self._derive(("embedded", *urls), list(urls), False, True)

    def _derive(
        self, cache_key: tuple[Any, ...], local: Any, override: bool, propagate: bool
    ) -> _Context:
        found = self.derived.get(cache_key)
        if found is None:
            processed = self.engine.processor._process_context(
                self.active,
                local,
                self.engine.options,
                override_protected=override,
                propagate=propagate,
            )
            found = self.derived[cache_key] = self.engine.wrap(processed)
        return found

    def reverted(self) -> _Context:
        return self.previous if self.previous is not None else self


class _Engine:
    """Everything computed once per loader configuration: processor, options, contexts."""

    def __init__(self, loader: DocumentLoader) -> None:
        self.processor = jsonld.JsonLdProcessor()
        self.options: dict[str, Any] = {
            "documentLoader": loader,
            "base": None,
            "processingMode": "json-ld-1.1",
            "contextResolver": ContextResolver({}, loader),
        }
        self.contexts: dict[int, _Context] = {}
        self.keep: list[dict[str, Any]] = []
        self.tops: dict[tuple[str, ...], _Context] = {}

    def wrap(self, active: dict[str, Any]) -> _Context:
        found = self.contexts.get(id(active))
        if found is None:
            if len(self.contexts) >= MAX_CACHED_CONTEXTS:
                raise _Unsupported("context cache full")
            self.keep.append(active)  # keeps id() stable for the engine's lifetime
            found = self.contexts[id(active)] = _Context(self, active)
        return found

    def top(self, urls: tuple[str, ...]) -> _Context:
        found = self.tops.get(urls)
        if found is None:
            initial = self.processor._get_initial_context(self.options)
            active = self.processor._process_context(initial, list(urls), self.options)
            found = self.tops[urls] = self.wrap(active)
        return found


_ENGINES: dict[bool, _Engine] = {}


def _engine(allow_test_contexts: bool) -> _Engine:
    engine = _ENGINES.get(allow_test_contexts)
    if engine is None:
        loader = offline_loader(allow_test_contexts=allow_test_contexts)
        engine = _ENGINES[allow_test_contexts] = _Engine(loader)
    return engine


def _scalar_literal(value: Any, datatype: str | None) -> str:
    if isinstance(value, bool):
        return literal("true" if value else "false", datatype or XSD_BOOLEAN)
    if isinstance(value, int | float):
        value = as_javascript_number(value)
    if isinstance(value, float) and not value.is_integer():
        return literal(canonical_double(value), datatype or XSD_DOUBLE)
    if isinstance(value, int | float):
        if datatype == XSD_DOUBLE or abs(value) >= 1e21:
            return literal(canonical_double(float(value)), datatype or XSD_DOUBLE)
        return literal(str(int(value)), datatype or XSD_INTEGER)
    if isinstance(value, str):
        if datatype == XSD_DOUBLE:
            raise _Unsupported("string typed as xsd:double")
        return literal(value, datatype) if datatype else literal(value)
    raise _Unsupported("unexpected scalar")


class _Walker:
    """Walks one document and collects its quads (dataset = dict used as ordered set)."""

    def __init__(self) -> None:
        self.quads: dict[Quad, None] = {}
        self.counter = 0

    def blank(self) -> str:
        self.counter += 1
        return f"_:f{self.counter}"

    def node(self, element: Mapping[str, Any], ctx: _Context, graph: str) -> str:
        if "@context" in element:
            ctx = ctx.with_embedded(element["@context"])
        type_ctx = ctx
        types: list[str] = []
        for key in sorted(element):
            if ctx.expand_iri(key, vocab=True) != "@type":
                continue
            values = element[key]
            values = values if isinstance(values, list) else [values]
            for type_value in sorted(values):
                if not isinstance(type_value, str):
                    raise _Unsupported("non-string type")
                scoped = (
                    type_ctx.term(type_value).scoped
                    if type_value in type_ctx.active["mappings"]
                    else None
                )
                if scoped is not None:
                    ctx = ctx.with_context(scoped, propagate=False)
                types.append(type_ctx.node_iri(type_value, vocab=True))
        subject = ""
        properties = []
        for key, value in element.items():
            if key == "@context":
                continue
            term = ctx.term(key)
            if term.keyword == "@id":
                subject = ctx.node_iri(value, vocab=False)
            elif term.keyword is not None:
                if term.keyword != "@type":
                    raise _Unsupported(f"keyword {term.keyword}")
            elif value is not None:
                properties.append((key, term, value))
        subject = iri(subject) if subject else self.blank()
        for type_iri in types:
            self.quads[(subject, RDF_TYPE, iri(type_iri), graph)] = None
        for key, term, value in properties:
            self.property(subject, key, term, value, ctx, graph)
        return subject

    def property(
        self, subject: str, key: str, term: _Term, value: Any, ctx: _Context, graph: str
    ) -> None:
        term_ctx = ctx.with_context(term.scoped, propagate=True) if term.scoped else ctx
        items = value if isinstance(value, list) else [value]
        if term.container == "@list":
            objects = [
                self.object(item, key, term_ctx, graph) for item in items if item is not None
            ]
            head = RDF_NIL
            for obj in reversed(objects):
                cell = self.blank()
                self.quads[(cell, RDF_FIRST, obj, graph)] = None
                self.quads[(cell, RDF_REST, head, graph)] = None
                head = cell
            self.quads[(subject, term.predicate, head, graph)] = None
            return
        for item in items:
            if item is None:
                continue
            if term.container == "@graph":
                if not isinstance(item, Mapping) or (len(item) < 2 and "@context" not in item):
                    raise _Unsupported("@graph container value that pyld may drop")
                name = self.blank()
                self.quads[(subject, term.predicate, name, graph)] = None
                self.object(item, key, term_ctx, name)
                continue
            self.quads[
                (subject, term.predicate, self.object(item, key, term_ctx, graph), graph)
            ] = None

    def object(self, item: Any, key: str, term_ctx: _Context, graph: str) -> str:
        """The object term for one value of ``key`` (emitting nested nodes' quads)."""
        if isinstance(item, list):
            raise _Unsupported("nested array")
        term = term_ctx.term(key)
        if not isinstance(item, Mapping):
            if isinstance(item, str) and term.type in ("@id", "@vocab"):
                return iri(term_ctx.node_iri(item, vocab=term.type == "@vocab"))
            datatype = term.type if term.type not in (None, "@id", "@vocab", "@none") else None
            if datatype is not None and not is_absolute_iri(datatype):
                raise _Unsupported("relative datatype")
            return _scalar_literal(item, datatype)
        keywords = term_ctx.keywords(item)
        if "@value" in keywords or keywords == {"@id"}:
            value_ctx = (
                term_ctx.with_context(term.scoped, propagate=True) if term.scoped else term_ctx
            )
            if "@value" in keywords:
                return self.value_object(item, value_ctx)
            (only,) = item.values()
            return iri(value_ctx.node_iri(only, vocab=False))
        node_ctx = term_ctx.reverted()
        if term.scoped:
            node_ctx = node_ctx.with_context(term.scoped, propagate=True)
        return self.node(item, node_ctx, graph)

    def value_object(self, item: Mapping[str, Any], ctx: _Context) -> str:
        parts: dict[str, Any] = {}
        for key, value in item.items():
            keyword = ctx.term(key).keyword
            if keyword not in _VALUE_KEYS or keyword in parts:
                raise _Unsupported("value object keys")
            parts[keyword] = value
        value = parts["@value"]
        language, direction = parts.get("@language"), parts.get("@direction")
        if "@type" in parts:
            if language is not None or direction is not None:
                raise _Unsupported("typed value with language")
            return _scalar_literal(value, ctx.node_iri(parts["@type"], vocab=True))
        if language is None and direction is None:
            return _scalar_literal(value, None)
        if not isinstance(value, str):
            raise _Unsupported("language on a non-string")
        if language is not None:
            if not isinstance(language, str) or not is_language_tag(language):
                raise _Unsupported("language tag")
            language = language.lower()
        if direction is not None:
            if direction not in ("ltr", "rtl"):
                raise _Unsupported("direction")
            return literal(value, f"https://www.w3.org/ns/i18n#{language or ''}_{direction}")
        return literal(value, RDF_LANGSTRING, language)


def fast_quads(
    document: Mapping[str, Any], loader: DocumentLoader | None = None
) -> list[Quad] | None:
    """The document's quads, or ``None`` when only the general path can answer exactly.

    ``loader`` must be ``None`` (production contexts) or an :class:`OfflineLoader`
    without ``extra`` contexts; anything else takes the general path.
    """
    if loader is not None and not isinstance(loader, OfflineLoader):
        return None
    allow_test = bool(loader is not None and loader.allow_test_contexts)
    urls = document.get("@context")
    urls = urls if isinstance(urls, list) else [urls]
    if not urls or not all(isinstance(url, str) for url in urls):
        return None
    if loader is not None and loader.extra:
        return None  # extra contexts (even ones shadowing a bundled URL) are pyld's job
    try:
        ctx = _engine(allow_test).top(tuple(urls))
        walker = _Walker()
        top = {key: value for key, value in document.items() if key != "@context"}
        if ctx.keywords(top) <= {"@id", "@type"}:
            return None
        walker.node(top, ctx, "")
    except Exception:  # any surprise means "not exactly supported": the general path decides
        return None
    return list(walker.quads)
