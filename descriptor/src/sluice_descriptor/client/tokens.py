"""In-process cache of fetched tokens and credential-chain values, with expiry read from a clock.

Keys are digests of what identifies the token (token URL, client id, scopes; a chain's rendered
cache key), never the secrets themselves. A per-key lock makes concurrent callers that miss share
one fetch instead of stampeding the token endpoint.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sluice_descriptor.client.clock import Clock, epoch

EXPIRY_LEEWAY = 30.0
"""A token this close to its expiry counts as expired: it could lapse in flight."""


def cache_key(*parts: object) -> str:
    """A stable digest of ``parts`` (JSON-encoded), safe to keep and log."""
    encoded = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedValue:
    values: Mapping[str, Any]
    expires_at: float | None
    """Epoch seconds; None means no expiry known."""

    def fresh(self, now: float, leeway: float = EXPIRY_LEEWAY) -> bool:
        return self.expires_at is None or now < self.expires_at - leeway


class TokenCache:
    def __init__(self) -> None:
        self._items: dict[str, CachedValue] = {}
        # Locks belong to an event loop; a process-wide cache may outlive one (tests run many).
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]
        self._locks = weakref.WeakKeyDictionary()

    def get(self, key: str, clock: Clock) -> CachedValue | None:
        item = self._items.get(key)
        if item is None or not item.fresh(epoch(clock)):
            return None
        return item

    def put(self, key: str, values: Mapping[str, Any], expires_at: float | None) -> CachedValue:
        item = CachedValue(dict(values), expires_at)
        self._items[key] = item
        return item

    def peek(self, key: str) -> CachedValue | None:
        """The stored value whatever its expiry (a refresh token outlives its access token)."""
        return self._items.get(key)

    def lock(self, key: str) -> asyncio.Lock:
        """The lock callers hold while they renew the value under ``key``."""
        locks = self._locks.setdefault(asyncio.get_running_loop(), {})
        return locks.setdefault(key, asyncio.Lock())

    def invalidate(self, key: str) -> None:
        self._items.pop(key, None)

    async def get_or_fetch(
        self,
        key: str,
        clock: Clock,
        fetch: Callable[[], Awaitable[CachedValue]],
    ) -> CachedValue:
        """The fresh cached value, or the one ``fetch`` makes (``fetch`` stores it itself, with
        ``put``, so it can choose the expiry)."""
        item = self.get(key, clock)
        if item is not None:
            return item
        async with self.lock(key):
            item = self.get(key, clock)
            if item is not None:
                return item
            return await fetch()


TOKENS = TokenCache()
"""The process-wide cache the runtime passes to every client."""
