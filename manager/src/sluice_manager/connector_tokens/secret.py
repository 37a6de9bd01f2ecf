"""The token itself: a recognisable prefix, 256 random bits, and the digest that is stored."""

from __future__ import annotations

import hashlib
import secrets

CONNECTOR_TOKEN_PREFIX = "slc_"


def new_connector_token() -> str:
    """A fresh connector token: ``slc_`` and 43 URL-safe characters (32 random bytes)."""
    return CONNECTOR_TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_scoped(token: str) -> bool:
    """Whether a presented token has the form of a connector token (worth a lookup)."""
    return token.startswith(CONNECTOR_TOKEN_PREFIX) and len(token) <= 200


def token_digest(token: str) -> bytes:
    """What is stored and looked up: the SHA-256 of the token. The token is random, so no salt
    or slow hash is needed; the digest only keeps a database reader from using the token."""
    return hashlib.sha256(token.encode("utf-8")).digest()
