"""Re-syncs of unchanged content (migration 0013, protocol §10.2, §10.7): the real manager app
leaves out of the queue a document event that would not change its document, the real indexer
applies the rest, and full-sync pruning still sees every document the run emitted.

"Not re-indexed" is read off the row itself: a row that no statement rewrote keeps its ``xmin``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_indexer.retention import retention_pass
from sluice_indexer.worker import Worker
from sluice_manager.app import create_app
from tests.integration.indexer import factories as f
from tests.integration.manager_sdk.conftest import AUTH, make_settings

Client = TestClient[web.Request, web.Application]
PRIVATE = {"public": False, "users": ["ann@example.org"], "groups": []}


@pytest.fixture
async def manager(db_pool: asyncpg.Pool) -> AsyncIterator[Client]:
    app = create_app(make_settings(), db_pool, run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def pruning_connector(manager: Client) -> AsyncIterator[None]:
    """An online connector for source type ``test`` that declares full_sync_enumerates_all, so
    completing a full run requests the sweep (§10.7.2)."""
    app = web.Application()

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "healthy", "service": "resync"})

    app.router.add_get("/health", health)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    manifest = {
        "name": "resync",
        "version": "1.0.0",
        "connector_id": "resync",
        "connector_url": str(server.make_url("")).rstrip("/"),
        "source_types": ["test"],
        "sync_modes": ["full", "incremental"],
        "full_sync_enumerates_all": True,
    }
    resp = await manager.post("/sdk/register", json=manifest, headers=AUTH)
    assert resp.status == 200, await resp.text()
    try:
        yield
    finally:
        await server.close()


@pytest.fixture
def worker(db_pool: asyncpg.Pool, db_url: str) -> Worker:
    return Worker(db_pool, f.settings(db_url))


async def _emit(
    manager: Client, source: str, run: str, events: Sequence[Mapping[str, Any]]
) -> None:
    body = {
        "sync_run_id": run,
        "source_id": source,
        "events": [{**e, "sync_run_id": run, "source_id": source} for e in events],
    }
    resp = await manager.post("/sdk/events/batch", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()


async def _sync(
    manager: Client,
    conn: asyncpg.Connection,
    source: str,
    batches: Sequence[Sequence[Mapping[str, Any]]],
    *,
    sync_type: str = "full",
) -> str:
    """A run as a connector makes it: created, its batches emitted, completed."""
    run = await f.add_run(conn, source, sync_type=sync_type)
    for events in batches:
        await _emit(manager, source, run, events)
    resp = await manager.post(f"/sdk/sync/{run}/complete", json={}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    return run


async def _rows(conn: asyncpg.Connection, source: str) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT external_id, xmin::text AS xmin, last_seq, last_sync_run_id, title, content,"
        " permissions, attributes FROM documents WHERE source_id = $1",
        source,
    )
    return {r["external_id"]: dict(r) for r in rows}


async def _queued_documents(conn: asyncpg.Connection, run: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT entity_key FROM event_queue WHERE sync_run_id = $1 AND entity_kind = 'document'"
        " ORDER BY seq",
        run,
    )
    return [r["entity_key"] for r in rows]


async def _counts(conn: asyncpg.Connection, run: str) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT documents_emitted, documents_processed FROM sync_runs WHERE id = $1", run
    )
    assert row is not None
    return row["documents_emitted"], row["documents_processed"]


async def _documents(conn: asyncpg.Connection, names: Sequence[str]) -> list[dict[str, Any]]:
    return [
        f.created(name, await f.add_blob(conn, f"text of {name}"), title=name) for name in names
    ]


async def test_unchanged_documents_are_not_queued_reindexed_or_pruned(
    manager: Client, db_pool: asyncpg.Pool, worker: Worker, pruning_connector: None
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        docs = await _documents(conn, ["a", "b", "c"])
        first = await _sync(manager, conn, source, [docs[:2], docs[2:]])
        await worker.run(burst=True)
        before = await _rows(conn, source)

        second = await _sync(manager, conn, source, [docs[:2], docs[2:]])
        assert await _queued_documents(conn, second) == []
        await worker.run(burst=True)  # the sweep
        after = await _rows(conn, source)
        left = await conn.fetchval("SELECT count(*) FROM unchanged_events")
        sweeps = await conn.fetchval("SELECT count(*) FROM event_queue")
        counts = await _counts(conn, second)

    assert sorted(after) == ["a", "b", "c"]
    assert after == before  # same xmin: no row was rewritten
    assert {r["last_sync_run_id"] for r in after.values()} == {first}
    assert counts == (3, 3)  # left-out events count as emitted and as processed
    assert (left, sweeps) == (0, 0)


@pytest.mark.parametrize(
    "change",
    [
        {"content": "new text of b"},
        {"title": "b, retitled"},
        {"permissions": PRIVATE},
        {"attributes": {"team": "blue"}},
    ],
    ids=["content", "title", "permissions", "attributes"],
)
async def test_a_changed_document_is_reindexed_and_the_others_are_not(
    manager: Client,
    db_pool: asyncpg.Pool,
    worker: Worker,
    pruning_connector: None,
    change: dict[str, Any],
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        docs = await _documents(conn, ["a", "b"])
        await _sync(manager, conn, source, [docs])
        await worker.run(burst=True)
        before = await _rows(conn, source)

        content_id = docs[1]["content_id"]
        if "content" in change:
            content_id = await f.add_blob(conn, change["content"])
        changed = f.created(
            "b",
            content_id,
            title=change.get("title", "b"),
            permissions=change.get("permissions"),
            attributes=change.get("attributes"),
        )
        second = await _sync(manager, conn, source, [[docs[0], changed]])
        assert await _queued_documents(conn, second) == ["b"]
        await worker.run(burst=True)
        after = await _rows(conn, source)
        counts = await _counts(conn, second)

    assert after["a"] == before["a"]
    b = after["b"]
    assert b["xmin"] != before["b"]["xmin"]
    assert b["last_sync_run_id"] == second
    assert b["content"] == change.get("content", "text of b")
    assert b["title"] == change.get("title", "b")
    assert b["permissions"] == change.get("permissions", f.PUBLIC)
    assert b["attributes"] == change.get("attributes", {})
    assert counts == (2, 2)


async def test_a_document_missing_from_the_second_full_sync_is_pruned(
    manager: Client, db_pool: asyncpg.Pool, worker: Worker, pruning_connector: None
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        docs = await _documents(conn, ["a", "b", "c"])
        await _sync(manager, conn, source, [docs])
        await worker.run(burst=True)
        second = await _sync(manager, conn, source, [docs[:1], docs[1:2]])  # no "c"
        assert await _queued_documents(conn, second) == []
        await worker.run(burst=True)
        after = await _rows(conn, source)
        tombstones = await conn.fetch(
            "SELECT external_id FROM document_tombstones WHERE source_id = $1", source
        )
    assert sorted(after) == ["a", "b"]
    assert [t["external_id"] for t in tombstones] == ["c"]


async def test_an_incremental_sync_is_unaffected(
    manager: Client, db_pool: asyncpg.Pool, db_url: str, worker: Worker, pruning_connector: None
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        docs = await _documents(conn, ["a", "b", "c"])
        await _sync(manager, conn, source, [docs])
        await worker.run(burst=True)
        before = await _rows(conn, source)
        changed = f.created("b", docs[1]["content_id"], title="b, retitled")
        incremental = await _sync(
            manager, conn, source, [[docs[0], changed]], sync_type="incremental"
        )
        assert await _queued_documents(conn, incremental) == ["b"]
        await worker.run(burst=True)
        after = await _rows(conn, source)
        recorded = await conn.fetchval("SELECT count(*) FROM unchanged_events")

    assert sorted(after) == ["a", "b", "c"]  # no sweep after an incremental run
    assert after["a"] == before["a"]
    assert after["c"] == before["c"]
    assert after["b"]["title"] == "b, retitled"
    # What was left out is kept only while a sweep could count it: none can after this run.
    assert recorded == 1
    settings = f.settings(db_url)
    done = await retention_pass(db_pool, settings, datetime.now(UTC) + timedelta(seconds=1))
    assert done["unchanged_events"] == 1


async def test_a_deletion_still_deletes_and_the_document_can_come_back(
    manager: Client, db_pool: asyncpg.Pool, worker: Worker, pruning_connector: None
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        docs = await _documents(conn, ["a", "b"])
        await _sync(manager, conn, source, [docs])
        await worker.run(burst=True)
        await _sync(manager, conn, source, [[docs[0], f.deleted("b")]], sync_type="incremental")
        await worker.run(burst=True)
        assert sorted(await _rows(conn, source)) == ["a"]

        third = await _sync(manager, conn, source, [docs])  # "b" again, as it was
        assert await _queued_documents(conn, third) == ["b"]
        await worker.run(burst=True)
        assert sorted(await _rows(conn, source)) == ["a", "b"]


async def test_an_event_behind_a_queued_change_is_queued(
    manager: Client, db_pool: asyncpg.Pool, worker: Worker
) -> None:
    """The stored digest is the last applied event's: while a change of the document waits in
    the queue, an event equal to the stored state must still be queued, or the change would win."""
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        [doc] = await _documents(conn, ["a"])
        await _sync(manager, conn, source, [[doc]])
        await worker.run(burst=True)
        run = await f.add_run(conn, source)
        await _emit(manager, source, run, [f.created("a", doc["content_id"], title="changed")])
        await _emit(manager, source, run, [doc])  # back to the stored state before indexing
        queued = await _queued_documents(conn, run)
        await worker.run(burst=True)
        after = await _rows(conn, source)
    assert queued == ["a", "a"]
    assert after["a"]["title"] == "a"


async def test_an_event_behind_a_change_in_its_own_batch_is_queued(
    manager: Client, db_pool: asyncpg.Pool, worker: Worker
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        [doc] = await _documents(conn, ["a"])
        await _sync(manager, conn, source, [[doc]])
        await worker.run(burst=True)
        run = await f.add_run(conn, source)
        await _emit(manager, source, run, [f.created("a", doc["content_id"], title="x"), doc])
        queued = await _queued_documents(conn, run)
        await worker.run(burst=True)
        after = await _rows(conn, source)
    assert queued == ["a", "a"]
    assert after["a"]["title"] == "a"


async def test_a_document_emitted_again_while_its_sweep_waits_is_queued_and_kept(
    manager: Client, db_pool: asyncpg.Pool, worker: Worker, pruning_connector: None
) -> None:
    """A sweep deletes what was not touched since its start_seq. Nothing is left out while a sweep
    of the source waits (its statement could miss what was left out), so the document comes
    back through the queue, after the sweep or above its mark."""
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        docs = await _documents(conn, ["a", "b"])
        await _sync(manager, conn, source, [docs])
        await worker.run(burst=True)
        await _sync(manager, conn, source, [docs[:1]])  # "b" gone: its sweep now waits
        later = await f.add_run(conn, source, sync_type="realtime")
        await _emit(manager, source, later, docs[1:])  # "b" is back, unchanged
        queued = await _queued_documents(conn, later)
        await worker.run(burst=True)
        after = await _rows(conn, source)
    assert queued == ["b"]
    assert sorted(after) == ["a", "b"]
