"""RDFC-1.0 (W3C RDF Dataset Canonicalization) over pre-serialized quads.

Why our own implementation rather than pyld's ``URDNA2015``: pyld hashes quads with its
own N-Quads serializer, which does not escape every control character canonical
N-Quads requires (see :mod:`credstack.core.rdfc_nquads`), and it counts a quad twice
when the same blank node is both its subject and object (jsonld.js keeps a set). Both
would change hashes for some documents.

It is also the fast part of the fast path: credentials almost always give every blank
node a unique first-degree hash, in which case the expensive N-degree step never runs.
The general N-degree algorithm is here too, with the limits jsonld.js applies: its
``rdf-canonize`` allows as many N-degree hash calls as there are blank nodes sharing a
first-degree hash (``maxWorkFactor`` 1) and refuses documents needing more, so we do the
same (what jsonld.js refuses, jsonld.js-based verifiers cannot check). A second budget
on permutations stops hostile documents that would otherwise run for factorial time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from credstack.core.errors import CanonicalizationError
from credstack.core.rdfc_nquads import Quad, serialize, sorted_text

#: Upper bound on N-degree work (hash computations plus permutations tried) for one
#: document. Real credentials need a few dozen units; the bound only stops deliberately
#: pathological graphs ("poison" datasets) that would otherwise run for factorial time.
MAX_N_DEGREE_WORK = 50_000


def distinct_permutations(items: list[str]) -> Iterator[tuple[str, ...]]:
    """Every distinct ordering of ``items`` once.

    RDFC-1.0 lists a related blank node once per quad it shares, so a proof node in its
    own graph sees its graph's blank node six times with the same hash. All 720
    orderings of six equal entries yield the same path and the same issuer, so trying
    each distinct ordering once gives exactly the algorithm's result.
    """
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    prefix: list[str] = []

    def extend(remaining: int) -> Iterator[tuple[str, ...]]:
        if remaining == 0:
            yield tuple(prefix)
            return
        for item, count in counts.items():
            if count:
                counts[item] = count - 1
                prefix.append(item)
                yield from extend(remaining - 1)
                prefix.pop()
                counts[item] = count

    return extend(len(items))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_blank(term: str) -> bool:
    return term.startswith("_:")


class _Issuer:
    """RDFC-1.0 identifier issuer: hands out ``prefix0``, ``prefix1``... in order."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = {} if issued is None else issued

    def issue(self, existing: str) -> str:
        label = self.issued.get(existing)
        if label is None:
            label = f"_:{self.prefix}{len(self.issued)}"
            self.issued[existing] = label
        return label

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


class _Canonicalizer:
    """State of one RDFC-1.0 run (blank node to quads map, canonical issuer, budget)."""

    def __init__(
        self, quads: Iterable[Quad], max_work: int, max_deep_iterations: int | None
    ) -> None:
        self.quads: list[Quad] = list(dict.fromkeys(quads))
        self.bnode_quads: dict[str, list[Quad]] = {}
        for quad in self.quads:
            seen: set[str] = set()
            for term in (quad[0], quad[2], quad[3]):
                if _is_blank(term) and term not in seen:
                    seen.add(term)
                    self.bnode_quads.setdefault(term, []).append(quad)
        self.canonical = _Issuer("c14n")
        self.first_degree: dict[str, str] = {}
        self.budget = max_work
        self.max_deep = max_deep_iterations
        self.deep_left = 0 if max_deep_iterations is None else max_deep_iterations

    def hash_first_degree(self, bnode: str) -> str:
        cached = self.first_degree.get(bnode)
        if cached is not None:
            return cached
        lines = []
        for subject, predicate, obj, graph in self.bnode_quads[bnode]:
            if _is_blank(subject):
                subject = "_:a" if subject == bnode else "_:z"
            if _is_blank(obj):
                obj = "_:a" if obj == bnode else "_:z"
            if _is_blank(graph):
                graph = "_:a" if graph == bnode else "_:z"
            lines.append(serialize((subject, predicate, obj, graph)))
        digest = _sha256(sorted_text(lines))
        self.first_degree[bnode] = digest
        return digest

    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        label = self.canonical.issued.get(related) or issuer.issued.get(related)
        if label is None:
            label = self.hash_first_degree(related)
        text = position if position == "g" else f"{position}{quad[1]}"
        return _sha256(text + label)

    def spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise CanonicalizationError(
                "the document's blank nodes are too interlinked to canonicalize within "
                "Credstack's work limit (RDFC-1.0 N-degree budget exhausted); this is typical "
                "of a deliberately pathological document"
            )

    def hash_n_degree(self, bnode: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.deep_left == 0:
            raise CanonicalizationError(
                f"the document's blank nodes need more than {self.max_deep} RDFC-1.0 N-degree "
                "hash steps, the limit jsonld.js applies, so verifiers built on it would reject "
                "it; give repeated, identical-looking objects an id or make them differ"
            )
        self.deep_left -= 1
        self.spend()
        related_by_hash: dict[str, list[str]] = {}
        for quad in self.bnode_quads[bnode]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if _is_blank(term) and term != bnode:
                    digest = self.hash_related(term, quad, issuer, position)
                    related_by_hash.setdefault(digest, []).append(term)
        data = []
        for digest in sorted(related_by_hash):
            data.append(digest)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in distinct_permutations(related_by_hash[digest]):
                self.spend()
                candidate = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    label = self.canonical.issued.get(related)
                    if label is None:
                        if related not in candidate.issued:
                            recursion.append(related)
                        label = candidate.issue(related)
                    path += label
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, candidate = self.hash_n_degree(related, candidate)
                    path += candidate.issue(related) + f"<{result_hash}>"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path, chosen_issuer = path, candidate
            data.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return _sha256("".join(data)), issuer

    def run(self) -> str:
        by_hash: dict[str, list[str]] = {}
        for bnode in self.bnode_quads:
            by_hash.setdefault(self.hash_first_degree(bnode), []).append(bnode)
        shared: list[list[str]] = []
        for digest in sorted(by_hash):
            group = by_hash[digest]
            if len(group) == 1:
                self.canonical.issue(group[0])
            else:
                shared.append(group)
        if self.max_deep is None:
            self.max_deep = self.deep_left = sum(len(group) for group in shared)
        for group in shared:
            results = []
            for bnode in group:
                if bnode in self.canonical.issued:
                    continue
                temporary = _Issuer("b")
                temporary.issue(bnode)
                results.append(self.hash_n_degree(bnode, temporary))
            results.sort(key=lambda result: result[0])
            for _digest, issued in results:
                for existing in issued.issued:
                    self.canonical.issue(existing)
        return self.output()

    def output(self) -> str:
        labels = self.canonical.issued
        lines = []
        for subject, predicate, obj, graph in self.quads:
            if _is_blank(subject):
                subject = labels[subject]
            if _is_blank(obj):
                obj = labels[obj]
            if _is_blank(graph):
                graph = labels[graph]
            lines.append(serialize((subject, predicate, obj, graph)))
        return sorted_text(lines)


def canonicalize_quads(
    quads: Iterable[Quad],
    *,
    max_work: int = MAX_N_DEGREE_WORK,
    max_deep_iterations: int | None = None,
) -> str:
    """RDFC-1.0 canonical N-Quads of a dataset given as serialized-term quads.

    Duplicate quads are dropped (a dataset is a set). Raises
    :class:`CanonicalizationError` when a work limit is reached. ``max_deep_iterations``
    defaults to jsonld.js's: the number of blank nodes whose first-degree hash is shared.
    """
    return _Canonicalizer(quads, max_work, max_deep_iterations).run()
