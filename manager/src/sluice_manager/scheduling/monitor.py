"""The run monitor (protocol §8.2): poll each running run, resume the lost ones, give up after
``max_resume_attempts``.

One query loads the runs; the status polls and resumes run concurrently under a semaphore. The
counters live in the run row and change only by conditional updates, so neither a restart nor a
change of leader resets them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from sluice_manager.connector_client import StatusOutcome
from sluice_manager.runs.dispatch import build_sync_request, dispatch_resume
from sluice_manager.runs.lifecycle import finish_run
from sluice_manager.services import Services
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)


def gave_up_message(max_attempts: int) -> str:
    """The normative §6.2 error_message of a run the monitor gave up on."""
    return f"Connector lost the sync run; gave up after {max_attempts} resume attempts"


@dataclass(frozen=True, slots=True)
class OnlineConnector:
    connector_id: str
    url: str
    sync_modes: tuple[str, ...]


async def online_connectors(
    pool: asyncpg.Pool, now: datetime, ttl_seconds: float
) -> dict[str, OnlineConnector]:
    """Source type → the connector that serves it (§8.1: smallest connector_id wins)."""
    by_type: dict[str, OnlineConnector] = {}
    for row in await pool.fetch(QUERIES.select_online_connectors, now, ttl_seconds):
        connector = OnlineConnector(
            row["connector_id"], row["connector_url"], tuple(row["sync_modes"])
        )
        for source_type in row["source_types"]:
            by_type.setdefault(source_type, connector)
    return by_type


@dataclass(frozen=True, slots=True)
class MonitoredRun:
    id: str
    source_id: str
    sync_type: str
    checkpoint: Any
    checkpoint_saved: bool
    resume_attempts: int
    offline_observations: int
    source_type: str | None
    source_checkpoint: Any
    source_gone: bool
    last_success: datetime | None

    @property
    def resume_checkpoint(self) -> Any:
        """§7.2: the run's checkpoint when it saved one (even null), else the source's."""
        return self.checkpoint if self.checkpoint_saved else self.source_checkpoint


class Monitor:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._pool = services.pool
        self._client = services.connectors
        self._clock = services.clock
        self._settings = services.settings

    async def run_pass(self) -> int:
        """Examine every eligible running run once; returns how many were examined."""
        now = self._clock.now()
        settings = self._settings
        rows = await self._pool.fetch(
            QUERIES.select_monitor_runs, now, settings.dispatch_deadline_seconds
        )
        if not rows:
            return 0
        connectors = await online_connectors(self._pool, now, settings.registry_ttl_seconds)
        limit = asyncio.Semaphore(max(1, settings.monitor_concurrency))

        async def examine(run: MonitoredRun) -> None:
            async with limit:
                try:
                    await self._examine(run, connectors)
                except Exception:
                    # One run's failure must not stop the pass over the others.
                    log.exception("monitor_run_failed", sync_run_id=run.id)

        async with asyncio.TaskGroup() as group:
            for row in rows:
                group.create_task(examine(MonitoredRun(**dict(row.items()))))
        return len(rows)

    async def _examine(self, run: MonitoredRun, connectors: dict[str, OnlineConnector]) -> None:
        if run.source_gone or run.source_type is None:  # step 1
            return
        connector = connectors.get(run.source_type)
        if connector is None:  # step 2
            observed = await self._pool.fetchval(QUERIES.add_offline_observation, run.id)
            if observed is None or observed == 1:
                # Not running any more, or grace for a heartbeat that has only just expired.
                return
            await self._lost(run, None)
            return
        if run.offline_observations:
            await self._pool.execute(QUERIES.reset_offline_observations, run.id)
        status = await self._client.status(connector.url, run.id)  # step 3
        if status is StatusOutcome.RUNNING:
            if run.resume_attempts:
                await self._pool.execute(QUERIES.reset_resume_attempts, run.id)
            return
        if status in (StatusOutcome.NOT_RUNNING, StatusOutcome.GONE):
            await self._lost(run, connector)
        # NOT_IMPLEMENTED or UNKNOWN: nothing happens; stale detection (§8.3) is the fallback.

    async def _lost(self, run: MonitoredRun, connector: OnlineConnector | None) -> None:
        """Step 4: count the attempt, give up past the limit, else resume the same run."""
        bound = log.bind(sync_run_id=run.id, source_id=run.source_id)
        attempts = await self._pool.fetchval(QUERIES.add_resume_attempt, run.id)
        if attempts is None:
            return  # finished meanwhile
        limit = self._settings.max_resume_attempts
        if attempts > limit:
            await finish_run(
                self._pool, run.id, "failed", gave_up_message(limit), self._clock.now()
            )
            bound.warning("sync_run_lost", resume_attempts=attempts - 1)
            return
        if connector is None:
            bound.info("sync_run_lost_offline", resume_attempts=attempts)
            return
        bound.info("sync_run_resuming", resume_attempts=attempts)
        request = build_sync_request(
            run_id=run.id,
            source_id=run.source_id,
            sync_type=run.sync_type,
            checkpoint=run.resume_checkpoint,
            last_success=run.last_success,
            is_resume=True,
        )
        await dispatch_resume(self._services, connector_url=connector.url, request=request)
