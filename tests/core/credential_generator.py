"""A seeded generator of varied Open Badges 3.0 credentials for canonicalization tests.

Shared by the fast-path/general-path corpus test and the jsonld.js comparison: nested
achievements, alignments, results, ``@list`` values, evidence, language-tagged and
right-to-left strings, numbers of every JSON shape, embedded endorsements with proofs,
identical-looking blank nodes, and (on request) features the fast path declines or
safe-mode rules refuse. ``CREDSTACK_CORPUS_SIZE`` raises the corpus size (default 300).
"""

from __future__ import annotations

import copy
import os
import random
from typing import Any

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
