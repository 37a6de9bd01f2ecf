"""``POST /sdk/content`` (protocol §4.4, §5.4, §5.5; checklist §11.26)."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.queue.blobs import store_text_blob
from sluice_manager.queue.text import TRUNCATION_MARKER
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import AUTH, make_settings
from tests.integration.manager_sdk.factories import T0, insert_run, insert_source

Client = TestClient[web.Request, web.Application]


async def _blob(pool: asyncpg.Pool, content_id: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM content_blobs WHERE id = $1", content_id)
    assert row is not None
    return row


async def test_content_is_normalised_and_stored(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    body = {
        "sync_run_id": "any-run",
        "content": "\ufeff  Hello\u00a0\u00a0 world \r\n\r\n\r\n\tsecond\u200b line\x07  ",
        "content_type": "text/html",
    }
    resp = await client.post("/sdk/content", json=body, headers=AUTH)
    assert resp.status == 200
    reply = await resp.json()
    assert set(reply) == {"content_id"}
    blob = await _blob(db_pool, reply["content_id"])
    text = "Hello world\n\nsecond line"
    assert blob["content"] == text
    assert blob["content_type"] == "text/plain"  # the request's content_type is ignored
    assert blob["size_bytes"] == len(text.encode())
    assert blob["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert blob["created_at"] == clock.now()
    assert len(reply["content_id"]) == 26


async def test_same_text_twice_gives_same_id(client: Client, db_pool: asyncpg.Pool) -> None:
    # The Omni Python SDK's save_binary sends base64 text; it is stored as text (§11.26).
    encoded = base64.b64encode(b"\x00\x01binary\xff" * 10).decode()
    ids = []
    for variant in (encoded, f"  {encoded}\n"):  # equal after normalisation
        resp = await client.post(
            "/sdk/content", json={"sync_run_id": "r", "content": variant}, headers=AUTH
        )
        assert resp.status == 200
        ids.append((await resp.json())["content_id"])
    assert ids[0] == ids[1]
    assert (await _blob(db_pool, ids[0]))["content"] == encoded
    assert await db_pool.fetchval("SELECT count(*) FROM content_blobs") == 1


async def test_concurrent_stores_create_one_blob(db_pool: asyncpg.Pool) -> None:
    ids = await asyncio.gather(*(store_text_blob(db_pool, "same text", T0) for _ in range(8)))
    assert len(set(ids)) == 1
    assert await db_pool.fetchval("SELECT count(*) FROM content_blobs") == 1


async def test_truncation_marker_fits_the_limit(db_pool: asyncpg.Pool) -> None:
    settings = make_settings(max_stored_text_bytes=1000)
    app = create_app(settings, db_pool, clock=FrozenClock(), run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        body = {"sync_run_id": "r", "content": "\u00e9t\u00e9 " * 1000}
        resp = await client.post("/sdk/content", json=body, headers=AUTH)
        assert resp.status == 200
        blob = await _blob(db_pool, (await resp.json())["content_id"])
    assert blob["content"].endswith(TRUNCATION_MARKER)
    assert blob["size_bytes"] <= 1000
    assert blob["size_bytes"] == len(blob["content"].encode())


async def test_content_touches_only_a_running_run(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source_id = await insert_source(db_pool)
    running = await insert_run(db_pool, source_id)
    done = await insert_run(db_pool, source_id, status="failed", sync_type="realtime")
    clock.advance(60)
    for run_id in (running, done, "unknown-run"):
        resp = await client.post(
            "/sdk/content", json={"sync_run_id": run_id, "content": "x"}, headers=AUTH
        )
        assert resp.status == 200
    activity = dict(await db_pool.fetch("SELECT id, last_activity_at FROM sync_runs"))
    assert activity == {running: clock.now(), done: T0}


async def test_storing_an_existing_text_writes_nothing_within_a_second_of_the_last_touch(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    """A re-sync uploads texts that are already stored: then nothing at all is written (§4.4)."""
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    body = {"sync_run_id": run_id, "content": "the same text"}

    async def post_and_read_run() -> tuple[str, object]:
        assert (await client.post("/sdk/content", json=body, headers=AUTH)).status == 200
        row = await db_pool.fetchrow(
            "SELECT xmin::text AS xmin, last_activity_at FROM sync_runs WHERE id = $1", run_id
        )
        assert row is not None
        return row["xmin"], row["last_activity_at"]

    clock.advance(60)
    first = await post_and_read_run()
    clock.advance(0.5)
    assert await post_and_read_run() == first  # same row version: no write
    clock.advance(1)
    assert (await post_and_read_run())[1] == clock.now()


async def test_content_errors(client: Client) -> None:
    ok_body = {"sync_run_id": "r", "content": "x"}
    assert (await client.post("/sdk/content", json=ok_body)).status == 401
    for bad in ({"sync_run_id": "", "content": "x"}, {"sync_run_id": "r"}, {"content": "x"}):
        resp = await client.post("/sdk/content", json=bad, headers=AUTH)
        assert resp.status == 422
        assert set(await resp.json()) == {"error"}
    resp = await client.post(
        "/sdk/content", data=b"nope", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert resp.status == 400
    resp = await client.post(
        "/sdk/content", data=b"{}", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert resp.status == 415


async def test_content_body_limit(db_pool: asyncpg.Pool) -> None:
    settings = make_settings(max_bulk_body_bytes=500)
    app = create_app(settings, db_pool, clock=FrozenClock(), run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        body = {"sync_run_id": "r", "content": "x" * 600}
        resp = await client.post("/sdk/content", json=body, headers=AUTH)
        assert resp.status == 413
    assert await db_pool.fetchval("SELECT count(*) FROM content_blobs") == 0
