"""The queue contract's names (protocol §10.4, §10.7) as the landed SQL and both servers use them.

Migration 0013's ``sluice_enqueue_events_v2`` (which the manager's queries call; 0007's first
version likewise) spells the NOTIFY channel itself and cannot be edited, so these tests hold it
to ``sluice_sql.queue_contract``: an indexer listening on the constant
hears the manager's real enqueue function, and a sweep row written by the manager's queries is
read by the indexer as a sweep.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest

from sluice_indexer import queue
from sluice_indexer.events import Sweep, parse
from sluice_sql.query_loader import QUERIES
from sluice_sql.queue_contract import EVENTS_CHANNEL, SWEEP_EVENT_TYPE
from tests.integration.indexer import factories as f

# Only a guard against a hang: a notification arrives before the listener's next round trip
# completes, and the tests make that round trip first.
_GUARD_SECONDS = 10


class Heard:
    """Notifications received by the listening connection, as (channel, payload)."""

    def __init__(self) -> None:
        self.payloads: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def __call__(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        self.payloads.put_nowait((channel, payload))

    async def next(self, conn: asyncpg.Connection) -> tuple[str, str]:
        await conn.execute("SELECT 1")
        try:
            return await asyncio.wait_for(self.payloads.get(), _GUARD_SECONDS)
        except TimeoutError:
            pytest.fail(f"nothing was notified on {EVENTS_CHANNEL!r}")


@pytest.fixture
async def listening(db_url: str) -> AsyncIterator[tuple[asyncpg.Connection, Heard]]:
    conn = await asyncpg.connect(db_url)
    heard = Heard()
    await conn.add_listener(EVENTS_CHANNEL, heard)
    try:
        yield conn, heard
    finally:
        await conn.close()


async def test_enqueue_function_notifies_on_the_events_channel(
    db_pool: asyncpg.Pool, listening: tuple[asyncpg.Connection, Heard]
) -> None:
    listener, heard = listening
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        event = {**f.created("doc-1", "blob-1", title="T"), "source_id": source, "sync_run_id": run}
        row = await conn.fetchrow(
            QUERIES.enqueue_event_list,
            source,
            run,
            True,
            ["document_created"],
            ["document"],
            ["doc-1"],
            [orjson.dumps(event).decode()],
            1,
            datetime.now(UTC),
            None,
        )
    assert row is not None
    assert row["accepted"]
    assert await heard.next(listener) == (EVENTS_CHANNEL, source)


async def test_sweep_request_is_read_by_the_indexer_as_a_sweep(
    db_pool: asyncpg.Pool, listening: tuple[asyncpg.Connection, Heard]
) -> None:
    listener, heard = listening
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        payload = {"sync_run_id": run, "source_id": source, "start_seq": 0}
        async with conn.transaction():
            await conn.execute(QUERIES.insert_sweep_event, source, run, payload, SWEEP_EVENT_TYPE)
            await conn.execute(QUERIES.notify_events, source, EVENTS_CHANNEL)
        claimed = await queue.claim(conn, datetime.now(UTC), 10)
    assert await heard.next(listener) == (EVENTS_CHANNEL, source)
    [event] = claimed.events
    assert (event.event_type, event.entity_kind, event.entity_key) == (
        SWEEP_EVENT_TYPE,
        "sweep",
        run,
    )
    assert parse(event) == Sweep(event.seq, source, run, 0)
