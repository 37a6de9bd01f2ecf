"""The two SDK reads the Omni TypeScript SDK uses (issue 19 item 15, protocol §4.7, §11.36a).

``GET /sdk/source/{id}/user-email`` answers a source's ``owner_email`` (set through the admin
API); ``GET /sdk/connector-configs/{provider}`` answers the configuration an admin stored for a
provider, encrypted at rest and never shown back through the admin API.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import ADMIN, SDK, register_connector, source_body


async def _create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    resp = await client.post("/api/sources", json=source_body(**overrides), headers=ADMIN)
    assert resp.status == 201, await resp.text()
    created: dict[str, Any] = await resp.json()
    return created


async def test_user_email_is_the_owner_email_of_the_source(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool)
    owned = await _create(client, owner_email="ada@example.com")
    assert owned["owner_email"] == "ada@example.com"
    resp = await client.get(f"/sdk/source/{owned['id']}/user-email", headers=SDK)
    assert resp.status == 200
    assert await resp.json() == {"email": "ada@example.com"}

    unowned = await _create(client)
    assert unowned["owner_email"] is None
    resp = await client.get(f"/sdk/source/{unowned['id']}/user-email", headers=SDK)
    assert resp.status == 404
    assert await resp.json() == {"error": f"source {unowned['id']} has no owner email"}

    # Set, changed and removed through PATCH.
    path = f"/api/sources/{unowned['id']}"
    resp = await client.patch(path, json={"owner_email": "grace@example.com"}, headers=ADMIN)
    assert (await resp.json())["owner_email"] == "grace@example.com"
    resp = await client.get(f"/sdk/source/{unowned['id']}/user-email", headers=SDK)
    assert await resp.json() == {"email": "grace@example.com"}
    resp = await client.patch(path, json={"name": "renamed"}, headers=ADMIN)
    assert (await resp.json())["owner_email"] == "grace@example.com"
    resp = await client.patch(path, json={"owner_email": None}, headers=ADMIN)
    assert (await resp.json())["owner_email"] is None
    assert (await client.get(f"/sdk/source/{unowned['id']}/user-email", headers=SDK)).status == 404

    resp = await client.get("/sdk/source/nope/user-email", headers=SDK)
    assert resp.status == 404
    assert await resp.json() == {"error": "source nope not found"}
    resp = await client.post(
        "/api/sources", json=source_body(owner_email="not an email"), headers=ADMIN
    )
    assert resp.status == 422


async def test_connector_configs_are_stored_encrypted_and_served_to_connectors(
    client: TestClient, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    config = {"client_id": "app-123", "client_secret": "very-secret-value"}
    resp = await client.get("/sdk/connector-configs/google", headers=SDK)
    assert resp.status == 404
    assert await resp.json() == {"error": "no connector config for provider google"}

    resp = await client.put("/api/connector-configs/google", json=config, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    view = await resp.json()
    # The admin API says what is stored, never the values (as for credentials).
    assert view == {
        "provider": "google",
        "keys": ["client_id", "client_secret"],
        "created_at": "2026-03-04T05:06:07.123456Z",
        "updated_at": "2026-03-04T05:06:07.123456Z",
    }
    assert "very-secret-value" not in await resp.text()
    resp = await client.get("/api/connector-configs/google", headers=ADMIN)
    assert await resp.json() == view
    assert await (await client.get("/api/connector-configs", headers=ADMIN)).json() == [view]

    resp = await client.get("/sdk/connector-configs/google", headers=SDK)
    assert resp.status == 200
    assert await resp.json() == config
    stored = await db_pool.fetchval("SELECT config_encrypted FROM connector_configs")
    assert b"very-secret-value" not in bytes(stored)
    assert b"app-123" not in bytes(stored)

    clock.advance(5)
    replaced = {"client_id": "app-456"}
    resp = await client.put("/api/connector-configs/google", json=replaced, headers=ADMIN)
    assert (await resp.json())["keys"] == ["client_id"]
    assert (await resp.json())["created_at"] == view["created_at"]
    assert (await resp.json())["updated_at"] != view["updated_at"]
    assert await (await client.get("/sdk/connector-configs/google", headers=SDK)).json() == replaced

    resp = await client.delete("/api/connector-configs/google", headers=ADMIN)
    assert resp.status == 200
    assert await resp.json() == {"status": "deleted", "provider": "google"}
    assert (await client.get("/sdk/connector-configs/google", headers=SDK)).status == 404
    assert (await client.get("/api/connector-configs/google", headers=ADMIN)).status == 404
    assert (await client.delete("/api/connector-configs/google", headers=ADMIN)).status == 404


async def test_connector_config_bodies_are_checked(client: TestClient) -> None:
    resp = await client.put("/api/connector-configs/google", json=["a"], headers=ADMIN)
    assert resp.status == 422
    resp = await client.put("/api/connector-configs/Not%20A%20Slug", json={}, headers=ADMIN)
    assert resp.status == 400
    resp = await client.put("/api/connector-configs/google", json={"a": "\u0000"}, headers=ADMIN)
    assert resp.status == 422
    resp = await client.put("/api/connector-configs/google", json={"a": 1}, headers=SDK)
    assert resp.status == 401
