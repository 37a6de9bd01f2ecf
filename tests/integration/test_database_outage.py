"""Outages answered as outages (issue 19 item 8, protocol §1.3): while Postgres is unreachable every
route answers 503 with ``Retry-After`` and the error envelope, ``/health`` says the database is
down, and the manager serves again as soon as Postgres is back.

A throwaway Postgres of its own is stopped here: the session's server is shared by every test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sluice_sql.embedded import EmbeddedPostgres, database_url, ensure_database
from sluice_sql.migrate import migrate_url
from sluice_sql.pool import create_pool
from tests.integration.admin.factories import (
    ADMIN,
    SDK,
    insert_run,
    make_app,
    register_connector,
    source_body,
)
from tests.support.http import free_port

RETRY_AFTER = 7


async def _assert_unavailable(client: TestClient, source_id: str, run_id: str) -> None:
    event = {"type": "document_deleted", "sync_run_id": run_id, "source_id": source_id}
    batch = {"sync_run_id": run_id, "source_id": source_id, "events": [event]}
    calls: list[tuple[str, str, object, dict[str, str]]] = [
        ("GET", "/api/sources", None, ADMIN),
        ("GET", f"/api/sources/{source_id}", None, ADMIN),
        ("POST", "/api/sources", source_body(), ADMIN),
        ("GET", "/api/sync-runs", None, ADMIN),
        ("GET", "/api/search?q=handbook", None, ADMIN),
        ("GET", "/api/queue", None, ADMIN),
        ("GET", f"/sdk/source/{source_id}", None, SDK),
        ("GET", f"/sdk/source/{source_id}/sync-config", None, SDK),
        ("GET", "/sdk/sources/by-type/widgets", None, SDK),
        ("PUT", f"/sdk/source/{source_id}/connector-state", {"page": 2}, SDK),
        ("POST", f"/sdk/sync/{run_id}/heartbeat", None, SDK),
        ("PUT", f"/sdk/sync/{run_id}/checkpoint", {"page": 2}, SDK),
        ("POST", "/sdk/events/batch", {**batch, "events": [{**event, "document_id": "d"}]}, SDK),
    ]
    for method, path, body, headers in calls:
        resp = await client.request(method, path, json=body, headers=headers)
        assert resp.status == 503, (path, resp.status, await resp.text())
        assert resp.headers["Retry-After"] == str(RETRY_AFTER), path
        assert resp.content_type == "application/json"
        assert await resp.json() == {"error": "database unavailable"}, path
    health = await client.get("/health")
    assert health.status == 503
    assert await health.json() == {"status": "degraded", "database": "unreachable"}


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "pg", unsafe_fast=True)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def test_a_stopped_postgres_is_answered_503_until_it_is_back(
    own_postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    server_url = own_postgres.url()
    await ensure_database(server_url, "sluice")
    url = database_url(server_url, "sluice")
    await migrate_url(url)
    pool = await create_pool(url, min_size=1, max_size=4)
    try:
        app = make_app(pool, database_retry_after_seconds=RETRY_AFTER)
        async with TestClient(TestServer(app)) as client:
            await register_connector(pool)
            resp = await client.post("/api/sources", json=source_body(), headers=ADMIN)
            assert resp.status == 201
            source_id = (await resp.json())["id"]
            run_id = await insert_run(pool, source_id)

            await asyncio.to_thread(own_postgres.stop)  # fast shutdown: sessions are cut
            await _assert_unavailable(client, source_id, run_id)

            # Back on the same port: the pool reconnects and every route answers again.
            again = EmbeddedPostgres(tmp_path / "pg", port=own_postgres.port, unsafe_fast=True)
            await asyncio.to_thread(again.start)
            own_postgres.started_here = True  # the fixture stops it
            resp = await client.get("/api/sources", headers=ADMIN)
            assert resp.status == 200
            assert [s["id"] for s in await resp.json()] == [source_id]
            assert (await client.get("/health")).status == 200
    finally:
        await pool.close()


async def test_a_database_never_reached_is_answered_503() -> None:
    """A pool whose every connection attempt is refused (nothing listens on the port)."""
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/sluice"
    pool = await asyncpg.create_pool(closed, min_size=0, max_size=2)
    try:
        app = make_app(pool, database_retry_after_seconds=RETRY_AFTER)
        async with TestClient(TestServer(app)) as client:
            for path, headers in (("/api/sources", ADMIN), ("/sdk/source/s1", SDK)):
                resp = await client.get(path, headers=headers)
                assert resp.status == 503, await resp.text()
                assert resp.headers["Retry-After"] == str(RETRY_AFTER)
                assert await resp.json() == {"error": "database unavailable"}
            assert (await client.get("/health")).status == 503
    finally:
        await pool.close()
