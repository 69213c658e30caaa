"""Random secrets handed out once (session ids, e-mailed links) and stored only as digests.

A token has 256 random bits, so a plain SHA-256 is enough to make the stored value
useless to a thief while keeping the lookup a single indexed equality.
"""

from __future__ import annotations

import base64
import hashlib

from credstack.services.context import ServiceContext

#: random bytes per token
TOKEN_BYTES = 32


def new_token(ctx: ServiceContext) -> str:
    """A fresh URL-safe token from the context's random source (43 characters)."""
    raw = ctx.rng.randbytes(TOKEN_BYTES)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def token_digest(token: str) -> str:
    """The stored form of a token: lowercase hex SHA-256 of its text."""
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()
