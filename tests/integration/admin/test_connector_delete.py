"""``DELETE /api/connectors/{id}`` (issue 19 item 10): stale registrations can go.

An offline connector's row is removed; an online one is refused with 409, since it would only
come back on its next heartbeat and its runs are being watched.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import ADMIN, SDK, START, FakeConnector, register_connector


async def _listed(client: TestClient) -> set[str]:
    body = await (await client.get("/api/connectors", headers=ADMIN)).json()
    return {c["connector_id"] for c in body}


async def test_an_offline_connector_is_deleted_an_online_one_refused(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool, connector_id="fresh", heartbeat_at=START)
    await register_connector(
        db_pool, connector_id="stale", heartbeat_at=START - timedelta(seconds=90)
    )

    resp = await client.delete("/api/connectors/stale", headers=ADMIN)
    assert resp.status == 200
    assert await resp.json() == {"status": "deleted", "connector_id": "stale"}
    assert await _listed(client) == {"fresh"}

    resp = await client.delete("/api/connectors/fresh", headers=ADMIN)
    assert resp.status == 409
    assert "online" in (await resp.json())["error"]
    assert await _listed(client) == {"fresh"}

    resp = await client.delete("/api/connectors/stale", headers=ADMIN)
    assert resp.status == 404
    assert await resp.json() == {"error": "connector stale not found"}
    assert (await client.delete("/api/connectors/fresh", headers=SDK)).status == 401


async def test_a_deleted_connector_registers_again(
    client: TestClient,
    db_pool: asyncpg.Pool,
    clock: FrozenClock,
    fake_connector: tuple[FakeConnector, str],
) -> None:
    _, url = fake_connector
    manifest = {
        "name": "back",
        "version": "1.0.0",
        "sync_modes": ["full"],
        "connector_id": "back",
        "connector_url": url,
        "source_types": ["widgets"],
    }
    assert (await client.post("/sdk/register", json=manifest, headers=SDK)).status == 200
    clock.advance(90)
    assert (await client.delete("/api/connectors/back", headers=ADMIN)).status == 200
    assert await _listed(client) == set()
    # The same body again: not answered from this replica's memory, registered anew.
    assert (await client.post("/sdk/register", json=manifest, headers=SDK)).status == 200
    assert await _listed(client) == {"back"}
