"""The indexer worker loop (style item 7): drain on "notified, poll interval or stop".

Side tasks, each named and watched by the main loop: the LISTEN connection, the visibility-timeout
sweeper and retention. ``stop()`` is idempotent; the batch in hand is finished before ``run()``
returns. ``run(burst=True)`` drains what is claimable now and returns (what tests use).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from sluice_indexer import batch as batches
from sluice_indexer import queue
from sluice_indexer.errors import SideTaskError
from sluice_indexer.listener import Listener
from sluice_indexer.retention import retention_pass
from sluice_indexer.settings import IndexerSettings
from sluice_runtime.clock import Clock, SystemClock
from sluice_runtime.waits import wait_first
from sluice_sdk.tasks import cancel_and_wait

log = structlog.get_logger(__name__)

# Errors that mean "the database is unreachable right now": logged, retried after a pause.
_TRANSIENT = (OSError, asyncpg.InterfaceError, asyncpg.PostgresError, TimeoutError)


@dataclass(slots=True)
class Stats:
    batches: int = 0
    completed: int = 0
    failed: int = 0
    released: int = 0


class Worker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: IndexerSettings,
        *,
        listen_url: str | None = None,
        clock: Clock | None = None,
        name: str = "indexer",
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.name = name
        self.stats = Stats()
        self._listen_url = listen_url
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._options = batches.Options(
            max_attempts=settings.queue_max_attempts,
            delete_completed=settings.completed_retention_seconds == 0,
        )
        self.listener: Listener | None = None

    # -- control ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the worker to finish its batch in hand and return from ``run``. Idempotent."""
        if not self._stop.is_set():
            log.info("indexer_stopping", worker=self.name)
            self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def notify(self) -> None:
        """Wake the loop (called by the listener on NOTIFY)."""
        self._wake.set()

    # -- work -------------------------------------------------------------------------------

    async def drain(self) -> int:
        """Claim and apply batches until a claim returns nothing (or stop); returns rows done."""
        done = 0
        while not self._stop.is_set():
            async with self.pool.acquire() as conn:
                claimed = await queue.claim(conn, self.clock.now(), self.settings.claim_batch_size)
                if not claimed.events:
                    break
                outcome = await batches.process(conn, claimed, self.clock.now(), self._options)
            log.debug(
                "indexer_batch",
                worker=self.name,
                size=len(claimed.events),
                completed=outcome.completed,
                failed=len(outcome.failed),
                fell_back=outcome.fell_back,
            )
            self.stats.batches += 1
            self.stats.completed += outcome.completed
            self.stats.failed += len(outcome.failed)
            self.stats.released += outcome.released
            done += outcome.completed
        return done

    async def expire_claims(self) -> dict[int, str]:
        """One visibility-timeout sweep (§10.5)."""
        async with self.pool.acquire() as conn:
            expired = await queue.expire(
                conn,
                self.clock.now(),
                self.settings.queue_visibility_timeout_seconds,
                self.settings.queue_max_attempts,
            )
        if expired:
            log.warning("indexer_claims_expired", count=len(expired), worker=self.name)
            self.notify()
        return expired

    async def retention(self) -> dict[str, int]:
        """One retention pass (§10.8, §5.5)."""
        done = await retention_pass(self.pool, self.settings, self.clock.now())
        if any(done.values()):
            log.info("indexer_retention", worker=self.name, **done)
        return done

    # -- loop -------------------------------------------------------------------------------

    async def run(self, *, burst: bool = False) -> Stats:
        if burst:
            await self.drain()
            return self.stats
        side = self._start_side_tasks()
        log.info("indexer_started", worker=self.name, side_tasks=sorted(side))
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    await self.drain()
                except _TRANSIENT as exc:
                    log.warning("indexer_drain_failed", worker=self.name, error=repr(exc)[:300])
                await wait_first(
                    [self._wake, self._stop],
                    self.settings.queue_poll_interval_seconds,
                    also=side.values(),
                )
                for task_name, task in side.items():
                    if task.done() and not self._stop.is_set():
                        raise SideTaskError(task_name) from _exception_of(task)
        finally:
            self._stop.set()
            await _cancel_all(side)
            log.info("indexer_stopped", worker=self.name, **_stats_dict(self.stats))
        return self.stats

    def _start_side_tasks(self) -> dict[str, asyncio.Task[None]]:
        jobs: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
            "visibility_sweeper": lambda: self._every(
                self.settings.visibility_sweep_interval_seconds, self.expire_claims
            ),
            "retention": lambda: self._every(
                self.settings.retention_interval_seconds, self.retention
            ),
        }
        if self._listen_url is not None:
            self.listener = Listener(
                self._listen_url,
                self.notify,
                keepalive_seconds=self.settings.queue_poll_interval_seconds,
                reconnect_seconds=self.settings.listener_reconnect_seconds,
            )
            listener = self.listener
            jobs["listener"] = lambda: listener.run(self._stop)
        return {
            name: asyncio.create_task(job(), name=f"{self.name}:{name}")
            for name, job in jobs.items()
        }

    async def _every(self, interval: float, job: Callable[[], Awaitable[Any]]) -> None:
        while not self._stop.is_set():
            try:
                await job()
            except _TRANSIENT as exc:
                log.warning("indexer_side_job_failed", worker=self.name, error=repr(exc)[:300])
            await wait_first([self._stop], interval)


def _exception_of(task: asyncio.Task[None]) -> BaseException | None:
    if task.cancelled():
        return None
    return task.exception()


async def _cancel_all(tasks: dict[str, asyncio.Task[None]]) -> None:
    for task in tasks.values():
        task.cancel()  # all at once, so they wind down together
    for task in tasks.values():
        await cancel_and_wait(task)


def _stats_dict(stats: Stats) -> dict[str, int]:
    return {
        "batches": stats.batches,
        "completed": stats.completed,
        "failed": stats.failed,
        "released": stats.released,
    }
