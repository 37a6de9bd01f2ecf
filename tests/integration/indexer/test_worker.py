"""The worker loop: LISTEN wake-ups, reconnecting, stop(), side tasks (style item 7, §10.4)."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from sluice_indexer.errors import SideTaskError
from sluice_indexer.worker import Worker
from tests.integration.indexer import factories as f


async def wait_for_document(conn: asyncpg.Connection, ext: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await conn.fetchval("SELECT count(*) FROM documents WHERE external_id = $1", ext):
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(ext)


async def wait_until(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise TimeoutError


async def test_notify_wakes_the_worker_and_it_survives_a_dropped_listener(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    # A poll interval far longer than the test: only NOTIFY (or a reconnect) can wake the loop.
    settings = f.settings(db_url, queue_poll_interval_seconds=3600, listener_reconnect_seconds=0.1)
    worker = Worker(db_pool, settings, listen_url=db_url)
    task = asyncio.create_task(worker.run())
    try:
        await wait_until(lambda: worker.listener is not None and worker.listener.connected.is_set())
        async with db_pool.acquire() as conn:
            source = await f.add_source(conn)
            run = await f.add_run(conn, source)
            blob = await f.add_blob(conn, "woken by notify")
            await f.enqueue(conn, source, run, [f.created("first", blob)])
            await wait_for_document(conn, "first")

            # The server drops the LISTEN connection; the listener reconnects and drains.
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'sluice-indexer-listen' AND datname = current_database()"
            )
            assert killed == 1
            await wait_until(
                lambda: worker.listener is not None and not worker.listener.connected.is_set()
            )
            await wait_until(
                lambda: worker.listener is not None and worker.listener.connected.is_set()
            )
            await f.enqueue(conn, source, run, [f.created("second", blob)])
            await wait_for_document(conn, "second")
    finally:
        worker.stop()
        worker.stop()  # idempotent
        stats = await asyncio.wait_for(task, 30)
    assert stats.completed == 2


async def test_stop_before_run_returns_at_once(db_pool: asyncpg.Pool, db_url: str) -> None:
    worker = Worker(db_pool, f.settings(db_url), listen_url=db_url)
    worker.stop()
    stats = await asyncio.wait_for(worker.run(), 10)
    assert stats.batches == 0


async def test_a_crashed_side_task_stops_the_worker(db_pool: asyncpg.Pool, db_url: str) -> None:
    worker = Worker(db_pool, f.settings(db_url, queue_poll_interval_seconds=0.05))

    async def broken() -> dict[str, int]:
        raise RuntimeError("retention bug")

    worker.retention = broken  # type: ignore[method-assign]
    with pytest.raises(SideTaskError) as caught:
        await asyncio.wait_for(worker.run(), 10)
    assert caught.value.task_name == "retention"
    assert isinstance(caught.value.__cause__, RuntimeError)
