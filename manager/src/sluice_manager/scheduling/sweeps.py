"""Stale runs (protocol §8.3) and runs of disabled or deleted sources (§8.4).

Both tell an online connector to stop (best effort), then finish the run themselves with the
normative §6.2 message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

import structlog

from sluice_manager.runs.lifecycle import finish_run
from sluice_manager.scheduling.monitor import online_connectors
from sluice_manager.services import Services
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

SOURCE_DISABLED = "Source was disabled"
SOURCE_DELETED = "Source was deleted"


def stale_message(minutes: float) -> str:
    """The normative §6.2 error_message of a stale run."""
    return f"Sync timed out (no activity for {minutes:g} minutes)"


async def _bounded(jobs: list[Callable[[], Awaitable[None]]], concurrency: int) -> None:
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(job: Callable[[], Awaitable[None]]) -> None:
        async with limit:
            try:
                await job()
            except Exception:
                # One run's failure must not stop the sweep over the others.
                log.exception("sweep_run_failed")

    async with asyncio.TaskGroup() as group:
        for job in jobs:
            group.create_task(one(job))


class Sweeps:
    def __init__(self, services: Services) -> None:
        self._pool = services.pool
        self._client = services.connectors
        self._clock = services.clock
        self._settings = services.settings

    async def _stop_and_finish(
        self,
        run_id: str,
        source_id: str,
        url: str | None,
        status: str,
        message: str,
    ) -> None:
        if url is not None:
            await self._client.cancel(url, run_id)
        done = await finish_run(
            self._pool,
            run_id,
            "failed" if status == "failed" else "cancelled",
            message,
            self._clock.now(),
        )
        if done:
            log.info("sync_run_swept", sync_run_id=run_id, source_id=source_id, reason=message)

    async def stale(self) -> int:
        """Fail running runs without activity for ``stale_timeout_minutes`` (§8.3)."""
        now = self._clock.now()
        minutes = self._settings.stale_timeout_minutes
        rows = await self._pool.fetch(QUERIES.select_stale_runs, now - timedelta(minutes=minutes))
        if not rows:
            return 0
        connectors = await online_connectors(self._pool, now, self._settings.registry_ttl_seconds)
        message = stale_message(minutes)
        jobs: list[Callable[[], Awaitable[None]]] = []
        for row in rows:
            connector = connectors.get(row["source_type"] or "")
            url = connector.url if connector else None
            jobs.append(
                partial(self._stop_and_finish, row["id"], row["source_id"], url, "failed", message)
            )
        await _bounded(jobs, self._settings.monitor_concurrency)
        return len(rows)

    async def inactive_sources(self) -> int:
        """Cancel running runs of disabled or deleted sources (§8.4)."""
        rows = await self._pool.fetch(QUERIES.select_runs_of_inactive_sources)
        if not rows:
            return 0
        now = self._clock.now()
        connectors = await online_connectors(self._pool, now, self._settings.registry_ttl_seconds)
        jobs: list[Callable[[], Awaitable[None]]] = []
        for row in rows:
            connector = connectors.get(row["source_type"])
            url = connector.url if connector else None
            message = SOURCE_DELETED if row["is_deleted"] else SOURCE_DISABLED
            jobs.append(
                partial(
                    self._stop_and_finish, row["id"], row["source_id"], url, "cancelled", message
                )
            )
        await _bounded(jobs, self._settings.monitor_concurrency)
        return len(rows)
