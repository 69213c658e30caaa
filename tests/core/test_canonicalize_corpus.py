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

import copy
import os
import random
from typing import Any

import pytest
from pyld import jsonld

from credstack.core.canonicalize import canonicalize, canonicalize_general
from credstack.core.contexts import offline_loader
from credstack.core.errors import CredstackError
from credstack.core.jsonld_fast import fast_quads
from credstack.core.jsonld_numbers import with_javascript_numbers
from credstack.core.rdfc_canon import canonicalize_quads

CORPUS_SIZE = int(os.environ.get("CREDSTACK_CORPUS_SIZE", "300"))
VC2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

WORDS = [
    "data", "literacy", "Zürich", "café", "東京", "🎓", "level", "skill", "O'Brien",
    'say "hi"', "back\\slash", "tab\there", "line\nbreak", "naïve", "العربية", "x",
]  # fmt: skip
CONTROL = ["\x00", "\x01", "\b", "\f", "\x0b", "\x1f", "\x7f", "\r"]
#: with ``controls``: U+E000..U+FFFF text sorts differently from emoji in UTF-16 order
EXOTIC_WORDS = ["\ufb01x", "\uff21", "\U0001f393", "\ue000"]


class CredentialGenerator:
    """Seeded random Open Badges 3.0 credentials (deterministic for a given seed)."""

    def __init__(self, seed: int, *, controls: bool) -> None:
        self.rng = random.Random(seed)
        self.controls = controls

    def text(self) -> Any:
        words = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 4)))
        if self.controls and self.rng.random() < 0.2:
            words += self.rng.choice(CONTROL)
        if self.controls and self.rng.random() < 0.3:
            words += self.rng.choice(EXOTIC_WORDS)
        roll = self.rng.random()
        if roll < 0.1:
            return {"@value": words, "@language": self.rng.choice(["en", "de-CH", "EN-gb", "ar"])}
        if roll < 0.15:
            return {"@value": words, "@language": "ar", "@direction": "rtl"}
        return words

    def number(self) -> Any:
        return self.rng.choice(
            [
                *(0, 1, -7, 42, 42.0, 3.5, -0.25, 1.5e-7, 123456.789, 10**21, 2**53, 1.5e300),
                *(12345678901234567890, -0.0, 2.5e-9, 0.1, 5e-5, 1e22 + 1, 4.2e20, 7),
            ]
        )

    def date(self) -> str:
        year, month, day = (
            self.rng.randint(10, 30),
            self.rng.randint(1, 9),
            self.rng.randint(10, 19),
        )
        return f"20{year}-0{month}-{day}T00:00:00Z"

    def iri(self, kind: str) -> str:
        if self.controls and self.rng.random() < 0.1:
            return f"https://example.edu/{kind}/{{{self.rng.randint(1, 3)}}}|x^y`z"
        return self.rng.choice(
            [
                f"https://example.edu/{kind}/{self.rng.randint(1, 5)}",
                f"urn:uuid:00000000-0000-4000-8000-{self.rng.randint(1, 9):012d}",
                f"did:example:{kind}{self.rng.randint(1, 3)}",
            ]
        )

    def maybe(self, probability: float = 0.5) -> bool:
        return self.rng.random() < probability

    def alignment(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": self.text(),
            "targetUrl": self.iri("t"),
        }
        if self.maybe():
            item["targetType"] = self.rng.choice(["CFItem", "CTDL", "ceterms:Credential"])
            item["targetCode"] = self.rng.choice(["A1", "B2"])
        return item

    def result_description(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.iri("rd"),
            "type": ["ResultDescription"],
            "name": self.text(),
            "resultType": self.rng.choice(["GradePointAverage", "LetterGrade", "Percent"]),
        }
        if self.maybe():
            item["allowedValue"] = [self.rng.choice("ABCDF") for _ in range(self.rng.randint(0, 4))]
        if self.maybe(0.3):
            item["valueMin"], item["valueMax"] = "0", "100"
        return item

    def achievement(self, depth: int = 0) -> dict[str, Any]:
        achievement: dict[str, Any] = {
            "type": ["Achievement"],
            "name": self.text(),
            "description": self.text(),
            "criteria": {"narrative": self.text()},
        }
        if self.maybe(0.8):
            achievement["id"] = self.iri("achievements")
        if self.maybe():
            achievement["achievementType"] = self.rng.choice(["MicroCredential", "Badge", "Course"])
        if self.maybe():
            shared = self.alignment()
            achievement["alignment"] = [
                copy.deepcopy(shared) if self.maybe(0.4) else self.alignment()
                for _ in range(self.rng.randint(1, 4))
            ]
        if self.maybe(0.4):
            achievement["resultDescription"] = [
                self.result_description() for _ in range(self.rng.randint(1, 2))
            ]
        if self.maybe(0.4):
            achievement["creditsAvailable"] = self.number()
        if self.maybe(0.4):
            pool = WORDS + EXOTIC_WORDS if self.controls else WORDS
            achievement["tag"] = [self.rng.choice(pool) for _ in range(self.rng.randint(1, 4))]
        if self.maybe(0.3):
            achievement["image"] = {"id": self.iri("img"), "type": "Image", "caption": self.text()}
        if depth == 0 and self.maybe(0.3):
            achievement["creator"] = self.profile()
        return achievement

    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "id": self.iri("issuers"),
            "type": ["Profile"],
            "name": self.text(),
        }
        if self.maybe(0.4):
            profile["address"] = {
                "type": ["Address"],
                "addressCountry": self.text(),
                "geo": {
                    "type": "GeoCoordinates",
                    "latitude": self.number(),
                    "longitude": self.number(),
                },
            }
        if self.maybe(0.3):
            entry = {
                "type": "IdentifierEntry",
                "identifier": "12345",
                "identifierType": "sourcedId",
            }
            profile["otherIdentifier"] = [
                copy.deepcopy(entry) for _ in range(self.rng.randint(1, 3))
            ]
        if self.maybe(0.2):
            profile["official"] = self.text()
        return profile

    def evidence(self) -> list[dict[str, Any]]:
        template = {"type": ["Evidence"], "narrative": self.text(), "name": self.text()}
        items = []
        for _ in range(self.rng.randint(1, 4)):
            item = copy.deepcopy(template) if self.maybe(0.5) else {
                "type": ["Evidence"], "narrative": self.text(), "genre": self.text()
            }  # fmt: skip
            if self.maybe(0.3):
                item["id"] = self.iri("evidence")
            items.append(item)
        return items

    def endorsement(self) -> dict[str, Any]:
        return {
            "@context": [VC2, OB303],
            "id": self.iri("endorsements"),
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": self.profile(),
            "validFrom": self.date(),
            "credentialSubject": {
                "id": self.iri("issuers"),
                "type": ["EndorsementSubject"],
                "endorsementComment": self.text(),
            },
            "proof": [self.proof() for _ in range(self.rng.randint(1, 2))],
        }

    def proof(self) -> dict[str, Any]:
        return {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": self.date(),
            "verificationMethod": "did:example:issuer1#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "".join(self.rng.choice("abcXYZ123") for _ in range(20)),
        }

    def credential(self) -> dict[str, Any]:
        subject: dict[str, Any] = {
            "type": ["AchievementSubject"],
            "achievement": self.achievement(),
        }
        if self.maybe(0.6):
            subject["id"] = self.iri("learners")
        if self.maybe(0.4):
            subject["result"] = [
                {
                    "type": ["Result"],
                    "value": self.rng.choice(["A", "B", "93"]),
                    "status": "Completed",
                }
                for _ in range(self.rng.randint(1, 3))
            ]
        if self.maybe(0.3):
            subject["creditsEarned"] = self.number()
            subject["activityStartDate"] = self.date()
        if self.maybe(0.3):
            subject["identifier"] = [
                {
                    "type": "IdentityObject",
                    "identityHash": "learner@example.edu",
                    "identityType": "emailAddress",
                    "hashed": self.maybe(),
                    "salt": "not-used",
                }
                for _ in range(self.rng.randint(1, 2))
            ]
        contexts = [VC2, OB303] + ([OB_EXT] if self.maybe(0.2) else [])
        credential: dict[str, Any] = {
            "@context": contexts,
            "id": self.iri("credentials"),
            "type": [
                "VerifiableCredential",
                self.rng.choice(["OpenBadgeCredential", "AchievementCredential"]),
            ],
            "issuer": self.profile() if self.maybe(0.8) else self.iri("issuers"),
            "validFrom": self.date(),
            "name": self.text(),
            "credentialSubject": subject,
        }
        if self.maybe(0.5):
            credential["evidence"] = self.evidence()
        if self.maybe(0.3):
            credential["validUntil"] = self.date()
        if self.maybe(0.2):
            credential["endorsement"] = [self.endorsement() for _ in range(self.rng.randint(1, 2))]
        if self.maybe(0.2):
            credential["credentialStatus"] = {
                "id": self.iri("status") + "#3",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "3",
                "statusListCredential": self.iri("status"),
            }
        if self.maybe(0.15):
            credential["proof"] = self.proof()
        return credential

    def unusual(self, credential: dict[str, Any]) -> dict[str, Any]:
        """Apply a feature the fast path declines or a rule the safe mode enforces."""
        variant = self.rng.randrange(6)
        if variant == 0:
            credential["@context"] = [
                *credential["@context"],
                {"extra": "https://example.org/extra"},
            ]
            credential["extra"] = self.text()
        elif variant == 1:
            credential["credentialSubject"]["id"] = "_:learner"
        elif variant == 2:
            credential["name"] = [[self.text()], self.text()]
        elif variant == 3:
            credential["credentialSubject"]["undefinedTerm"] = 1
        elif variant == 4:
            credential["type"].append("UnknownType")
        else:
            credential["id"] = "credentials/relative"
        return credential


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
