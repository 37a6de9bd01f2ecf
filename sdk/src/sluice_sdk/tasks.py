"""Owning background tasks: cancel and wait without swallowing our own cancellation.

Public, because every Sluice process needs it: the SDK itself, and the manager and indexer, which
import it from here rather than keep copies of their own.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` and wait for it to end; its own result or error is dropped.

    If the caller is itself cancelled while waiting, that cancellation propagates.
    """
    if task is None:
        return
    if task.done():
        if not task.cancelled():
            task.exception()  # retrieve it, so asyncio does not log "never retrieved"
        return
    current = asyncio.current_task()
    before = current.cancelling() if current is not None else 0
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if current is not None and current.cancelling() > before:
            raise
    except Exception:  # its owner already logged or reported it
        pass
