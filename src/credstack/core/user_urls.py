"""URLs people type into Credstack (evidence, an issuer's site, an achievement's links).

Why one rule: such a URL is shown as a link on credential and issuer pages and embedded
in signed credentials that other software renders. Only absolute ``http``/``https`` URLs
with a host are taken, so a ``javascript:`` or ``data:`` URL can never run or render in
the browser of whoever follows the link; blanks and control characters are refused, and
the length is capped (2,048 characters, what browsers and servers reliably carry).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from credstack.core.errors import quoted

MAX_URL = 2048
#: blanks and control characters (Unicode category Cc: C0, DEL, C1)
_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def web_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute ``http``/``https`` URL Credstack takes, or None."""
    if len(url) > MAX_URL:
        return f"the URL is {len(url):,} characters; at most {MAX_URL:,}"
    if _BLANK_OR_CONTROL.search(url):
        return f"{quoted(url)} is not an http(s) URL: it contains a blank or a control character"
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        return f"{quoted(url)} is not an http(s) URL"
    return None
