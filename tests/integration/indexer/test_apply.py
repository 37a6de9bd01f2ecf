"""Applying events to documents, tombstones and groups (protocol §10.3, §10.6)."""

from __future__ import annotations

from typing import Any

import asyncpg

from sluice_indexer.worker import Worker
from tests.integration.indexer import factories as f


async def drain(pool: asyncpg.Pool, db_url: str, **overrides: Any) -> Worker:
    worker = Worker(pool, f.settings(db_url, **overrides))
    await worker.run(burst=True)
    return worker


async def test_created_document_is_stored_with_blob_text_and_tsv(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "The quick brown fox jumps over the lazy dog.")
        [seq] = await f.enqueue(
            conn,
            source,
            run,
            [f.created("doc-1", blob, title="Fox", attributes={"lang": "en"}, url="http://x/1")],
        )
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        docs = await f.documents(conn, source)
        queue = await f.queue_rows(conn)
        processed = await conn.fetchval(
            "SELECT documents_processed FROM sync_runs WHERE id = $1", run
        )
    doc = docs["doc-1"]
    assert doc["title"] == "Fox"
    assert doc["content"] == "The quick brown fox jumps over the lazy dog."
    assert doc["attributes"] == {"lang": "en"}
    assert doc["permissions"] == f.PUBLIC
    assert doc["url"] == "http://x/1"
    assert doc["last_seq"] == seq
    assert doc["indexed"]
    assert queue == {}  # retention 0: completed rows are removed in the completing transaction
    assert processed == 1


async def test_completed_rows_are_kept_when_retention_is_configured(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "text")
        [seq] = await f.enqueue(conn, source, run, [f.created("d", blob, title="T")])
    await drain(db_pool, db_url, completed_retention_seconds=3600)
    async with db_pool.acquire() as conn:
        queue = await f.queue_rows(conn)
    assert queue[seq]["status"] == "completed"


async def test_update_without_permissions_or_attributes_keeps_stored_ones(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    perms = {"public": False, "users": ["a@x.org"], "groups": ["team@x.org"]}
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        one = await f.add_blob(conn, "first text")
        two = await f.add_blob(conn, "second text")
        await f.enqueue(
            conn,
            source,
            run,
            [f.created("d", one, title="T1", permissions=perms, attributes={"k": 1})],
        )
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        await f.enqueue(conn, source, run, [f.updated("d", two)])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        doc = (await f.documents(conn, source))["d"]
    assert doc["permissions"] == perms
    assert doc["attributes"] == {"k": 1}
    assert doc["title"] == "T1"  # an absent title keeps the stored one
    assert doc["content"] == "second text"


async def test_several_events_of_one_document_in_one_batch_equal_seq_order(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    perms = {"public": False, "users": ["u@x.org"], "groups": []}
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        a, b, c = [await f.add_blob(conn, t) for t in ("alpha", "beta", "gamma")]
        seqs = await f.enqueue(
            conn,
            source,
            run,
            [
                f.created("d", a, title="A", permissions=perms),
                f.updated("d", b),  # keeps A's title and permissions
                f.updated("d", c, attributes={"v": 3}),
            ],
        )
    worker = await drain(db_pool, db_url)
    assert worker.stats.batches == 1  # one key with three events does not take three claims
    async with db_pool.acquire() as conn:
        doc = (await f.documents(conn, source))["d"]
    assert (doc["title"], doc["content"], doc["permissions"]) == ("A", "gamma", perms)
    assert doc["attributes"] == {"v": 3}
    assert doc["last_seq"] == seqs[-1]


async def test_delete_then_late_create_does_not_resurrect(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "text")
        [create_seq, delete_seq] = await f.enqueue(
            conn, source, run, [f.created("d", blob, title="T"), f.deleted("d")]
        )
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        # The same create delivered again (at-least-once) after the delete: a lower seq.
        await conn.execute(
            "INSERT INTO event_queue (seq, source_id, sync_run_id, event_type, entity_kind,"
            " entity_key, payload) OVERRIDING SYSTEM VALUE"
            " SELECT $1, $2, $3, 'document_created', 'document', 'd', $4::json",
            create_seq,
            source,
            run,
            {**f.created("d", blob), "source_id": source, "sync_run_id": run},
        )
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        docs = await f.documents(conn, source)
        tomb = await conn.fetchval(
            "SELECT last_seq FROM document_tombstones WHERE source_id = $1 AND external_id = 'd'",
            source,
        )
    assert docs == {}
    assert tomb == delete_seq


async def test_create_after_delete_with_higher_seq_removes_tombstone(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "text")
        await f.enqueue(conn, source, run, [f.deleted("d")])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        await f.enqueue(conn, source, run, [f.created("d", blob, title="Back")])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        docs = await f.documents(conn, source)
        tombs = await conn.fetchval("SELECT count(*) FROM document_tombstones")
    assert docs["d"]["title"] == "Back"
    assert tombs == 0


async def test_unchanged_content_is_not_reanalysed(db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "stable text about rivers")
        await f.enqueue(conn, source, run, [f.created("d", blob, title="Rivers")])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        # Tamper with tsv: if the upsert re-analysed unchanged text, the marker would vanish.
        await conn.execute("UPDATE documents SET tsv = to_tsvector('simple', 'marker')")
        await f.enqueue(conn, source, run, [f.updated("d", blob, title="Rivers")])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        kept = await conn.fetchval("SELECT tsv @@ to_tsquery('simple', 'marker') FROM documents")
        await f.enqueue(conn, source, run, [f.updated("d", blob, title="Lakes")])
    assert kept
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        redone = await conn.fetchval("SELECT tsv @@ to_tsquery('english', 'lake') FROM documents")
    assert redone


async def test_group_membership_replaced_lowercased_and_deduplicated(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        await f.enqueue(
            conn,
            source,
            run,
            [f.group_sync("Team@X.org", ["A@x.org", "a@X.org", "b@x.org"], name="Team")],
        )
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        await f.enqueue(conn, source, run, [f.group_sync("team@x.org", ["C@x.org", "b@x.org"])])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        members = await conn.fetch(
            "SELECT member_email FROM group_memberships WHERE source_id = $1 AND"
            " group_email = 'team@x.org' ORDER BY 1",
            source,
        )
        name = await conn.fetchval("SELECT name FROM groups WHERE source_id = $1", source)
    assert [m["member_email"] for m in members] == ["b@x.org", "c@x.org"]
    assert name == "Team"  # a null group_name keeps the stored name


async def test_documents_processed_counts_and_activity_only_while_running(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        running = await f.add_run(conn, source, sync_type="incremental")
        done = await f.add_run(conn, source, sync_type="full", status="completed")
        blob = await f.add_blob(conn, "x")
        await f.enqueue(conn, source, running, [f.created("a", blob), f.created("b", blob)])
        await f.enqueue(conn, source, done, [f.deleted("c"), f.group_sync("g@x.org", [])])
    await drain(db_pool, db_url)
    async with db_pool.acquire() as conn:
        rows = {
            r["id"]: r
            for r in await conn.fetch(
                "SELECT id, documents_processed, last_activity_at FROM sync_runs"
            )
        }
    assert rows[running]["documents_processed"] == 2
    assert rows[running]["last_activity_at"] is not None
    assert rows[done]["documents_processed"] == 1
    assert rows[done]["last_activity_at"] is None
