"""The two shapes of a JSON-LD value are read alike by every check."""

from __future__ import annotations

from credstack.core.jsonld_values import as_list, node_id


def test_as_list_reads_one_value_as_a_list_of_one_and_never_aliases() -> None:
    assert as_list(None) == []
    assert as_list("https://example.org/a") == ["https://example.org/a"]
    original = ["a", "b"]
    copied = as_list(original)
    assert copied == original
    copied.append("c")
    assert original == ["a", "b"]


def test_node_id_reads_a_reference_or_an_object() -> None:
    assert node_id("did:example:issuer") == "did:example:issuer"
    assert node_id({"id": "did:example:issuer", "type": ["Profile"]}) == "did:example:issuer"
    assert node_id({"type": ["Profile"]}) is None
    assert node_id({"id": 7}) is None
    assert node_id(None) is None
