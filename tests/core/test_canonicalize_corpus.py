"""The fast path agrees with the general path (and pyld's URDNA2015) on a large corpus.

A seeded generator builds varied Open Badges 3.0 credentials: nested achievements,
alignments, results, result descriptions with ``@list`` values, evidence, language-
tagged and right-to-left strings, numbers of every JSON shape, booleans, dates,
embedded endorsement credentials with proofs (``@graph`` containers), and repeated
identical-looking blank nodes that force RDFC-1.0's N-degree hashing. Some documents
use features the fast path declines (inline contexts, blank node identifiers, nested
arrays) or break safe-mode rules; those must still give the same answer or error.

``CREDSTACK_CORPUS_SIZE`` raises the corpus size (default 300).
"""

from __future__ import annotations

from typing import Any

import pytest
from credential_generator import CORPUS_SIZE, CredentialGenerator
from pyld import jsonld

from credstack.core.canonicalize import canonicalize, canonicalize_general
from credstack.core.contexts import offline_loader
from credstack.core.errors import CredstackError
from credstack.core.jsonld_fast import fast_quads
from credstack.core.jsonld_numbers import with_javascript_numbers
from credstack.core.rdfc_canon import canonicalize_quads


def _outcome(function: Any, *args: Any) -> tuple[str, str]:
    try:
        return ("ok", function(*args))
    except CredstackError as exc:
        return (type(exc).__name__, str(exc))


def test_fast_path_matches_general_path_on_generated_credentials() -> None:
    fast_taken = 0
    for seed in range(CORPUS_SIZE):
        generator = CredentialGenerator(seed, controls=True)
        document = generator.credential()
        quads = fast_quads(document)
        general = _outcome(canonicalize_general, document)
        if quads is not None:
            fast_taken += 1
            assert general == _outcome(canonicalize_quads, quads), f"seed {seed}"
        assert _outcome(canonicalize, document) == general, f"seed {seed}"
    # the generator only uses supported features here: the fast path must take them all
    assert fast_taken == CORPUS_SIZE


def test_declined_and_unsafe_documents_get_the_general_paths_answer() -> None:
    errors = 0
    for seed in range(CORPUS_SIZE // 3):
        generator = CredentialGenerator(10_000 + seed, controls=False)
        document = generator.unusual(generator.credential())
        general = _outcome(canonicalize_general, document, offline_loader())
        errors += general[0] != "ok"
        assert _outcome(canonicalize, document) == general, f"seed {seed}"
    assert errors > 0


def test_rdfc_matches_pyld_urdna2015_where_pyld_escapes_correctly() -> None:
    """Cross-check of our RDFC-1.0 (including N-degree hashing) against pyld's."""
    loader = offline_loader()
    n_degree_documents = 0
    for seed in range(CORPUS_SIZE // 2):
        document = CredentialGenerator(20_000 + seed, controls=False).credential()
        expected = jsonld.normalize(
            with_javascript_numbers(document),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader,
                "rdfDirection": "i18n-datatype",
            },
        )
        quads = fast_quads(document)
        assert quads is not None
        # unlimited deep iterations: this checks the algorithm, not jsonld.js's limit
        ours = canonicalize_quads(quads, max_deep_iterations=10**9)
        assert ours == expected, f"seed {seed}"
        n_degree_documents += _needs_n_degree(document)
    assert n_degree_documents > 10


def _needs_n_degree(document: dict[str, Any]) -> bool:
    from credstack.core.rdfc_canon import _Canonicalizer

    quads = fast_quads(document)
    assert quads is not None
    state = _Canonicalizer(quads, 1, None)
    hashes = [state.hash_first_degree(bnode) for bnode in state.bnode_quads]
    return len(hashes) != len(set(hashes))


@pytest.mark.parametrize("count", [6, 9])
def test_pathological_identical_blank_nodes_hit_the_work_limit_not_a_hang(count: int) -> None:
    from credstack.core.errors import CanonicalizationError
    from credstack.core.rdfc_canon import canonicalize_quads as canon

    predicate = "<https://example.org/p>"
    # a complete graph of identical blank nodes: every N-degree step sees n-1 equal hashes
    quads = [
        (f"_:n{i}", predicate, f"_:n{j}", "") for i in range(count) for j in range(count) if i != j
    ]
    with pytest.raises(CanonicalizationError, match="work limit"):
        canon(quads, max_work=2_000, max_deep_iterations=10**9)


def test_jsonld_js_deep_iteration_limit_is_applied() -> None:
    from credstack.core.errors import CanonicalizationError

    predicate = "<https://example.org/p>"
    # a ring of 3 equal blank nodes: each N-degree step recurses around the ring, so it
    # needs more steps than the 3 jsonld.js allows (checked: rdf-canonize 5 refuses it too)
    ring = [(f"_:r{i}", predicate, f"_:r{(i + 1) % 3}", "") for i in range(3)]
    assert canonicalize_quads(ring, max_deep_iterations=10**9).count("_:c14n") == 6
    with pytest.raises(CanonicalizationError, match=r"limit jsonld\.js applies"):
        canonicalize_quads(ring)


def test_distinct_permutations_lists_each_ordering_once() -> None:
    from itertools import permutations

    from credstack.core.rdfc_canon import distinct_permutations

    for items in (["g"] * 6, ["a", "b", "a"], ["a", "b", "c", "d"], []):
        produced = list(distinct_permutations(items))
        assert len(produced) == len(set(produced))
        assert set(produced) == set(permutations(items))


def test_context_cache_is_bounded_and_overflow_takes_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from credstack.core import jsonld_fast

    document = CredentialGenerator(7, controls=False).credential()
    expected = canonicalize_general(document)
    monkeypatch.setattr(jsonld_fast, "_ENGINES", {})
    monkeypatch.setattr(jsonld_fast, "MAX_CACHED_CONTEXTS", 1)
    assert fast_quads(document) is None
    assert canonicalize(document) == expected
