"""One scheduler tick (protocol §9.2): five phases in order, each with its time limit, then the
deleted-source cleanup. A phase that fails or times out is logged and the next one runs; a
replica that lost leadership stops before the next phase.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from sluice_manager.runs.errors import TriggerError
from sluice_manager.runs.trigger import PreparedRun, prepare, send
from sluice_manager.scheduling import policy
from sluice_manager.scheduling.monitor import Monitor
from sluice_manager.scheduling.sweeps import Sweeps
from sluice_manager.services import Services
from sluice_manager.settings import ManagerSettings
from sluice_manager.sources.cleanup import purge_deleted_sources
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

LeaderCheck = Callable[[], Awaitable[bool]]


def limits_of(settings: ManagerSettings) -> policy.Limits:
    return policy.Limits(
        backoff_base_seconds=settings.backoff_base_seconds,
        backoff_max_seconds=settings.backoff_max_seconds,
        circuit_breaker_threshold=settings.circuit_breaker_threshold,
        max_dispatches_per_tick=settings.max_dispatches_per_tick,
        max_concurrent_syncs=settings.max_concurrent_syncs,
        max_concurrent_syncs_per_slot=settings.max_concurrent_syncs_per_slot,
    )


def _streak(count: int | None, last_failed_at: datetime | None) -> policy.Streak:
    return policy.Streak(count or 0, last_failed_at)


class Tick:
    """The leader's periodic work over one app's Services."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._pool = services.pool
        self._settings = services.settings
        self._clock = services.clock
        self._limits = limits_of(self._settings)

    def monitor(self) -> Monitor:
        return Monitor(self._services)

    def _sweeps(self) -> Sweeps:
        return Sweeps(self._services)

    async def run(self, still_leader: LeaderCheck, *, monitor: bool = True) -> None:
        """All phases in order (§9.2), then cleanup; stops early when leadership is lost.

        ``monitor=False`` leaves out the monitor phase: a new leader's first tick follows the
        monitor pass it ran at once, and a second pass moments later would spend the offline
        grace tick and resume attempts on no new information.
        """
        phases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("realtime_watchers", self.realtime_watchers),
            ("due_syncs", self.due_syncs),
            ("inactive_sources", self._sweeps().inactive_sources),
            ("monitor", self.monitor().run_pass),
            ("stale_runs", self._sweeps().stale),
            ("deleted_source_cleanup", self.cleanup),
        ]
        if not monitor:
            phases = [(name, phase) for name, phase in phases if name != "monitor"]
        for name, phase in phases:
            if not await still_leader():
                log.warning("scheduler_tick_abandoned", phase=name)
                return
            await self.run_phase(name, phase)

    async def run_phase(self, name: str, phase: Callable[[], Awaitable[object]]) -> None:
        try:
            async with asyncio.timeout(self._settings.scheduler_phase_timeout_seconds):
                result = await phase()
        except TimeoutError:
            log.error("scheduler_phase_timed_out", phase=name)
        except Exception:
            log.exception("scheduler_phase_failed", phase=name)
        else:
            if result:
                log.info("scheduler_phase_done", phase=name, count=result)

    async def realtime_watchers(self) -> int:
        """§9.5: a realtime run for every free realtime slot not in backoff."""
        now = self._clock.now()
        rows = await self._pool.fetch(
            QUERIES.select_realtime_candidates,
            now,
            self._settings.registry_ttl_seconds,
            policy.streak_walk_limit(self._limits),
        )
        candidates = [
            policy.RealtimeCandidate(r["source_id"], _streak(r["streak"], r["last_failed_at"]))
            for r in rows
        ]
        prepared: list[PreparedRun] = []
        for candidate in policy.select_realtime(candidates, now, self._limits):
            try:
                prepared.append(
                    await prepare(self._services, candidate.source_id, "realtime", "scheduled")
                )
            except TriggerError as exc:
                log.info("realtime_trigger_skipped", source_id=candidate.source_id, kind=exc.kind)
                if exc.kind == "global_cap":
                    break
        await self._send_all(prepared)
        return len(prepared)

    async def _cron_latest(self, now: datetime) -> dict[str, datetime | None]:
        """Each active cron expression's latest fire time at or before ``now`` (invalid ones are
        left out, so their sources are judged, and skipped, by the policy)."""
        latest: dict[str, datetime | None] = {}
        for row in await self._pool.fetch(QUERIES.select_active_cron_expressions):
            try:
                latest[row["sync_cron"]] = policy.latest_cron_fire(row["sync_cron"], now)
            except policy.InvalidCronError:
                continue
        return latest

    async def due_syncs(self) -> int:
        """§9.3, §9.4: trigger the due sources, oldest first, within the per-tick limit and caps."""
        now = self._clock.now()
        cron_latest = await self._cron_latest(now)
        rows = await self._pool.fetch(
            QUERIES.select_scheduled_candidates,
            now,
            self._settings.registry_ttl_seconds,
            policy.streak_walk_limit(self._limits),
            list(cron_latest),
            list(cron_latest.values()),
        )
        if not rows:
            return 0
        candidates = [
            policy.Candidate(
                source_id=r["source_id"],
                sync_interval_seconds=r["sync_interval_seconds"],
                sync_cron=r["sync_cron"],
                sync_modes=tuple(r["sync_modes"]),
                last_success=r["last_success"],
                streak=_streak(r["streak"], r["last_failed_at"]),
            )
            for r in rows
        ]
        counts_row = await self._pool.fetchrow(QUERIES.select_running_counts)
        assert counts_row is not None
        counts = policy.RunningCounts(
            counts_row["total"], counts_row["scheduled"], counts_row["realtime"]
        )
        prepared: list[PreparedRun] = []
        for candidate in policy.select_due(candidates, now, self._limits, counts, cron_latest):
            sync_type = policy.scheduled_sync_type(candidate.sync_modes)
            try:
                prepared.append(
                    await prepare(self._services, candidate.source_id, sync_type, "scheduled")
                )
            except TriggerError as exc:
                log.info("scheduled_trigger_skipped", source_id=candidate.source_id, kind=exc.kind)
                # Both caps end the phase: it only starts runs of the scheduled slot class.
                if exc.kind in ("global_cap", "slot_cap"):
                    break
        await self._send_all(prepared)
        return len(prepared)

    async def _send_all(self, prepared: list[PreparedRun]) -> None:
        """Dispatch committed runs together: one slow connector must not delay the others."""

        async def one(run: PreparedRun) -> None:
            try:
                await send(self._services, run)
            except TriggerError as exc:
                log.info("scheduled_dispatch_failed", sync_run_id=run.run_id, kind=exc.kind)

        async with asyncio.TaskGroup() as group:
            for run in prepared:
                group.create_task(one(run))

    async def cleanup(self) -> int:
        """Purge one batch of data of deleted sources."""
        return await purge_deleted_sources(
            self._pool, self._settings.cleanup_batch_size, self._clock.now()
        )
