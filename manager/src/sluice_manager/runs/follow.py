"""A run's snapshots while it runs, then its terminal one: what both progress streams send.

The admin API's ``GET /api/sync-runs/{id}/progress`` (JSON) and the console's
``/ui/runs/{id}/events`` (HTML fragments) render the same sequence differently.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg

from sluice_manager.runs.lifecycle import RunRecord, get_run


async def follow_run(
    pool: asyncpg.Pool, run: RunRecord, poll_seconds: float
) -> AsyncIterator[tuple[str, RunRecord]]:
    """``("progress", snapshot)`` every ``poll_seconds`` while the run is running, then
    ``("end", snapshot)`` once it is not; nothing more if the run is deleted meanwhile."""
    current: RunRecord | None = run
    while current is not None and current.status == "running":
        yield "progress", current
        await asyncio.sleep(poll_seconds)
        current = await get_run(pool, run.id)
    if current is not None:
        yield "end", current
