"""Admin sources: validation against the manifest, credentials encrypted and never returned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import (
    ADMIN,
    SDK,
    SOURCES_ANY_TYPE,
    START,
    register_connector,
    source_body,
)

SECRET = "hunter2-very-secret-value"
CONFIG_SCHEMA = {
    "type": "object",
    "required": ["base_url"],
    "properties": {"base_url": {"type": "string"}, "depth": {"type": "integer"}},
}
CREDENTIALS_SCHEMA = {
    "type": "object",
    "required": ["api_key"],
    "properties": {"api_key": {"type": "string", "minLength": 8}},
}


def _credential(**overrides: Any) -> dict[str, Any]:
    cred: dict[str, Any] = {
        "provider": "widgets",
        "auth_type": "api_key",
        "principal_email": "ops@example.com",
        "credentials": {"api_key": SECRET},
        "config": {"region": "eu"},
        "expires_at": "2027-01-01T00:00:00Z",
    }
    cred.update(overrides)
    return cred


async def _count(pool: asyncpg.Pool, table: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))


async def test_create_read_list_update_delete(client: TestClient, db_pool: asyncpg.Pool) -> None:
    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(config={"x": 1}), headers=ADMIN)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["sync_interval_seconds"] == 3600  # §9.3 default for new sources
    assert created["sync_cron"] is None
    assert created["has_credentials"] is False
    assert created["created_at"] == "2026-03-04T05:06:07.123456Z"
    source_id = created["id"]

    resp = await client.get(f"/api/sources/{source_id}", headers=ADMIN)
    assert (await resp.json())["config"] == {"x": 1}
    listed = await (await client.get("/api/sources", headers=ADMIN)).json()
    assert [s["id"] for s in listed] == [source_id]

    resp = await client.patch(
        f"/api/sources/{source_id}",
        json={"sync_cron": "*/15 * * * *", "is_active": False},
        headers=ADMIN,
    )
    assert resp.status == 200, await resp.text()
    patched = await resp.json()
    # Naming one schedule replaces the other: a source has at most one (§9.3).
    assert (patched["sync_cron"], patched["sync_interval_seconds"]) == ("*/15 * * * *", None)
    assert patched["is_active"] is False
    assert patched["config"] == {"x": 1}

    resp = await client.delete(f"/api/sources/{source_id}", headers=ADMIN)
    assert resp.status == 200
    row = await db_pool.fetchrow(
        "SELECT is_deleted, deleted_at FROM sources WHERE id = $1", source_id
    )
    assert row["is_deleted"] is True
    assert row["deleted_at"] is not None
    gone = {"error": f"source {source_id} not found"}
    for method in ("GET", "DELETE", "PATCH"):
        resp = await client.request(method, f"/api/sources/{source_id}", json={}, headers=ADMIN)
        assert (resp.status, await resp.json()) == (404, gone)
    assert await (await client.get("/api/sources", headers=ADMIN)).json() == []


async def test_config_rejected_by_manifest_schema_writes_nothing(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool, config_schema=CONFIG_SCHEMA)
    resp = await client.post(
        "/api/sources", json=source_body(config={"base_url": "x", "depth": "deep"}), headers=ADMIN
    )
    assert resp.status == 400
    body = await resp.json()
    assert set(body) == {"error"}
    assert body["error"].startswith("config does not match the connector's config_schema: depth")
    assert await _count(db_pool, "sources") == 0

    resp = await client.post(
        "/api/sources", json=source_body(config={"base_url": "https://w"}), headers=ADMIN
    )
    assert resp.status == 201
    source_id = (await resp.json())["id"]
    resp = await client.patch(f"/api/sources/{source_id}", json={"config": {}}, headers=ADMIN)
    assert resp.status == 400
    stored = await db_pool.fetchval("SELECT config FROM sources WHERE id = $1", source_id)
    assert stored == {"base_url": "https://w"}


async def test_offline_connector_manifest_still_validates(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(
        db_pool, config_schema=CONFIG_SCHEMA, heartbeat_at=START - timedelta(days=3)
    )
    resp = await client.post("/api/sources", json=source_body(config={}), headers=ADMIN)
    assert resp.status == 400


async def test_no_manifest_accepts_any_config(client: TestClient) -> None:
    resp = await client.post(
        SOURCES_ANY_TYPE,
        json=source_body(source_type="unknown_kind", config={"a": [1]}),
        headers=ADMIN,
    )
    assert resp.status == 201


async def test_credentials_rejected_by_credentials_schema(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool, credentials_schema=CREDENTIALS_SCHEMA)
    bad = _credential(credentials={"api_key": "short"})
    resp = await client.post("/api/sources", json=source_body(credentials=bad), headers=ADMIN)
    assert resp.status == 400
    assert (await resp.json())["error"].startswith(
        "credentials do not match the connector's credentials_schema: api_key"
    )
    assert "short" not in (await resp.text())
    assert await _count(db_pool, "sources") == 0
    assert await _count(db_pool, "credentials") == 0


async def test_credentials_encrypted_at_rest_and_never_returned(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool, credentials_schema=CREDENTIALS_SCHEMA)
    resp = await client.post(
        "/api/sources", json=source_body(credentials=_credential()), headers=ADMIN
    )
    assert resp.status == 201, await resp.text()
    texts = [await resp.text()]
    source_id = (await resp.json())["id"]
    assert (await resp.json())["has_credentials"] is True

    raw = await db_pool.fetchval(
        "SELECT secret_encrypted FROM credentials WHERE source_id = $1", source_id
    )
    assert SECRET.encode() not in bytes(raw)
    assert b"api_key" not in bytes(raw)
    dump = await db_pool.fetchval("SELECT row_to_json(c)::text FROM credentials c")
    assert SECRET not in dump

    texts.append(await (await client.get(f"/api/sources/{source_id}", headers=ADMIN)).text())
    texts.append(await (await client.get("/api/sources", headers=ADMIN)).text())
    patched = await client.patch(
        f"/api/sources/{source_id}", json={"name": "renamed"}, headers=ADMIN
    )
    texts.append(await patched.text())
    for text in texts:
        assert SECRET not in text
        assert 'api_key"' not in text.replace('"auth_type":"api_key"', "")

    # Connectors do read it, decrypted (§4.7).
    cred = await (await client.get(f"/sdk/credentials/{source_id}", headers=SDK)).json()
    assert cred["credentials"] == {"api_key": SECRET}
    assert cred["config"] == {"region": "eu"}
    assert cred["expires_at"] == "2027-01-01T00:00:00.000000Z"


async def test_credentials_replaced_and_removed_by_patch(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    resp = await client.post(
        SOURCES_ANY_TYPE, json=source_body(credentials=_credential()), headers=ADMIN
    )
    source_id = (await resp.json())["id"]
    new = _credential(credentials={"api_key": "another-secret-1"})
    resp = await client.patch(f"/api/sources/{source_id}", json={"credentials": new}, headers=ADMIN)
    assert resp.status == 200
    cred = await (await client.get(f"/sdk/credentials/{source_id}", headers=SDK)).json()
    assert cred["credentials"] == {"api_key": "another-secret-1"}
    resp = await client.patch(
        f"/api/sources/{source_id}", json={"credentials": None}, headers=ADMIN
    )
    assert (await resp.json())["has_credentials"] is False
    assert (await client.get(f"/sdk/credentials/{source_id}", headers=SDK)).status == 404


async def test_schedule_rules(client: TestClient, db_pool: asyncpg.Pool) -> None:
    both = source_body(sync_interval_seconds=600, sync_cron="0 * * * *")
    assert (await client.post("/api/sources", json=both, headers=ADMIN)).status == 422
    for cron in ("0 * * *", "61 * * * *", "nonsense"):
        body = source_body(sync_cron=cron)
        assert (await client.post("/api/sources", json=body, headers=ADMIN)).status == 422
    short = source_body(sync_interval_seconds=59)
    assert (await client.post("/api/sources", json=short, headers=ADMIN)).status == 422
    assert await _count(db_pool, "sources") == 0

    body = source_body(sync_cron="5 4 * * 1")
    resp = await client.post(SOURCES_ANY_TYPE, json=body, headers=ADMIN)
    assert (await resp.json())["sync_interval_seconds"] is None
    resp = await client.post(
        SOURCES_ANY_TYPE, json=source_body(sync_interval_seconds=None), headers=ADMIN
    )
    created = await resp.json()  # explicitly neither: synced only on request (§9.3)
    assert (created["sync_interval_seconds"], created["sync_cron"]) == (None, None)


async def test_bad_input_statuses(client: TestClient) -> None:
    json_type = {**ADMIN, "Content-Type": "application/json"}
    resp = await client.post("/api/sources", data=b"{not json", headers=json_type)
    assert resp.status == 400
    resp = await client.post(
        "/api/sources",
        data=orjson.dumps(source_body()),
        headers={**ADMIN, "Content-Type": "text/plain"},
    )
    assert resp.status == 415
    resp = await client.post(
        "/api/sources", json=source_body(source_type="Bad-Type"), headers=ADMIN
    )
    assert resp.status == 422
    resp = await client.post("/api/sources", json={"name": "x"}, headers=ADMIN)
    assert resp.status == 422
    resp = await client.post("/api/sources", json=source_body(name="a\x00b"), headers=ADMIN)
    assert resp.status == 422
    assert set(await resp.json()) == {"error"}
    resp = await client.patch("/api/sources/nope", json={"name": "x"}, headers=ADMIN)
    assert resp.status == 404
    assert (await client.get("/api/sources?limit=0", headers=ADMIN)).status == 400


async def test_admin_routes_reject_missing_and_connector_tokens(client: TestClient) -> None:
    for headers in ({}, SDK, {"Authorization": "Bearer wrong"}):
        resp = await client.post("/api/sources", json=source_body(), headers=headers)
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"] == "Bearer"
        assert set(await resp.json()) == {"error"}
        assert (await client.get("/api/connectors", headers=headers)).status == 401
