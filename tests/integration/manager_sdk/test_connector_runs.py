"""Connector-opened runs, connector cancel, webhook notify (protocol §4.8-4.10; §11.35-36)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import AUTH, make_settings
from tests.integration.manager_sdk.factories import T0, insert_run, insert_source

Client = TestClient[web.Request, web.Application]


async def _runs(pool: asyncpg.Pool, source_id: str) -> list[asyncpg.Record]:
    return list(
        await pool.fetch("SELECT * FROM sync_runs WHERE source_id = $1 ORDER BY id", source_id)
    )


@pytest.mark.parametrize("sync_type", ["full", "incremental", "realtime"])
async def test_create_opens_a_connector_run(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock, sync_type: str
) -> None:
    source_id = await insert_source(db_pool)
    clock.advance(30)
    body = {"source_id": source_id, "sync_type": sync_type}
    resp = await client.post("/sdk/sync/create", json=body, headers=AUTH)
    assert resp.status == 200
    reply = await resp.json()
    assert set(reply) == {"sync_run_id"}
    (run,) = await _runs(db_pool, source_id)
    assert run["id"] == reply["sync_run_id"]
    # The type exactly as given, no upgrade; no connector is needed or called (§4.8).
    assert (run["sync_type"], run["trigger_type"], run["status"]) == (
        sync_type,
        "connector",
        "running",
    )
    assert run["created_at"] == clock.now()


async def test_create_errors(client: Client, db_pool: asyncpg.Pool) -> None:
    async def create(source_id: str, sync_type: str = "incremental") -> int:
        body = {"source_id": source_id, "sync_type": sync_type}
        return (await client.post("/sdk/sync/create", json=body, headers=AUTH)).status

    assert await create("missing") == 404
    assert await create(await insert_source(db_pool, is_deleted=True)) == 404
    assert await create(await insert_source(db_pool, is_active=False)) == 400
    busy = await insert_source(db_pool)
    await insert_run(db_pool, busy, sync_type="full")
    assert await create(busy) == 409
    assert await create(busy, "realtime") == 200  # the other slot is free
    assert await create(busy, "sometimes") == 422
    resp = await client.post("/sdk/sync/create", json={"source_id": busy})
    assert resp.status == 401


async def test_create_respects_global_cap(db_pool: asyncpg.Pool) -> None:
    settings = make_settings(max_concurrent_syncs=1)
    app = create_app(settings, db_pool, clock=FrozenClock(T0), run_leader_work=False)
    first, second = await insert_source(db_pool), await insert_source(db_pool)
    async with TestClient(TestServer(app)) as client:
        for source_id, status in ((first, 200), (second, 409)):
            body = {"source_id": source_id, "sync_type": "full"}
            resp = await client.post("/sdk/sync/create", json=body, headers=AUTH)
            assert resp.status == status
    assert await _runs(db_pool, second) == []


async def test_cancel(client: Client, db_pool: asyncpg.Pool, clock: FrozenClock) -> None:
    source_id = await insert_source(db_pool)
    running = await insert_run(db_pool, source_id)
    done = await insert_run(db_pool, source_id, status="completed", sync_type="realtime")
    clock.advance(9)
    for run_id in (running, done, "unknown"):
        resp = await client.post("/sdk/sync/cancel", json={"sync_run_id": run_id}, headers=AUTH)
        assert resp.status == 200
        assert await resp.json() == {"success": True}
    rows = {r["id"]: r for r in await _runs(db_pool, source_id)}
    assert (rows[running]["status"], rows[running]["error_message"]) == (
        "cancelled",
        "Cancelled by connector",
    )
    assert rows[running]["completed_at"] == clock.now()
    assert (rows[done]["status"], rows[done]["error_message"]) == ("completed", None)
    assert (await client.post("/sdk/sync/cancel", json={}, headers=AUTH)).status == 422


class SyncingConnector:
    """A connector that answers health checks and accepts dispatches."""

    def __init__(self) -> None:
        self.syncs: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_get("/health", self._health)
        self.app.router.add_post("/sync", self._sync)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "healthy"})

    async def _sync(self, request: web.Request) -> web.Response:
        self.syncs.append(await request.json())
        return web.json_response({"status": "started", "message": None})


@pytest.fixture
async def syncing(client: Client) -> AsyncIterator[SyncingConnector]:
    fake = SyncingConnector()
    async with TestServer(fake.app) as server:
        manifest = {
            "name": "hooks",
            "version": "1",
            "sync_modes": ["full", "incremental"],
            "connector_id": "hooks",
            "connector_url": str(server.make_url("")).rstrip("/"),
            "source_types": ["test_type"],
        }
        assert (await client.post("/sdk/register", json=manifest, headers=AUTH)).status == 200
        yield fake


async def test_webhook_notify_triggers_a_run(
    client: Client, db_pool: asyncpg.Pool, syncing: SyncingConnector
) -> None:
    source_id = await insert_source(db_pool)
    body = {"source_id": source_id, "event_type": "push"}
    resp = await client.post("/sdk/webhook/notify", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    run_id = (await resp.json())["sync_run_id"]
    (run,) = await _runs(db_pool, source_id)
    assert run["id"] == run_id
    # No completed run yet, so incremental is upgraded to full (§6.4).
    assert (run["trigger_type"], run["sync_type"]) == ("webhook", "full")
    assert [s["sync_run_id"] for s in syncing.syncs] == [run_id]
    # A scheduled-slot run is now running: 409 (§11.35).
    resp = await client.post("/sdk/webhook/notify", json=body, headers=AUTH)
    assert resp.status == 409
    assert set(await resp.json()) == {"error"}


async def test_webhook_notify_errors(
    client: Client, db_pool: asyncpg.Pool, syncing: SyncingConnector, clock: FrozenClock
) -> None:
    async def notify(source_id: str) -> int:
        body = {"source_id": source_id}
        return (await client.post("/sdk/webhook/notify", json=body, headers=AUTH)).status

    assert await notify("missing") == 404
    assert await notify(await insert_source(db_pool, is_deleted=True)) == 404
    assert await notify(await insert_source(db_pool, is_active=False)) == 400
    assert await notify(await insert_source(db_pool, source_type="nobody_serves_this")) == 404
    assert (await client.post("/sdk/webhook/notify", json={}, headers=AUTH)).status == 422
    clock.advance(91)  # the connector went offline
    assert await notify(await insert_source(db_pool)) == 404
    assert syncing.syncs == []
    assert await db_pool.fetchval("SELECT count(*) FROM sync_runs") == 0
