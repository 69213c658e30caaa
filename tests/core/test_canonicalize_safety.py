"""What a signature would not cover must be an error, on both canonicalization paths."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from credstack.core.canonicalize import canonicalize, canonicalize_general
from credstack.core.errors import CanonicalizationError, ContextError
from credstack.core.rdfc_nquads import escape_literal

BOTH_PATHS = pytest.mark.parametrize("canon", [canonicalize, canonicalize_general])
Canon = Callable[..., str]

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _credential() -> dict[str, Any]:
    return {
        "@context": list(OB_CONTEXT),
        "id": "urn:uuid:9b5c3b3e-56d2-4b7e-9a43-1f0c1a0c8a11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Example U"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Data Literacy",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:0f2a7c11-2f43-4b0e-8d41-7a9e4f2b6c55",
                "type": ["Achievement"],
                "name": "Data Literacy",
                "description": "Reads and questions data.",
                "criteria": {"narrative": "Passed the assessment."},
            },
        },
    }


def _achievement(doc: dict[str, Any]) -> dict[str, Any]:
    achievement: dict[str, Any] = doc["credentialSubject"]["achievement"]
    return achievement


@BOTH_PATHS
def test_valid_credential_canonicalizes(canon: Canon) -> None:
    nquads = canon(_credential())
    assert '<https://schema.org/name> "Data Literacy" .' in nquads
    assert nquads.endswith(" .\n")


@BOTH_PATHS
@pytest.mark.parametrize("where", ["top", "nested"])
def test_undefined_term_is_an_error(canon: Canon, where: str) -> None:
    doc = _credential()
    target = doc if where == "top" else _achievement(doc)
    target["favouriteColour"] = "blue"
    with pytest.raises(CanonicalizationError, match="favouriteColour"):
        canon(doc)


@BOTH_PATHS
def test_reserved_looking_key_is_an_error(canon: Canon) -> None:
    doc = _credential()
    doc["@unknownKeyword"] = "x"
    with pytest.raises(CanonicalizationError, match="not defined"):
        canon(doc)


@BOTH_PATHS
def test_undefined_type_is_an_error(canon: Canon) -> None:
    doc = _credential()
    doc["type"].append("MadeUpCredential")
    with pytest.raises(CanonicalizationError, match="MadeUpCredential"):
        canon(doc)


@BOTH_PATHS
@pytest.mark.parametrize(
    ("mutate", "value"),
    [
        (lambda d: d.__setitem__("id", "credentials/42"), "credentials/42"),
        (lambda d: d["issuer"].__setitem__("id", "issuer"), "issuer"),
        (
            lambda d: _achievement(d).__setitem__("image", {"id": "badge.png", "type": "Image"}),
            "badge.png",
        ),
        (lambda d: d.__setitem__("id", "urn:has space"), "urn:has space"),
    ],
)
def test_relative_iri_is_an_error_not_resolved(
    canon: Canon, mutate: Callable[[dict[str, Any]], None], value: str
) -> None:
    doc = _credential()
    mutate(doc)
    with pytest.raises(CanonicalizationError, match=f"'{value}' is not an absolute IRI"):
        canon(doc)


@BOTH_PATHS
def test_unknown_context_is_a_context_error(canon: Canon) -> None:
    doc = _credential()
    doc["@context"].append("https://attacker.example/context.json")
    with pytest.raises(ContextError, match=r"https://attacker\.example/context\.json"):
        canon(doc)


@BOTH_PATHS
def test_malformed_language_tag_is_an_error(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["name"] = {"@value": "Datenkompetenz", "@language": "de DE"}
    with pytest.raises(CanonicalizationError, match="language tag"):
        canon(doc)


@BOTH_PATHS
def test_control_characters_are_escaped_as_canonical_n_quads_requires(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["description"] = 'a\x00b\x01c\bd\te\nf\x0bg\fh\ri\x1fj\x7fk"l\\m\u00e9'
    line = next(x for x in canon(doc).splitlines() if "schema.org/description" in x)
    assert line.endswith(
        '"a\\u0000b\\u0001c\\bd\\te\\nf\\u000Bg\\fh\\ri\\u001Fj\\u007Fk\\"l\\\\m\u00e9" .'
    )


def test_escape_leaves_ordinary_text_alone() -> None:
    assert escape_literal("Zürich \u2013 東京 🎓") == "Zürich \u2013 東京 🎓"


@BOTH_PATHS
def test_direction_uses_i18n_datatype(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["name"] = {"@value": "محو الأمية", "@language": "ar", "@direction": "rtl"}
    assert '"محو الأمية"^^<https://www.w3.org/ns/i18n#ar_rtl> .' in canon(doc)


@BOTH_PATHS
def test_changing_a_covered_value_changes_the_output(canon: Canon) -> None:
    doc = _credential()
    changed = copy.deepcopy(doc)
    _achievement(changed)["criteria"]["narrative"] = "Skipped the assessment."
    assert canon(doc) != canon(changed)


@BOTH_PATHS
def test_invalid_json_ld_is_a_canonicalization_error(canon: Canon) -> None:
    doc = _credential()
    doc["@context"] = 5
    with pytest.raises(CanonicalizationError):
        canon(doc)


@BOTH_PATHS
@pytest.mark.parametrize(
    "document",
    [
        {"@context": [OB_CONTEXT[0]]},
        {"@context": [OB_CONTEXT[0]], "id": "urn:uuid:only-an-id"},
        {
            "@context": [OB_CONTEXT[0]],
            "type": "VerifiablePresentation",
            "verifiableCredential": "urn:uuid:just-a-reference",
        },
    ],
    ids=["empty", "only-id", "graph-reference"],
)
def test_data_json_ld_would_drop_is_an_error(canon: Canon, document: dict[str, Any]) -> None:
    with pytest.raises(CanonicalizationError, match="JSON-LD drops it"):
        canon(document)


@BOTH_PATHS
def test_numbers_follow_javascript_doubles_like_jsonld_js(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["creditsAvailable"] = 12345678901234567890
    assert '"12345678901234567168"^^' in canon(doc)  # OB types it as (https) xsd:float


@BOTH_PATHS
def test_number_jsonld_js_writes_as_zero_is_refused(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["creditsAvailable"] = 1e-7
    with pytest.raises(CanonicalizationError, match="differently by JSON-LD implementations"):
        canon(doc)
    _achievement(doc)["creditsAvailable"] = 1.5e-7
    assert '"1.5E-7"^^' in canon(doc)


@BOTH_PATHS
def test_non_finite_number_is_refused(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["creditsAvailable"] = float("inf")
    with pytest.raises(CanonicalizationError, match="not finite"):
        canon(doc)


@BOTH_PATHS
def test_null_value_object_is_refused_like_jsonld_js_safe_mode(canon: Canon) -> None:
    doc = _credential()
    _achievement(doc)["name"] = {"@value": None}
    with pytest.raises(CanonicalizationError, match="dropped by JSON-LD"):
        canon(doc)


@BOTH_PATHS
def test_double_typed_text_is_refused_but_decimal_text_works(canon: Canon) -> None:
    doc = _credential()
    double = "http://www.w3.org/2001/XMLSchema#double"
    _achievement(doc)["name"] = {"@value": "abc", "@type": double}
    with pytest.raises(CanonicalizationError, match="not a plain decimal number"):
        canon(doc)
    _achievement(doc)["name"] = {"@value": "5.30", "@type": double}
    assert f'"5.3E0"^^<{double}>' in canon(doc)


@BOTH_PATHS
@pytest.mark.parametrize(
    "context",
    [
        ["", *OB_CONTEXT],
        "",
        ["contexts/ob.jsonld", *OB_CONTEXT],
        [*OB_CONTEXT, {"name": {"@id": "https://schema.org/name", "@context": "scoped.json"}}],
        [*OB_CONTEXT, {"@import": "relative.json"}],
    ],
    ids=["empty-first", "empty-only", "relative", "relative-scoped", "relative-import"],
)
def test_a_context_named_by_a_relative_url_is_a_canonicalization_error(
    canon: Canon, context: Any
) -> None:
    doc = _credential()
    doc["@context"] = context
    with pytest.raises(CanonicalizationError, match=r"not .*absolute|relative IRI"):
        canon(doc)


@BOTH_PATHS
@pytest.mark.parametrize(
    ("where", "value"),
    [("@graph", "a bare string"), ("@graph", 42), ("@included", "a bare string")],
)
def test_a_free_floating_value_is_an_error_not_dropped(
    canon: Canon, where: str, value: object
) -> None:
    node = {k: v for k, v in _credential().items() if k != "@context"}
    doc: dict[str, Any] = {"@context": list(OB_CONTEXT)}
    if where == "@graph":
        doc["@graph"] = [value, node]
    else:
        doc.update(node)
        doc["@included"] = [value]
    with pytest.raises(CanonicalizationError, match="JSON-LD drops it"):
        canon(doc)


def test_a_graph_alias_does_not_hide_a_free_floating_value() -> None:
    node = {k: v for k, v in _credential().items() if k != "@context"}
    doc = {"@context": [*OB_CONTEXT, {"everything": "@graph"}], "everything": ["x", node]}
    with pytest.raises(CanonicalizationError, match="JSON-LD drops it"):
        canonicalize_general(doc)
