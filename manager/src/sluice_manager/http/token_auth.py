"""A shared-token check that also admits tokens looked up by digest (``connector_auth``,
``mcp_auth``).

The shared check is synchronous and costs nothing extra. A token of the looked-up form makes
``check`` answer True, and ``resolve`` then looks it up (with the handler's errors): a live one
puts what its lookup found on the request, anything else is refused with 401.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Generic, TypeVar

import asyncpg
from aiohttp import hdrs, web

from sluice_manager.http.auth import BearerTokens, presented_token
from sluice_manager.http.errors import HttpError
from sluice_manager.services import SERVICES

T = TypeVar("T")


class LookedUpTokenAuth(Generic[T]):
    """``shared`` tokens pass at once; tokens that ``looks_like`` are looked up by ``lookup``,
    whose answer goes on the request under ``key``."""

    def __init__(
        self,
        shared: BearerTokens,
        *,
        looks_like: Callable[[str], bool],
        lookup: Callable[[asyncpg.Pool, str, datetime], Awaitable[T | None]],
        key: web.RequestKey[T],
        refusal: str,
    ) -> None:
        self._shared = shared
        self._looks_like = looks_like
        self._lookup = lookup
        self._key = key
        self._refusal_message = refusal

    def _refusal(self) -> HttpError:
        return HttpError(401, self._refusal_message, headers={"WWW-Authenticate": "Bearer"})

    def check(self, request: web.Request) -> bool:
        """False when a shared token passes; True when the token must be looked up
        (``resolve``); 401 otherwise."""
        header = request.headers.get(hdrs.AUTHORIZATION)
        if self._shared.allowed(header):
            return False
        token = presented_token(header)
        if token and self._looks_like(token):
            return True
        raise self._refusal()

    async def resolve(self, request: web.Request) -> None:
        """Look the token up: what it found goes on the request, or 401."""
        token = presented_token(request.headers.get(hdrs.AUTHORIZATION)) or ""
        services = request.app[SERVICES]
        found = await self._lookup(services.pool, token, services.clock.now())
        if found is None:
            raise self._refusal()
        request[self._key] = found
