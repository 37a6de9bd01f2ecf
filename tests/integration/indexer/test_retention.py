"""Retention of queue rows, tombstones and blobs (protocol §10.8, §5.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from sluice_indexer.retention import retention_pass
from tests.integration.indexer import factories as f


async def test_retention_pass_removes_only_what_has_expired(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(hours=1)
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        used = await f.add_blob(conn, "used by a document")
        queued = await f.add_blob(conn, "used by a pending event")
        orphan = await f.add_blob(conn, "used by nothing")
        fresh_orphan = await f.add_blob(conn, "used by nothing, but young")
        await conn.execute(
            "UPDATE content_blobs SET created_at = $1 WHERE id <> $2", old, fresh_orphan
        )
        seqs = await f.enqueue(
            conn,
            source,
            run,
            [f.deleted(f"x{i}") for i in range(4)] + [f.created("pending", queued)],
        )
        states = [
            ("completed", recent),
            ("completed", old),
            ("dead_letter", old),
            ("dead_letter", recent),
        ]
        for seq, (status, finished) in zip(seqs, states, strict=False):
            await conn.execute(
                "UPDATE event_queue SET status = $2, finished_at = $3 WHERE seq = $1",
                seq,
                status,
                finished,
            )
        await conn.execute(
            "INSERT INTO documents (source_id, external_id, content_id, last_seq)"
            " VALUES ($1, 'd', $2, 1)",
            source,
            used,
        )
        await conn.execute(
            "INSERT INTO document_tombstones (source_id, external_id, last_seq, created_at)"
            " VALUES ($1, 'old', 1, $2), ($1, 'new', 2, $3)",
            source,
            old,
            recent,
        )
    settings = f.settings(db_url, completed_retention_seconds=86400, retention_batch_size=1)
    done = await retention_pass(db_pool, settings, now)
    assert done == {
        "completed": 1,
        "dead_letter": 1,
        "tombstones": 1,
        "unchanged_events": 0,
        "blobs": 1,
    }
    async with db_pool.acquire() as conn:
        left = {r["seq"]: r["status"] for r in (await f.queue_rows(conn)).values()}
        tombs = await conn.fetch("SELECT external_id FROM document_tombstones")
        blobs = {r["id"] for r in await conn.fetch("SELECT id FROM content_blobs")}
    assert left == {seqs[0]: "completed", seqs[3]: "dead_letter", seqs[4]: "pending"}
    assert [t["external_id"] for t in tombs] == ["new"]
    assert blobs == {used, queued, fresh_orphan}
    assert orphan not in blobs
