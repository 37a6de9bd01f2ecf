"""Bearer-token checks (protocol §2): admin token for /api, connector token for /sdk."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from aiohttp import hdrs, web

from sluice_manager.http.errors import HttpError

_CHALLENGE = {"WWW-Authenticate": "Bearer"}

# Admin-area paths that take no admin token: an OAuth provider redirects a user's browser here,
# and the one-time state in the query is what authenticates it (sluice_manager.sources.oauth).
OPEN_API_PATHS = frozenset({"/api/oauth/callback"})


def presented_token(header: str | None) -> str | None:
    """The bearer token of an Authorization header: None when absent, "" when malformed."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    return token.strip()


class BearerTokens:
    """The tokens one audience may present, encoded once; ``open_mode`` admits no header at all."""

    def __init__(self, audience: str, tokens: Sequence[str], *, open_mode: bool = False) -> None:
        self._refusal = f"missing or invalid {audience} token"
        self._tokens = tuple(token.encode() for token in tokens)
        self._open_mode = open_mode

    def allowed(self, header: str | None) -> bool:
        """Whether an Authorization header (None when absent) passes the check."""
        token = presented_token(header)
        if token is None:
            return self._open_mode
        return token != "" and self._matches(token.encode())

    def _matches(self, token: bytes) -> bool:
        # Compare against every configured token so timing does not reveal which one matched.
        result = False
        for candidate in self._tokens:
            result |= hmac.compare_digest(token, candidate)
        return result

    def check(self, request: web.Request) -> None:
        """401 with a Bearer challenge unless the request's Authorization header passes."""
        if not self.allowed(request.headers.get(hdrs.AUTHORIZATION)):
            raise HttpError(401, self._refusal, headers=_CHALLENGE)
