"""§4.7 source reads and connector_state, with §11.14, §11.29 and §11.34."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import ADMIN, SDK, SOURCES_ANY_TYPE, make_app, source_body


class OmniSourceModel(BaseModel):
    """The shape the Omni Python SDK parses a Source object into: plain pydantic v2 datetimes."""

    id: str
    name: str
    source_type: str
    integration_type: str
    scope: str
    config: dict[str, Any]
    is_active: bool
    is_deleted: bool
    user_filter_mode: str
    user_whitelist: list[str] | None
    user_blacklist: list[str] | None
    connector_state: Any
    checkpoint: Any
    sync_interval_seconds: int | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None


class OmniCredentialModel(BaseModel):
    id: str
    source_id: str
    user_id: str | None
    provider: str
    auth_type: str
    principal_email: str | None
    credentials: dict[str, Any]
    config: dict[str, Any]
    expires_at: datetime | None
    last_validated_at: datetime | None
    created_at: datetime
    updated_at: datetime


async def _create(client: TestClient, **overrides: Any) -> str:
    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(**overrides), headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def test_source_object_parses_with_pydantic_v2(client: TestClient) -> None:
    source_id = await _create(client, config={"root": "/data"})
    resp = await client.get(f"/sdk/source/{source_id}", headers=SDK)
    assert resp.status == 200
    body = await resp.json()
    assert body["integration_type"] == "connector"
    assert body["scope"] == "org"
    assert body["user_filter_mode"] == "all"
    assert body["created_at"] == "2026-03-04T05:06:07.123456Z"  # four-digit year, Z (§11.29)
    parsed = OmniSourceModel.model_validate(body)
    assert parsed.created_at.year == 2026
    assert parsed.config == {"root": "/data"}


async def test_unknown_source_is_404_everywhere(client: TestClient) -> None:
    for path in ("/sdk/source/nope", "/sdk/source/nope/sync-config", "/sdk/credentials/nope"):
        resp = await client.get(path, headers=SDK)
        assert resp.status == 404
        assert await resp.json() == {"error": "source nope not found"}
    resp = await client.put("/sdk/source/nope/connector-state", json={"a": 1}, headers=SDK)
    assert resp.status == 404
    assert set(await resp.json()) == {"error"}


async def test_deleted_and_inactive_sources_are_still_readable(client: TestClient) -> None:
    source_id = await _create(client, is_active=False)
    assert (await client.delete(f"/api/sources/{source_id}", headers=ADMIN)).status == 200
    resp = await client.get(f"/sdk/source/{source_id}", headers=SDK)
    assert resp.status == 200
    body = await resp.json()
    assert (body["is_active"], body["is_deleted"]) == (False, True)


async def test_sync_config_defaults(client: TestClient, db_pool: asyncpg.Pool) -> None:
    """§11.14: credentials {} without a credential, user_filter_mode "all", source checkpoint."""
    source_id = await _create(client, config={"k": "v"})
    await db_pool.execute(
        "UPDATE sources SET checkpoint = $2 WHERE id = $1", source_id, {"cursor": "c1"}
    )
    body = await (await client.get(f"/sdk/source/{source_id}/sync-config", headers=SDK)).json()
    assert body == {
        "config": {"k": "v"},
        "credentials": {},
        "connector_state": None,
        "checkpoint": {"cursor": "c1"},
        "source_type": "widgets",
        "user_filter_mode": "all",
        "user_whitelist": None,
        "user_blacklist": None,
    }


async def test_sync_config_credentials_are_the_inner_object(client: TestClient) -> None:
    cred = {"provider": "p", "auth_type": "bearer_token", "credentials": {"token": "t0k"}}
    source_id = await _create(client, credentials=cred)
    body = await (await client.get(f"/sdk/source/{source_id}/sync-config", headers=SDK)).json()
    assert body["credentials"] == {"token": "t0k"}
    resp = await client.get(f"/sdk/credentials/{source_id}", headers=SDK)
    whole = OmniCredentialModel.model_validate(await resp.json())
    assert whole.user_id is None
    assert whole.source_id == source_id
    assert whole.credentials == {"token": "t0k"}
    assert (await resp.json())["created_at"].endswith("Z")


async def test_credentials_404_without_a_credential(client: TestClient) -> None:
    source_id = await _create(client)
    resp = await client.get(f"/sdk/credentials/{source_id}", headers=SDK)
    assert resp.status == 404


async def test_connector_state_takes_any_json_value(
    client: TestClient, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    """§11.34: any JSON value, unwrapped; updated_at moves."""
    source_id = await _create(client)
    for value in ({"webhook_id": "w1"}, [1, "two"], "plain", 42, None, {"nested": {"a": [True]}}):
        clock.advance(5)
        resp = await client.put(
            f"/sdk/source/{source_id}/connector-state",
            data=orjson.dumps(value),
            headers={**SDK, "Content-Type": "application/json"},
        )
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}
        body = await (await client.get(f"/sdk/source/{source_id}", headers=SDK)).json()
        assert body["connector_state"] == value
        config = await (
            await client.get(f"/sdk/source/{source_id}/sync-config", headers=SDK)
        ).json()
        assert config["connector_state"] == value
    updated = await db_pool.fetchval("SELECT updated_at FROM sources WHERE id = $1", source_id)
    assert updated == clock.now()


async def test_connector_state_body_limit(db_pool: asyncpg.Pool) -> None:
    async with TestClient(TestServer(make_app(db_pool, max_state_bytes=64))) as small:
        source_id = await _create(small)
        resp = await small.put(
            f"/sdk/source/{source_id}/connector-state", json={"x": "y" * 100}, headers=SDK
        )
        assert resp.status == 413
        assert await resp.json() == {"error": "request body exceeds 64 bytes"}


async def test_sources_by_type(client: TestClient, clock: FrozenClock) -> None:
    first = await _create(client, name="first")
    clock.advance(10)
    second = await _create(client, name="second")
    clock.advance(10)
    await _create(client, name="off", is_active=False)
    clock.advance(10)
    gone = await _create(client, name="gone")
    await client.delete(f"/api/sources/{gone}", headers=ADMIN)
    await _create(client, name="other", source_type="gadgets")
    body = await (await client.get("/sdk/sources/by-type/widgets", headers=SDK)).json()
    assert [s["id"] for s in body] == [second, first]  # newest created_at first
    for item in body:
        OmniSourceModel.model_validate(item)
    assert await (await client.get("/sdk/sources/by-type/nothing", headers=SDK)).json() == []


async def test_sdk_reads_need_the_connector_token(client: TestClient) -> None:
    source_id = await _create(client)
    for headers in ({}, ADMIN):
        assert (await client.get(f"/sdk/source/{source_id}", headers=headers)).status == 401
