"""URLs people type into Credstack (evidence, an issuer's site, an achievement's links).

Why one rule: such a URL is shown as a link on credential and issuer pages and embedded
in signed credentials that other software renders. Only absolute ``http``/``https`` URLs
with a host are taken, so a ``javascript:`` or ``data:`` URL can never run or render in
the browser of whoever follows the link; blanks and control characters are refused, and
the length is capped (2,048 characters, what browsers and servers reliably carry).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from credstack.core.errors import quoted

MAX_URL = 2048


def web_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute ``http``/``https`` URL Credstack takes, or None."""
    if len(url) > MAX_URL:
        return f"the URL is {len(url):,} characters; at most {MAX_URL:,}"
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        return f"{quoted(url)} is not an http(s) URL: it contains a blank or a control character"
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        return f"{quoted(url)} is not an http(s) URL"
    return None
