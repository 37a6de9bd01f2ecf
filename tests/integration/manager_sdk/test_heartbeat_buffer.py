"""Re-registrations answered from memory, written once per flush (registry.heartbeats)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.registry import REGISTRY, repository
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import AUTH, HealthyConnector, make_settings
from tests.integration.manager_sdk.test_register import manifest

Client = TestClient[web.Request, web.Application]


async def heartbeat_at(db_pool: asyncpg.Pool, connector_id: str = "fake-connector") -> Any:
    return await db_pool.fetchval(
        "SELECT last_heartbeat_at FROM connectors WHERE connector_id = $1", connector_id
    )


async def test_heartbeats_wait_for_the_flush_and_land_in_one_statement(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    registered = clock.now()
    clock.advance(30)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    clock.advance(1)
    resp = await client.post("/sdk/register", json=body, headers=AUTH)
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}
    buffer = client.app[REGISTRY].heartbeats
    assert buffer.pending == 1
    assert await heartbeat_at(db_pool) == registered
    assert await buffer.flush(db_pool) == 1
    assert await heartbeat_at(db_pool) == clock.now()
    assert buffer.pending == 0
    assert len(connector.health_calls) == 1


async def test_flush_never_overwrites_a_newer_registration_from_elsewhere(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    clock.advance(10)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    # Another replica stores a new manifest for the same connector before this one flushes.
    moved = repository.Registration(
        connector_id="fake-connector",
        connector_url="http://elsewhere.invalid",
        manifest={"name": "fake"},
        source_types=["moved_type"],
        sync_modes=["full"],
        manifest_sha256="digest-of-another-body",
    )
    await repository.upsert(db_pool, moved, clock.now() + timedelta(seconds=1))
    buffer = client.app[REGISTRY].heartbeats
    assert await buffer.flush(db_pool) == 0
    record = await repository.get_connector(db_pool, "fake-connector")
    assert record is not None
    assert record.connector_url == "http://elsewhere.invalid"
    # Forgotten: the next heartbeat of the old body is a full registration again, and wins.
    assert len(buffer) == 0
    clock.advance(10)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    assert buffer.pending == 0
    record = await repository.get_connector(db_pool, "fake-connector")
    assert record is not None
    assert record.connector_url == connector.url
    assert len(connector.health_calls) == 2


async def test_memory_stops_answering_once_the_last_confirmed_heartbeat_expired(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    clock.advance(60)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    # Nothing flushed for 90 s (say the database was unreachable): the table says offline, so
    # the heartbeat goes to the database, which decides — here a full registration.
    clock.advance(30)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    assert len(connector.health_calls) == 2
    assert await heartbeat_at(db_pool) == clock.now()


async def test_a_failed_flush_keeps_its_heartbeats(
    client: Client,
    connector: HealthyConnector,
    db_pool: asyncpg.Pool,
    db_url: str,
    clock: FrozenClock,
) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    clock.advance(5)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    buffer = client.app[REGISTRY].heartbeats
    closed = await asyncpg.connect(db_url)
    await closed.close()
    try:
        await buffer.flush(closed)
    except asyncpg.InterfaceError:
        pass
    else:
        raise AssertionError("a flush over a closed connection must fail")
    assert buffer.pending == 1
    assert await buffer.flush(db_pool) == 1
    assert await heartbeat_at(db_pool) == clock.now()


@contextlib.asynccontextmanager
async def registered_then_heartbeat(
    db_pool: asyncpg.Pool, connector: HealthyConnector, clock: FrozenClock, interval: float
) -> AsyncIterator[web.Application]:
    """An app flushing every ``interval`` s: one registration, then a heartbeat 30 s later."""
    settings = make_settings(registry_flush_interval_seconds=interval)
    app = create_app(settings, db_pool, clock=clock, run_leader_work=False)
    body = manifest(connector.url)
    async with TestClient(TestServer(app)) as client:
        assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
        clock.advance(30)
        assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
        yield app


async def test_pending_heartbeats_are_written_at_shutdown(
    db_pool: asyncpg.Pool, connector: HealthyConnector, clock: FrozenClock
) -> None:
    # A long interval: only the shutdown flush can write the second heartbeat.
    async with registered_then_heartbeat(db_pool, connector, clock, 3600) as app:
        assert app[REGISTRY].heartbeats.pending == 1
    assert await heartbeat_at(db_pool) == clock.now()


async def test_the_flusher_writes_within_its_interval(
    db_pool: asyncpg.Pool, connector: HealthyConnector, clock: FrozenClock
) -> None:
    async with registered_then_heartbeat(db_pool, connector, clock, 0.05) as app:
        for _ in range(200):
            if await heartbeat_at(db_pool) == clock.now():
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the flusher never wrote the heartbeat")
        assert app[REGISTRY].heartbeats.pending == 0


async def test_interval_zero_writes_every_heartbeat_at_once(
    db_pool: asyncpg.Pool, connector: HealthyConnector, clock: FrozenClock
) -> None:
    async with registered_then_heartbeat(db_pool, connector, clock, 0) as app:
        assert app[REGISTRY].heartbeats.pending == 0
        assert await heartbeat_at(db_pool) == clock.now()
