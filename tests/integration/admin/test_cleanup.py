"""Purging soft-deleted sources in batches (documents, tombstones, groups, queue, then the row)."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_manager.sources.cleanup import purge_deleted_sources
from tests.integration.admin.factories import (
    ADMIN,
    SOURCES_ANY_TYPE,
    START,
    insert_queue_row,
    insert_run,
    source_body,
)


async def _fill(pool: asyncpg.Pool, source_id: str, n: int) -> None:
    for i in range(n):
        await pool.execute(
            "INSERT INTO documents (source_id, external_id, last_seq) VALUES ($1, $2, $3)",
            source_id,
            f"doc-{i}",
            i + 1,
        )
        await pool.execute(
            "INSERT INTO document_tombstones (source_id, external_id, last_seq) VALUES ($1, $2, 1)",
            source_id,
            f"gone-{i}",
        )
        await insert_queue_row(pool, source_id, key=f"doc-{i}")
    await pool.execute(
        "INSERT INTO groups (source_id, group_email, last_seq) VALUES ($1, 'g@x', 1)", source_id
    )
    await pool.execute(
        "INSERT INTO group_memberships (source_id, group_email, member_email) "
        "VALUES ($1, 'g@x', 'm@x')",
        source_id,
    )


async def _counts(pool: asyncpg.Pool, source_id: str) -> list[int]:
    return [
        await pool.fetchval(f"SELECT count(*) FROM {table} WHERE source_id = $1", source_id)
        for table in (
            "documents",
            "document_tombstones",
            "groups",
            "group_memberships",
            "event_queue",
        )
    ]


async def test_purge_removes_only_deleted_sources(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    ids = []
    for name in ("doomed", "kept"):
        resp = await client.post(SOURCES_ANY_TYPE, json=source_body(name=name), headers=ADMIN)
        ids.append((await resp.json())["id"])
    doomed, kept = ids
    await _fill(db_pool, doomed, 7)
    await _fill(db_pool, kept, 2)
    await insert_run(db_pool, doomed, status="completed")
    await client.delete(f"/api/sources/{doomed}", headers=ADMIN)

    assert await purge_deleted_sources(db_pool, 3, START) == 1  # batches smaller than the data
    assert await _counts(db_pool, doomed) == [0, 0, 0, 0, 0]
    assert await db_pool.fetchval("SELECT count(*) FROM sources WHERE id = $1", doomed) == 0
    assert await db_pool.fetchval("SELECT count(*) FROM sync_runs") == 0
    assert await _counts(db_pool, kept) == [2, 2, 1, 1, 2]
    assert await purge_deleted_sources(db_pool, 3, START) == 0


async def test_source_with_a_running_run_waits(client: TestClient, db_pool: asyncpg.Pool) -> None:
    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    source_id = (await resp.json())["id"]
    run_id = await insert_run(db_pool, source_id)
    await client.delete(f"/api/sources/{source_id}", headers=ADMIN)
    assert await purge_deleted_sources(db_pool, 10, START) == 0
    assert await db_pool.fetchval("SELECT count(*) FROM sources") == 1
    await db_pool.execute("UPDATE sync_runs SET status = 'cancelled' WHERE id = $1", run_id)
    assert await purge_deleted_sources(db_pool, 10, START) == 1
