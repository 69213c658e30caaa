"""ISO 3166-1 alpha-2 country codes: the EU Annex I "country of the awarding body".

An issuer's country is printed in every credential it signs (``addressCountryCode``), so
a typo like ``UK`` (the ISO code is ``GB``) must be caught when the profile is saved, not
by a verifier later. The 249 officially assigned codes, as the IANA time zone database
ships them (public domain, ``iso3166.tab``).
"""

from __future__ import annotations

_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN "
    "BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL "
    "GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM "
    "JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD "
    "SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
)

#: every officially assigned ISO 3166-1 alpha-2 code, upper case
ISO_3166_ALPHA2: frozenset[str] = frozenset("".join(_CODES).split())

#: look-alikes that are not ISO codes (UK; EL, the EU's code for Greece) and the ISO code
_LOOK_ALIKES = {"UK": "GB", "EL": "GR"}


def is_country_code(value: str) -> bool:
    """True for an assigned alpha-2 code in any case (``nl``, ``NL``)."""
    return value.upper() in ISO_3166_ALPHA2


def country_code_hint(value: str) -> str:
    """A sentence that helps fix a wrong code (``UK`` -> "did you mean GB?")."""
    suggestion = _LOOK_ALIKES.get(value.upper())
    if suggestion and suggestion in ISO_3166_ALPHA2:
        return f"{value!r} is not an ISO 3166-1 alpha-2 code: did you mean {suggestion}?"
    return f"{value!r} is not an ISO 3166-1 alpha-2 country code (such as NL, DE, FR or GB)"
