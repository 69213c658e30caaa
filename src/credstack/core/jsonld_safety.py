"""The "safe mode" rules both canonicalization paths enforce.

Why: pyld silently drops what it cannot map to an absolute IRI (an undefined term, a
relative ``@type``, a relative ``@id``) and still produces N-Quads. A signature over
those N-Quads does not cover the dropped data, so an attacker could add or change
such fields in a signed credential without breaking the proof. jsonld.js has a
"safe mode" that turns these silent drops into errors and Data Integrity requires it;
these functions give Credstack the same behaviour.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from credstack.core.errors import CanonicalizationError

#: jsonld.js's test for an absolute IRI (scheme, colon, no whitespace); ``_:`` = blank node.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
#: BCP 47 well-formedness as JSON-LD checks it.
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")

_KEYWORDS = frozenset(
    {
        "@base", "@container", "@context", "@default", "@direction", "@embed", "@explicit",
        "@first", "@graph", "@id", "@import", "@included", "@index", "@json", "@language",
        "@list", "@nest", "@none", "@omitDefault", "@prefix", "@preserve", "@propagate",
        "@protected", "@requireAll", "@reverse", "@set", "@type", "@value", "@version",
        "@vocab",
    }
)  # fmt: skip


def is_absolute_iri(value: str) -> bool:
    """True for an absolute IRI or a blank node identifier (as jsonld.js decides)."""
    return _ABSOLUTE_IRI.match(value) is not None


def is_keyword(value: str) -> bool:
    """True for a JSON-LD 1.1 keyword."""
    return value in _KEYWORDS


def is_language_tag(value: str) -> bool:
    """True for a well-formed BCP 47 language tag."""
    return _LANGUAGE_TAG.match(value) is not None


def undefined_term(term: object) -> NoReturn:
    """Raise for a property the document's contexts do not define."""
    shown = "a key starting with '@' that is not a JSON-LD keyword" if term is None else repr(term)
    raise CanonicalizationError(
        f"the property {shown} is not defined by the document's JSON-LD contexts, so it "
        "would not be covered by the signature; define it in a context or remove it"
    )


def relative_iri(position: str, value: str) -> NoReturn:
    """Raise for an IRI that is not absolute (there is no base IRI to resolve it against)."""
    raise CanonicalizationError(
        f"the {position} {value!r} is not an absolute IRI and Credstack never resolves "
        "relative IRIs against a base; use a full IRI (with a scheme such as https: or urn:) "
        "or a term the contexts define"
    )


def bad_language(value: str) -> NoReturn:
    """Raise for a malformed language tag."""
    raise CanonicalizationError(
        f"the language tag {value!r} is not a well-formed BCP 47 tag (for example 'en' or 'en-GB')"
    )


XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
#: strings typed xsd:double that pyld (``float``) and jsonld.js (``parseFloat``) read alike
_DOUBLE_STRING = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def check_input(element: Any) -> None:
    """Reject input that expansion drops or that implementations read differently.

    ``{"@value": null}`` disappears during expansion (jsonld.js safe mode refuses it); a
    context referenced by a relative URL (``""`` included) cannot be resolved, because
    Credstack canonicalizes with no base IRI.
    """
    if isinstance(element, list):
        for item in element:
            check_input(item)
    elif isinstance(element, dict):
        if "@value" in element and element["@value"] is None:
            raise CanonicalizationError(
                'a value object with "@value": null is dropped by JSON-LD, so the signature '
                "would not cover it; remove it or give it a value"
            )
        if "@context" in element:
            _check_context_references(element["@context"])
        for value in element.values():
            if isinstance(value, list | dict):
                check_input(value)


def _check_context_references(context: Any) -> None:
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str) and not is_absolute_iri(entry):
            raise CanonicalizationError(
                f"the @context entry {entry!r} is not an absolute URL, and Credstack resolves "
                "nothing against a base; name the context by its full published URL"
            )


def free_floating_scalar(value: object) -> NoReturn:
    """Raise for a plain value at the top level or in a graph, which expansion drops."""
    raise CanonicalizationError(
        f"{value!r} stands alone at the top level or in a graph, where JSON-LD drops it, "
        "so the signature would not cover it; embed it as the value of a property"
    )


def _check_node_id(value: Any, position: str) -> None:
    if not isinstance(value, str) or not is_absolute_iri(value):
        relative_iri(position, str(value))


def _check_free_floating(items: Any) -> None:
    """Top-level and ``@graph`` members that expansion would drop (jsonld.js safe mode).

    Needs expansion with ``keepFreeFloatingNodes``, which keeps them so we can see them.
    """
    for item in items if isinstance(items, list) else [items]:
        if not isinstance(item, dict):
            continue
        if not item or "@value" in item or "@list" in item or set(item) == {"@id"}:
            shown = item.get("@id") or item.get("@value") or "an empty object"
            raise CanonicalizationError(
                f"{shown!r} stands alone at the top level or in a graph, where JSON-LD drops "
                "it, so the signature would not cover it; give it properties or embed it "
                "as the value of a property"
            )


def check_expanded(element: Any, *, top_level: bool = False) -> None:
    """Walk expanded JSON-LD and reject anything RDF conversion would silently drop."""
    if top_level:
        _check_free_floating(element)
    if isinstance(element, list):
        for item in element:
            check_expanded(item)
        return
    if not isinstance(element, dict):
        return
    if "@value" in element:
        datatype = element.get("@type")
        if datatype is not None and datatype != "@json":
            _check_node_id(datatype, "datatype")
        value = element["@value"]
        if datatype == XSD_DOUBLE and isinstance(value, str) and not _DOUBLE_STRING.match(value):
            raise CanonicalizationError(
                f"the xsd:double value {value!r} is not a plain decimal number, which JSON-LD "
                "implementations canonicalize differently; write it as a JSON number"
            )
        language = element.get("@language")
        if language is not None and not is_language_tag(str(language)):
            bad_language(str(language))
        return
    if "@list" in element:
        check_expanded(element["@list"])
        return
    if "@id" in element:
        _check_node_id(element["@id"], "node identifier (@id)")
    for type_iri in element.get("@type", []):
        _check_node_id(type_iri, "type")
    for key, value in element.items():
        if key in ("@id", "@type", "@index"):
            continue
        if key in ("@graph", "@included"):
            _check_free_floating(value)
            check_expanded(value)
        elif key == "@reverse":
            check_expanded([{**value}])
        elif key.startswith("_:"):
            raise CanonicalizationError(
                f"the property {key!r} is a blank node; RDF has no blank node predicates, "
                "so it would be dropped from the signed data"
            )
        elif is_keyword(key) or key.startswith("@"):
            continue
        elif not is_absolute_iri(key):
            undefined_term(key)
        else:
            check_expanded(value)
