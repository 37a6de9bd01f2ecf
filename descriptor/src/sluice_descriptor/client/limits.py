"""Rate limits: one leaky bucket (aiolimiter) per (scope, key), shared process-wide.

A descriptor's ``rate_limits`` entry says ``limit`` requests per ``interval_seconds`` with ``burst``
extra capacity. The bucket holds ``limit + burst`` and drains at ``limit / interval_seconds`` per
second, so the sustained rate is the declared one and a quiet spell lets up to ``limit + burst``
requests through at once. Every client built with the same registry and the same (scope, key) draws
from the same bucket, whichever operation names the scope.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiolimiter import AsyncLimiter


@dataclass(frozen=True, slots=True)
class RateSpec:
    limit: int
    interval_seconds: float
    burst: int = 0

    @property
    def capacity(self) -> int:
        return self.limit + self.burst

    @property
    def period(self) -> float:
        """aiolimiter's ``time_period`` for ``capacity`` so that it drains at ``limit/interval``."""
        return self.interval_seconds * self.capacity / self.limit


@dataclass(slots=True)
class _Entry:
    spec: RateSpec
    limiter: AsyncLimiter
    loop: asyncio.AbstractEventLoop


class LimiterRegistry:
    """Limiters by (scope, key). A limiter belongs to one event loop (aiolimiter's rule); a lookup
    from another loop, or with a changed spec (a new descriptor version), starts a fresh bucket."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}

    def limiter(self, scope: str, key: str, spec: RateSpec) -> AsyncLimiter:
        loop = asyncio.get_running_loop()
        entry = self._entries.get((scope, key))
        if entry is None or entry.spec != spec or entry.loop is not loop:
            entry = _Entry(spec, AsyncLimiter(spec.capacity, spec.period), loop)
            self._entries[(scope, key)] = entry
        return entry.limiter

    async def acquire(self, scope: str, key: str, spec: RateSpec) -> None:
        await self.limiter(scope, key, spec).acquire()


LIMITERS = LimiterRegistry()
"""The process-wide registry the runtime passes to every client."""
