"""Does a new issuer look like one somebody vouched for? Names and website domains compared.

An impostor signs up as "Northbridge Universlty" with ``northbridge-university.example``
in its profile and hopes a verifier reads the name, not the DID. The operator should see
that before anything vouches for it. The rule, kept simple enough to explain:

* names are folded first: accents and case removed, look-alike characters mapped
  (``0``→o, ``1``→l, ``rn``→m, …), and everything but letters and digits dropped, so
  "North-Bridge  University" and "northbridge university" are the same name;
* two folded names *resemble* each other when their Levenshtein distance is at most one
  edit per ten characters of the shorter one, and at least one (names of fewer than four
  characters must match exactly);
* two websites resemble each other when they share a registrable domain (the Public
  Suffix List decides: ``ox.ac.uk``, ``someone.github.io``), or when their registrable
  names (the domain without its public suffix) resemble each other by the name rule.

Being flagged only holds an issuer for the operator's review; it never refuses a sign-up.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList
from rapidfuzz.distance import Levenshtein

#: one edit allowed per this many characters of the shorter folded name
CHARACTERS_PER_EDIT = 10
#: folded names shorter than this must match exactly
MIN_FUZZY_LENGTH = 4

_CONFUSABLES = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"))
_CONFUSABLE_CHARACTERS = str.maketrans({"$": "s", "@": "a", "|": "l", "!": "i"})
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class KnownIssuer:
    """An issuer somebody vouched for, as the comparison needs it."""

    label: str
    name: str
    url: str | None = None


def fold_name(name: str) -> str:
    """The comparable form of a name (see the module docstring)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = text.casefold().translate(_CONFUSABLE_CHARACTERS)
    for look_alike, letter in _CONFUSABLES:
        text = text.replace(look_alike, letter)
    return _NOT_ALPHANUMERIC.sub("", text)


def names_resemble(first: str, second: str) -> bool:
    """True when two folded names are equal or within the allowed edit distance."""
    a, b = fold_name(first), fold_name(second)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < MIN_FUZZY_LENGTH:
        return False
    allowed = max(1, shorter // CHARACTERS_PER_EDIT)
    return Levenshtein.distance(a, b, score_cutoff=allowed) <= allowed


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def registrable_domain(url_or_host: str) -> str | None:
    """``https://www.ox.ac.uk/x`` → ``ox.ac.uk``; an IP address is its own; None if no host."""
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    host = (host or "").strip().rstrip(".").lower()
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


def _registrable_name(domain: str) -> str:
    suffix = _suffixes().publicsuffix(domain)
    if suffix and domain.endswith("." + suffix):
        return domain[: -len(suffix) - 1]
    return domain


def domains_resemble(first: str, second: str) -> bool:
    """True for one registrable domain, or registrable names that resemble each other."""
    if first == second:
        return True
    return names_resemble(_registrable_name(first), _registrable_name(second))


def resemblance(name: str, url: str | None, email: str | None, known: KnownIssuer) -> str | None:
    """Why an issuer with this name, website and e-mail looks like ``known``, or None."""
    if names_resemble(name, known.name):
        return f"its name {name!r} resembles {known.label}'s name {known.name!r}"
    theirs = registrable_domain(known.url) if known.url else None
    if theirs is None:
        return None
    for what, value in (("website", url), ("e-mail domain", _email_domain(email))):
        ours = registrable_domain(value) if value else None
        if ours is not None and domains_resemble(ours, theirs):
            same = "is" if ours == theirs else "resembles"
            return f"its {what} {ours} {same} {known.label}'s website domain {theirs}"
    return None


def _email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1]
