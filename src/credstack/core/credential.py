"""Unsigned OB 3.0 AchievementCredentials, their Achievement and the issuer Profile.

Why one builder: every credential Credstack signs must have the same shape, the one the
strict OB 3.0 JSON Schema wants (``type``, ``alignment``, ``result``, ``evidence`` as
arrays; ``issuer``, ``credentialSubject``, ``credentialStatus`` as single objects) and
must canonicalize with only the VC 2.0 and OB 3.0.3 contexts, so that any conformant
verifier accepts it. Nothing here signs, stores or reads the clock: ids, salts and dates
come in as arguments, so the same inputs give the same bytes.

``credentialSchema`` uses the VC 2.0 ``JsonSchema`` type: 1EdTech's
``1EdTechJsonSchemaValidator2019`` is defined only in their extensions context, which
architecture §2 keeps out of the credential (it would be an undefined term otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from credstack.core.achievement import AchievementDefinition
from credstack.core.errors import InputError
from credstack.core.eu_elements import (
    achievement_description,
    criteria_narrative,
    eu_alignments,
    related_achievements,
    result_descriptions,
)
from credstack.core.identity import email_identity, hash_identity, name_identity
from credstack.core.skill_alignments import skill_alignments
from credstack.core.timestamps import format_datetime

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXT = (VC_V2_CONTEXT, OB_V3_CONTEXT)
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


#: XML Schema dateTime in UTC with ``Z`` and whole seconds (naive times are UTC); the name
#: callers use for a credential's ``validFrom``/``validUntil``
xsd_datetime = format_datetime


def _image(url: str | None, caption: str) -> dict[str, Any] | None:
    return {"id": url, "type": "Image", "caption": caption} if url else None


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in (None, [], "")}


def issuer_profile(
    *,
    id: str,
    name: str,
    url: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image_url: str | None = None,
    country_code: str | None = None,
    country: str | None = None,
    region: str | None = None,
    locality: str | None = None,
    phone: str | None = None,
    official: str | None = None,
) -> dict[str, Any]:
    """An OB 3.0 ``Profile`` for the issuer (id = its DID or URL).

    The address carries the EU Annex I "country/region of the issuer":
    ``addressCountryCode`` (ISO 3166-1 alpha-2), ``addressCountry`` and ``addressRegion``.
    """
    if not id.strip() or not name.strip():
        raise InputError("an issuer profile needs an id (DID or URL) and a name")
    if country_code is not None and not (len(country_code) == 2 and country_code.isalpha()):
        raise InputError(
            f"country code {country_code!r} is not an ISO 3166-1 alpha-2 code such as NL or DE"
        )
    address = _without_none(
        {
            "addressCountry": country,
            "addressCountryCode": country_code.upper() if country_code else None,
            "addressRegion": region,
            "addressLocality": locality,
        }
    )
    profile = {
        "id": id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "email": email,
        "phone": phone,
        "description": description,
        "official": official,
        "image": _image(image_url, f"Logo of {name}"),
        "address": {"type": ["Address"], **address} if address else None,
    }
    return _without_none(profile)


def achievement_json(
    defn: AchievementDefinition,
    *,
    achievement_id_url: str,
    issuer_profile: Mapping[str, Any] | None = None,
    image_url: str | None = None,
) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` for a definition, EU elements and skills included.

    ``achievement_id_url`` is the public URL of the achievement (architecture §5); learning
    outcomes and the grade description get anchors on it. ``issuer_profile`` becomes the
    ``creator`` (the awarding body). ``image_url`` overrides the definition's image when
    that is a local file the caller has published elsewhere.
    """
    published = defn.image and ("://" in defn.image or defn.image.startswith("data:"))
    image_ref = image_url or (defn.image if published else None)
    achievement: dict[str, Any] = {
        "id": achievement_id_url,
        "type": ["Achievement"],
        "achievementType": defn.achievement_type,
        "name": defn.name,
        "description": achievement_description(defn),
        "criteria": _without_none(
            {
                "id": defn.criteria_url or defn.further_information,
                "narrative": criteria_narrative(defn),
            }
        ),
        "image": _image(image_ref, defn.name),
        "creator": dict(issuer_profile) if issuer_profile else None,
        "creditsAvailable": defn.ects_credits,
        "alignment": [
            *eu_alignments(defn, achievement_id_url),
            *skill_alignments(defn.skills),
        ],
        "resultDescription": result_descriptions(defn, achievement_id_url),
        "related": related_achievements(defn),
        "inLanguage": defn.languages[0] if defn.languages else None,
        "tag": list(defn.tags),
        "version": defn.version,
        "fieldOfStudy": defn.field_of_study,
    }
    return _without_none(achievement)


def build_achievement_credential(
    *,
    credential_id: str,
    issuer: Mapping[str, Any],
    achievement: Mapping[str, Any],
    recipient_email: str,
    recipient_name: str,
    salt: str,
    valid_from: datetime,
    subject_id: str | None = None,
    valid_until: datetime | None = None,
    status_entry: Mapping[str, Any] | None = None,
    evidence: Sequence[Mapping[str, Any]] | None = None,
    result: Sequence[Mapping[str, Any]] | None = None,
    narrative: str | None = None,
    external_id: str | None = None,
    credits_earned: float | None = None,
    name: str | None = None,
    image_url: str | None = None,
) -> dict[str, Any]:
    """An unsigned OB 3.0 AchievementCredential, ready for a proof.

    The learner is named twice (architecture §2): a salted SHA-256 of the e-mail address, so
    the address itself never appears, and their name in plain text (EU Annex I:
    identification of the learner). An ``external_id`` (the issuer's own learner number)
    is hashed with the same salt. ``validFrom`` is the EU "date of issuing".
    """
    if valid_until is not None and valid_until <= valid_from:
        raise InputError("the credential's expiry (validUntil) must be after its validFrom")
    identifiers = [email_identity(recipient_email, salt), name_identity(recipient_name)]
    if external_id:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityHash": hash_identity(external_id.strip(), salt),
                "identityType": "identifier",
                "hashed": True,
                "salt": salt,
            }
        )
    subject = _without_none(
        {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": dict(achievement),
            "result": [dict(item) for item in result or []],
            "narrative": narrative,
            "creditsEarned": credits_earned,
        }
    )
    title = name or str(achievement.get("name", "")) or None
    credential = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "image": _image(image_url, title or "Credential image"),
        "issuer": dict(issuer),
        "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_until) if valid_until else None,
        "credentialSubject": subject,
        "credentialSchema": [{"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "JsonSchema"}],
        "credentialStatus": dict(status_entry) if status_entry else None,
        "evidence": [_evidence(item) for item in evidence or []],
    }
    return _without_none(credential)


def _evidence(item: Mapping[str, Any]) -> dict[str, Any]:
    """Evidence with ``type`` as the array the strict schema wants."""
    entry = dict(item)
    kinds = entry.get("type", ["Evidence"])
    entry["type"] = [kinds] if isinstance(kinds, str) else list(kinds)
    if "Evidence" not in entry["type"]:
        entry["type"].insert(0, "Evidence")
    return entry
