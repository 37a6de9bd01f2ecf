"""Full-sync pruning (protocol §10.7)."""

from __future__ import annotations

import asyncpg

from sluice_indexer.worker import Worker
from tests.integration.indexer import factories as f


async def drain(pool: asyncpg.Pool, db_url: str) -> None:
    await Worker(pool, f.settings(db_url, queue_max_attempts=1)).run(burst=True)


async def test_sweep_prunes_documents_not_emitted_by_the_run(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        other = await f.add_source(conn)
        first = await f.add_run(conn, source, status="completed")
        blob = await f.add_blob(conn, "x")
        await f.enqueue(conn, source, first, [f.created(d, blob) for d in ("keep", "gone", "bad")])
        await f.enqueue(conn, other, await f.add_run(conn, other), [f.created("gone", blob)])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        run = await f.add_run(conn, source)  # records start_seq
        start_seq = await conn.fetchval("SELECT start_seq FROM sync_runs WHERE id = $1", run)
        await f.enqueue(
            conn,
            source,
            run,
            [f.updated("keep", blob, title="Kept"), f.updated("bad", "missing-blob")],
        )
        # The manager enqueues the sweep in the completion transaction of the full run.
        sweep = await f.enqueue_sweep(conn, source, run, start_seq)
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        docs = await f.documents(conn, source)
        others = await f.documents(conn, other)
        tomb = await conn.fetchval(
            "SELECT last_seq FROM document_tombstones WHERE source_id = $1 AND external_id ="
            " 'gone'",
            source,
        )
        statuses = {r["seq"]: r["status"] for r in (await f.queue_rows(conn)).values()}
    # "bad" has a dead-lettered event of this run: kept. "gone" was not emitted: pruned.
    assert set(docs) == {"keep", "bad"}
    assert docs["keep"]["title"] == "Kept"
    assert set(others) == {"gone"}  # other sources are untouched
    assert tomb == sweep
    assert sweep not in statuses
    assert list(statuses.values()) == ["dead_letter"]


async def test_sweep_waits_for_lower_rows_of_its_source(db_pool: asyncpg.Pool) -> None:
    from datetime import UTC, datetime

    from sluice_indexer import queue

    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "x")
        [doc] = await f.enqueue(conn, source, run, [f.created("a", blob)])
        sweep = await f.enqueue_sweep(conn, source, run, 0)
        first = await queue.claim(conn, datetime.now(UTC), 500)
        assert [e.seq for e in first.events] == [doc]
        # The document row is processing: the sweep may not be claimed yet.
        assert (await queue.claim(conn, datetime.now(UTC), 500)).events == []
        await queue.complete(conn, [doc], first.token, datetime.now(UTC), delete=True)
        after = await queue.claim(conn, datetime.now(UTC), 500)
    assert [e.seq for e in after.events] == [sweep]


async def test_no_sweep_row_means_no_pruning(db_pool: asyncpg.Pool, db_url: str) -> None:
    """A failed or cancelled full run enqueues no sweep, so nothing is pruned."""
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        blob = await f.add_blob(conn, "x")
        await f.enqueue(conn, source, await f.add_run(conn, source), [f.created("old", blob)])
        failed = await f.add_run(conn, source, status="failed")
        await f.enqueue(conn, source, failed, [f.created("new", blob)])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        assert set(await f.documents(conn, source)) == {"old", "new"}
