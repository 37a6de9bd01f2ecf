"""The client's time seam: token expiry, TTL caches and Retry-After dates read ``Clock.now()``;
retry waits go through a ``Sleep``. Tests pass a frozen clock and a sleep that records instead of
waiting. (Any object with ``now() -> datetime``, such as the servers' clocks, fits.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def epoch(clock: Clock) -> float:
    return clock.now().timestamp()


async def real_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
