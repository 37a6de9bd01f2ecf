"""Bearer-token checks (protocol §2): admin token for /api, connector token for /sdk."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from aiohttp import web

from sluice_manager.http.errors import HttpError

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def presented_token(header: str | None) -> str | None:
    """The bearer token of an Authorization header: None when absent, "" when malformed."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    return token.strip()


def _matches(token: str, allowed: Sequence[str]) -> bool:
    # Compare against every configured token so timing does not reveal which one matched.
    result = False
    for candidate in allowed:
        result |= hmac.compare_digest(token.encode(), candidate.encode())
    return result


def check_admin(request: web.Request, tokens: Sequence[str]) -> None:
    token = presented_token(request.headers.get("Authorization"))
    if not token or not _matches(token, tokens):
        raise HttpError(401, "missing or invalid admin token", headers=_CHALLENGE)


def connector_allowed(header: str | None, tokens: Sequence[str], *, open_mode: bool) -> bool:
    """Whether an Authorization header (None when absent) passes the connector check."""
    token = presented_token(header)
    if token is None:
        return open_mode
    return token != "" and _matches(token, tokens)


def check_connector(request: web.Request, tokens: Sequence[str], *, open_mode: bool) -> None:
    if not connector_allowed(request.headers.get("Authorization"), tokens, open_mode=open_mode):
        raise HttpError(401, "missing or invalid connector token", headers=_CHALLENGE)
