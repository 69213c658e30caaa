"""The one rule for an e-mail address Credstack takes: a bare RFC 5322 ``addr-spec``.

Why one rule, and why here: an address typed into any door (an award, a sign-up, an
issuer's contact, a correction) ends up in a ``To:`` header and an SMTP ``RCPT TO``. An
address with a line break and a ``Bcc:`` smuggles a header into the message, and a list
(``"a@b.example, c@d.example"``) mails several people at once; one such row used to stop
every later delivery round. So every door checks with :func:`address_problem`, and the
delivery loop checks again before it sends (rows stored before the rule existed).

The rule, syntax only (no DNS look-up, so it works offline and costs a microsecond):

* ``local@domain``: one ``@``; the local part a *dot-atom* (RFC 5322 §3.2.3: letters,
  digits and ``!#$%&'*+-/=?^_`{|}~``, dots between them, never two in a row or at an
  end); quoted local parts (``"a b"@x.example``) are legal but refused, because they
  carry spaces and ``@`` that no person means and many systems mishandle;
* the domain a host name (RFC 5321 §4.1.2): labels of letters, digits and inner hyphens,
  at most 63 each, *at least one dot* (``ada@localhost`` is refused), the last label not
  all digits (an IP address is not a domain; ``[127.0.0.1]`` literals are refused too);
* no display name or angle brackets, no list, no blanks, no control character (CR, LF,
  NUL, tab ...);
* at most 64 characters before the ``@`` and 254 in all (RFC 5321 §4.5.3.1, with the
  254 of RFC 3696 erratum 1690 for the whole path);
* ASCII only. Internationalised addresses (RFC 6531 ``用户@例子.广告``, or a Unicode
  domain) are refused with a hint: the outbox sends without the SMTPUTF8 extension, and
  an address's identity hash must not depend on a Unicode normalisation form. A domain
  in its ASCII form (``xn--bcher-kva.example``) is accepted.

Why not the ``email-validator`` package: it is well kept, but it accepts 65-character
local parts and Unicode local parts (both of which we refuse), refuses ``.test`` and
``.local`` domains that test deployments use, pulls in ``dnspython`` we would never
call, and costs ~57 µs an address against ~1 µs here (``award bulk`` checks every row
twice, so a million-row file would spend two minutes on addresses alone).

Callers strip surrounding blanks first (:func:`credstack.core.identity.normalize_email`
does that and lower-cases); the rule judges the exact text it is given.
"""

from __future__ import annotations

import re

from credstack.core.errors import quoted

MAX_LOCAL_PART = 64
MAX_ADDRESS = 254

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
#: the whole rule in one expression (the local part's length by look-ahead), for the common case
_ADDRESS = re.compile(rf"(?=[^@]{{1,{MAX_LOCAL_PART}}}@){_LOCAL.pattern}@{_DOMAIN.pattern}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def address_problem(address: str) -> str | None:
    """Why ``address`` is not an e-mail address Credstack takes, or None when it is.

    The message names the address (escaped, so a line break shows as ``\\r\\n``) and
    says what to change; the caller adds which field it came from.
    """
    if not address:
        return "the e-mail address is empty"
    if len(address) > MAX_ADDRESS:
        return f"the e-mail address is {len(address):,} characters; at most {MAX_ADDRESS}"
    if _ADDRESS.fullmatch(address) and not address.rpartition(".")[2].isdigit():
        return None
    return f"{quoted(address)} is not an e-mail address" + _why(address)


def _why(address: str) -> str:
    """``": <reason>"`` for the first rule ``address`` breaks, or ``""`` when no hint helps."""
    if _CONTROL.search(address):
        return ": it contains a line break or another control character"
    if address.count("@") > 1 and any(mark in address for mark in ",;"):
        return ": give one address, not a list"
    if "<" in address or ">" in address:
        return ": give the address alone, without a name or angle brackets"
    if any(char.isspace() for char in address):
        return ": it contains a blank"
    if not address.isascii():
        return (
            ": Credstack takes ASCII addresses only (write an internationalised domain in its "
            "xn-- form)"
        )
    if address.count("@") != 1:
        return ": it has more than one @" if "@" in address else ""
    local, _, domain = address.partition("@")
    return _local_problem(local) or _domain_problem(domain)


def _local_problem(local: str) -> str:
    if not local:
        return ": nothing comes before the @"
    if len(local) > MAX_LOCAL_PART:
        return f": the part before the @ is {len(local)} characters; at most {MAX_LOCAL_PART}"
    if local.startswith('"'):
        return ": a quoted part before the @ is not accepted"
    if not _LOCAL.fullmatch(local):
        odd = next((char for char in local if not re.fullmatch(_ATEXT, char)), None)
        if odd is not None and odd != ".":
            return f": {odd!r} may not appear before the @"
        return ": a dot may not start or end the part before the @, nor follow another dot"
    return ""


def _domain_problem(domain: str) -> str:
    if domain.startswith("["):
        return ": give a domain name after the @, not an IP address in brackets"
    if "." not in domain:
        return ": the domain needs a dot, as in example.org"
    if not _DOMAIN.fullmatch(domain):
        return f": {quoted(domain)} is not a domain name"
    return ": the domain ends in a number; give a domain name, not an IP address"
