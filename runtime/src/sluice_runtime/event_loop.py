"""Run a process's main coroutine on uvloop (libuv, in C) or on the standard asyncio loop.

uvloop halves the event loop's own CPU per request and per socket event, which is most of what an
idle-but-busy daemon spends (measured in docs/performance.md). ``SLUICE_EVENT_LOOP=asyncio`` falls
back to the standard loop, e.g. for debugging with asyncio's debug mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")

EventLoopName = Literal["uvloop", "asyncio"]


def run(main: Coroutine[Any, Any, T], loop: EventLoopName = "uvloop") -> T:
    """``asyncio.run(main)`` on the named loop; the standard loop where uvloop is unavailable."""
    if loop == "uvloop":
        try:
            import uvloop
        except ImportError:  # pragma: no cover - uvloop does not build on Windows
            pass
        else:
            return uvloop.run(main)
    return asyncio.run(main)
