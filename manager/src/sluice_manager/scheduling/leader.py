"""Leadership (protocol §9.1): one replica at a time runs the periodic work.

A replica campaigns by taking a session advisory lock on a dedicated connection and keeps that
connection open while it leads. The others retry every ``leader_retry_seconds``. The leader
watches its connection (termination listener plus a periodic ``SELECT 1``), and every tick asks
before each phase whether it still leads, so a lost connection stops the work before the next
phase. APScheduler drives the ticks; the first one is immediate, after a monitor pass (§9.1).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sluice_manager.scheduling.tick import Tick
from sluice_manager.services import Services
from sluice_sdk.tasks import cancel_and_wait
from sluice_sql.pool import connect
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

_PING_TIMEOUT_SECONDS = 5.0
_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Leadership:
    """Owns the campaign task, the leader connection and the tick scheduler. ``stop()`` is
    idempotent and leaves no task behind."""

    def __init__(self, services: Services) -> None:
        self._settings = services.settings
        self._pool = services.pool
        self._tick = Tick(services)
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None  # asyncpg.Connection (dedicated) or a pool connection
        self._conn_lock = asyncio.Lock()
        self._leading = False
        self._lost = asyncio.Event()
        self._tick_task: asyncio.Task[Any] | None = None
        self.ticks_completed = 0
        self._ticks_this_reign = 0

    @property
    def is_leader(self) -> bool:
        return self._leading

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._campaign(), name="sluice-leadership")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    # --- the leader connection ------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        url = self._settings.database_url
        if url is not None:
            conn = await connect(url, application_name="sluice-leader")
            try:
                yield conn
            finally:
                await _close_quietly(conn.close())
        else:
            # An app built from a pool alone (tests) has no URL to connect with: lead on a pooled
            # connection, and unlock before the pool takes it back for someone else.
            async with self._pool.acquire() as conn:
                try:
                    yield conn
                finally:
                    if not conn.is_closed():
                        await _close_quietly(conn.fetchval(QUERIES.unlock_leader))

    async def _ping(self) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed() or self._lost.is_set():
            return False
        try:
            async with self._conn_lock, asyncio.timeout(_PING_TIMEOUT_SECONDS):
                await conn.fetchval(QUERIES.select_health)
        except _CONNECTION_ERRORS as exc:
            log.warning("leader_connection_lost", error=str(exc) or type(exc).__name__)
            self._lost.set()
            return False
        return True

    async def still_leader(self) -> bool:
        """Asked before every phase: the flag, then a round trip on the leader connection."""
        return self._leading and await self._ping()

    # --- campaign and reign ---------------------------------------------------------------

    async def _campaign(self) -> None:
        retry = self._settings.leader_retry_seconds
        while True:
            try:
                async with self._connection() as conn:
                    await self._take_lock(conn, retry)
                    await self._reign(conn)
            except _CONNECTION_ERRORS as exc:
                log.warning("leader_campaign_failed", error=str(exc) or type(exc).__name__)
            except Exception:
                # A bug in one reign must not end the campaign: this replica would never lead.
                log.exception("leader_reign_crashed")
            await asyncio.sleep(retry)

    @staticmethod
    async def _take_lock(conn: Any, retry: float) -> None:
        while True:
            if await conn.fetchval(QUERIES.try_lock_leader):
                return
            await asyncio.sleep(retry)

    async def _reign(self, conn: Any) -> None:
        self._conn = conn
        self._lost = asyncio.Event()
        lost = self._lost
        conn.add_termination_listener(lambda _conn: lost.set())
        self._leading = True
        self._ticks_this_reign = 0
        log.info("leadership_acquired")
        scheduler = AsyncIOScheduler(timezone=UTC)
        try:
            await self._tick.run_phase("monitor", self._tick.monitor().run_pass)
            scheduler.add_job(
                self._run_tick,
                "interval",
                seconds=self._settings.scheduler_interval_seconds,
                next_run_time=datetime.now(UTC),
                id="sluice-tick",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
            scheduler.start()
            await self._watch(lost)
        finally:
            self._leading = False
            self._conn = None
            if scheduler.running:
                scheduler.remove_all_jobs()
                scheduler.shutdown(wait=False)
            await self._cancel_tick()
            log.info("leadership_released")

    async def _watch(self, lost: asyncio.Event) -> None:
        """Return when the leader connection is gone (listener or failed ping)."""
        interval = self._settings.leader_retry_seconds
        while await self._ping():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await lost.wait()

    async def _run_tick(self) -> None:
        self._tick_task = asyncio.current_task()
        first, self._ticks_this_reign = self._ticks_this_reign == 0, self._ticks_this_reign + 1
        try:
            # The monitor pass of a new reign already ran (§9.1), just before this first tick.
            await self._tick.run(self.still_leader, monitor=not first)
            self.ticks_completed += 1
        except asyncio.CancelledError:
            if self._leading:
                raise
            # Cancelled because the reign ended (stop or lost connection): an expected end, which
            # APScheduler would otherwise report as a crashed job.
            log.info("scheduler_tick_cancelled")
        finally:
            self._tick_task = None

    async def _cancel_tick(self) -> None:
        task = self._tick_task
        if task is not asyncio.current_task():
            await cancel_and_wait(task)


async def _close_quietly(closing: Any) -> None:
    with contextlib.suppress(*_CONNECTION_ERRORS):
        await closing
