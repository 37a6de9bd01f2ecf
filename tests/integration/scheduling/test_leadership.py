"""Leadership (§9.1): replicas on one database, one leader, takeover when its connection dies."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import asyncpg
from aiohttp import web

from sluice_manager import scheduling
from sluice_manager.scheduling import LEADERSHIP
from sluice_runtime.clock import SystemClock
from tests.integration.scheduling.support import (
    FakeConnector,
    add_connector,
    add_source,
    fast_settings,
    manager_app,
)

LEADER_LOCK_HOLDER = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 3 AND objid = 0"
    " AND objsubid = 2 AND granted"
)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


def _replica_settings(db_url: str | None, **overrides: object) -> object:
    values: dict[str, object] = {
        "database_url": db_url,
        "scheduler_interval_seconds": 0.3,
        "leader_retry_seconds": 0.2,
        "max_concurrent_syncs": 100,
        "max_concurrent_syncs_per_slot": 100,
        "max_dispatches_per_tick": 7,
    }
    values.update(overrides)
    return fast_settings(**values)


async def _replicas(
    stack: AsyncExitStack, pool: asyncpg.Pool, *settings: object
) -> list[web.Application]:
    apps = []
    for replica_settings in settings:
        app = await stack.enter_async_context(
            manager_app(pool, replica_settings, SystemClock(), scheduling.setup)  # type: ignore[arg-type]
        )
        apps.append(app)
    return apps


async def _runs_per_source(pool: asyncpg.Pool) -> Counter[str]:
    rows = await pool.fetch("SELECT source_id FROM sync_runs")
    return Counter(r["source_id"] for r in rows)


async def test_two_replicas_dispatch_every_due_source_exactly_once(
    db_url: str, db_pool: asyncpg.Pool, fake: FakeConnector
) -> None:
    clock = SystemClock()
    await add_connector(db_pool, url=fake.url, now=clock.now())
    sources = {await add_source(db_pool, now=clock.now()) for _ in range(20)}
    async with AsyncExitStack() as stack:
        apps = await _replicas(stack, db_pool, _replica_settings(db_url), _replica_settings(db_url))

        async def all_dispatched() -> bool:
            return set(await _runs_per_source(db_pool)) == sources

        await eventually(all_dispatched)
        leaders = [app for app in apps if app[LEADERSHIP].is_leader]
        assert len(leaders) == 1
        # A few more ticks: nothing is dispatched twice.
        ticks = leaders[0][LEADERSHIP].ticks_completed

        async def more_ticks() -> bool:
            return leaders[0][LEADERSHIP].ticks_completed >= ticks + 3

        await eventually(more_ticks)
    assert set((await _runs_per_source(db_pool)).values()) == {1}
    assert Counter(r["source_id"] for r in fake.sync_requests) == dict.fromkeys(sources, 1)


async def test_killed_leader_connection_hands_over_to_the_other_replica(
    db_url: str, db_pool: asyncpg.Pool, fake: FakeConnector
) -> None:
    clock = SystemClock()
    await add_connector(db_pool, url=fake.url, now=clock.now())
    async with AsyncExitStack() as stack:
        # The first replica leads; after losing its connection it waits longer than the other.
        (first,) = await _replicas(
            stack, db_pool, _replica_settings(db_url, leader_retry_seconds=3)
        )

        async def first_leads() -> bool:
            return first[LEADERSHIP].is_leader

        await eventually(first_leads)
        (second,) = await _replicas(stack, db_pool, _replica_settings(db_url))
        await asyncio.sleep(0.5)
        assert not second[LEADERSHIP].is_leader
        pid = await db_pool.fetchval(LEADER_LOCK_HOLDER)
        assert await db_pool.fetchval("SELECT pg_terminate_backend($1)", pid)

        async def second_leads() -> bool:
            return second[LEADERSHIP].is_leader and not first[LEADERSHIP].is_leader

        await eventually(second_leads)
        # The new leader does the work: a source added now is dispatched once.
        source = await add_source(db_pool, now=clock.now())

        async def dispatched() -> bool:
            return source in await _runs_per_source(db_pool)

        await eventually(dispatched)
        assert await db_pool.fetchval(LEADER_LOCK_HOLDER) != pid
    assert (await _runs_per_source(db_pool))[source] == 1


async def test_leadership_without_database_url_holds_a_pooled_connection(
    db_pool: asyncpg.Pool, fake: FakeConnector
) -> None:
    clock = SystemClock()
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    async with AsyncExitStack() as stack:
        (app,) = await _replicas(stack, db_pool, _replica_settings(None))

        async def dispatched() -> bool:
            return source in await _runs_per_source(db_pool)

        await eventually(dispatched)
        assert app[LEADERSHIP].is_leader
        await app[LEADERSHIP].stop()
        await app[LEADERSHIP].stop()  # idempotent
        assert not app[LEADERSHIP].is_leader
    # Leaving the app released the lock.
    assert await db_pool.fetchval(LEADER_LOCK_HOLDER) is None
