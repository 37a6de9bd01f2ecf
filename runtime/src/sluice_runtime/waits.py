"""Interruptible waits for worker loops: an event, a finished task or a timeout, the first."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


async def wait_first(
    events: Iterable[asyncio.Event],
    seconds: float | None,
    *,
    also: Iterable[asyncio.Future[Any]] = (),
) -> None:
    """Return when any event is set, any of ``also`` finishes, or ``seconds`` pass."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait([*waiters, *also], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        if waiters:
            # asyncio.wait raises none of the waiters' cancellations, only the caller's own.
            await asyncio.wait(waiters)
