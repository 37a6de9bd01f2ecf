"""``POST /sdk/register`` (protocol §4.1, §8.1; checklist §11.1, 3-6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.registry import REGISTRY
from sluice_manager.registry.repository import get_connector, resolve_connector
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import (
    AUTH,
    CONNECTOR_TOKEN,
    HealthyConnector,
    make_settings,
)
from tests.support.http import free_port

Client = TestClient[web.Request, web.Application]


def manifest(url: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "fake",
        "version": "1.0.0",
        "sync_modes": ["full", "incremental"],
        "connector_id": "fake-connector",
        "connector_url": url,
        "source_types": ["fake_type"],
    }
    body.update(overrides)
    return body


OMNI_EXTRAS = {
    "display_name": "Fake (Omni)",
    "description": None,
    "actions": [
        {
            "name": "search",
            "description": "Search things",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
            "mode": "read",
        }
    ],
    "search_operators": [{"operator": "in", "attribute_key": "channel", "value_type": "text"}],
    "mcp_enabled": False,
    "read_only": False,
    "extra_schema": None,
    "attributes_schema": None,
    "prompts": [],
    "resources": [],
    "some_future_member": {"x": 1},
}


async def test_omni_manifest_is_accepted(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    resp = await client.post(
        "/sdk/register", json=manifest(connector.url, **OMNI_EXTRAS), headers=AUTH
    )
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}
    # The health check carries the first configured connector token (§2.3).
    assert connector.health_calls == [f"Bearer {CONNECTOR_TOKEN}"]
    record = await get_connector(db_pool, "fake-connector")
    assert record is not None
    assert record.connector_url == connector.url
    assert record.source_types == ("fake_type",)
    assert record.sync_modes == ("full", "incremental")
    assert record.first_seen_at == record.last_heartbeat_at == clock.now()
    assert record.manifest["display_name"] == "Fake (Omni)"
    assert record.manifest["config_schema"] is None
    assert record.manifest["actions"][0]["name"] == "search"
    assert "some_future_member" not in record.manifest


@pytest.mark.parametrize("declared", [True, False, None])
async def test_full_sync_enumerates_all_is_stored_with_the_manifest(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, declared: bool | None
) -> None:
    """§3.2, §10.7: the Sluice addition is kept; absent (every Omni manifest) means false."""
    extra = {} if declared is None else {"full_sync_enumerates_all": declared}
    resp = await client.post("/sdk/register", json=manifest(connector.url, **extra), headers=AUTH)
    assert resp.status == 200
    record = await get_connector(db_pool, "fake-connector")
    assert record is not None
    assert record.manifest["full_sync_enumerates_all"] is (declared is True)


async def test_display_name_defaults_to_name(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool
) -> None:
    resp = await client.post("/sdk/register", json=manifest(connector.url), headers=AUTH)
    assert resp.status == 200
    record = await get_connector(db_pool, "fake-connector")
    assert record is not None
    assert record.manifest["display_name"] == "fake"


async def test_heartbeats_keep_online_and_skip_health_check(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    for _ in range(5):
        clock.advance(30)
        assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
        # The flusher runs every second; the frozen clock jumps 30 s between heartbeats.
        assert await client.app[REGISTRY].heartbeats.flush(db_pool) == 1
    assert len(connector.health_calls) == 1
    record = await resolve_connector(db_pool, "fake_type", clock.now(), 90)
    assert record is not None
    assert record.last_heartbeat_at == clock.now()
    # A changed manifest at the same URL is stored without a new health check.
    clock.advance(30)
    changed = manifest(connector.url, source_types=["fake_type", "other_type"])
    assert (await client.post("/sdk/register", json=changed, headers=AUTH)).status == 200
    assert len(connector.health_calls) == 1
    assert await resolve_connector(db_pool, "other_type", clock.now(), 90) is not None


async def test_connector_expires_after_ttl_and_is_checked_again(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    clock.advance(89)
    assert await resolve_connector(db_pool, "fake_type", clock.now(), 90) is not None
    clock.advance(1)
    assert await resolve_connector(db_pool, "fake_type", clock.now(), 90) is None
    # Offline rows are kept.
    assert await get_connector(db_pool, "fake-connector") is not None
    assert (await client.post("/sdk/register", json=body, headers=AUTH)).status == 200
    assert len(connector.health_calls) == 2
    assert await resolve_connector(db_pool, "fake_type", clock.now(), 90) is not None


async def test_same_id_different_urls_last_wins(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool
) -> None:
    other = HealthyConnector()
    app = web.Application()
    app.router.add_get("/health", other.health)
    async with TestServer(app) as server:
        other_url = str(server.make_url("")).rstrip("/")
        for url in (connector.url, other_url, connector.url, other_url):
            assert (
                await client.post("/sdk/register", json=manifest(url), headers=AUTH)
            ).status == 200
            record = await get_connector(db_pool, "fake-connector")
            assert record is not None
            assert record.connector_url == url
    # A moved connector is health-checked at its new URL every time.
    assert len(connector.health_calls) == 2
    assert len(other.health_calls) == 2


@pytest.mark.parametrize("status", [500, 404, 302])
async def test_health_check_failure_is_400(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, status: int
) -> None:
    connector.status = status
    resp = await client.post("/sdk/register", json=manifest(connector.url), headers=AUTH)
    assert resp.status == 400
    assert await resp.json() == {"error": f"connector health check failed at {connector.url}"}
    assert await get_connector(db_pool, "fake-connector") is None


async def test_unreachable_connector_is_400(client: Client, db_pool: asyncpg.Pool) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    resp = await client.post("/sdk/register", json=manifest(url), headers=AUTH)
    assert resp.status == 400
    assert await resp.json() == {"error": f"connector health check failed at {url}"}


async def test_health_check_without_token_in_open_mode(
    db_pool: asyncpg.Pool, connector: HealthyConnector
) -> None:
    settings = make_settings(sdk_auth="open", connector_token=())
    app = create_app(settings, db_pool, clock=FrozenClock(), run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/sdk/register", json=manifest(connector.url))
        assert resp.status == 200
    assert connector.health_calls == [None]


SCHEMA_CASES: list[tuple[dict[str, Any], int, str | None]] = [
    ({"sync_modes": ["full", "sometimes"]}, 422, None),
    ({"version": None}, 422, None),
    ({"connector_id": ""}, 400, "connector_id must be 1 to 200 characters"),
    ({"connector_id": "x" * 201}, 400, "connector_id must be 1 to 200 characters"),
    (
        {"connector_url": "/relative"},
        400,
        "connector_url '/relative' is not an absolute http(s) URL",
    ),
    (
        {"connector_url": "ftp://host/x"},
        400,
        "connector_url 'ftp://host/x' is not an absolute http(s) URL",
    ),
    ({"source_types": ["ok_type", "Not-A-Slug"]}, 400, None),
    ({"source_types": ["a" * 51]}, 400, None),
]


@pytest.mark.parametrize(("overrides", "status", "message"), SCHEMA_CASES)
async def test_manifest_shape_and_identity_checks(
    client: Client,
    connector: HealthyConnector,
    db_pool: asyncpg.Pool,
    overrides: dict[str, Any],
    status: int,
    message: str | None,
) -> None:
    resp = await client.post(
        "/sdk/register", json=manifest(connector.url, **overrides), headers=AUTH
    )
    assert resp.status == status
    body = await resp.json()
    assert set(body) == {"error"}
    if message is not None:
        assert body["error"] == message
    assert connector.health_calls == []
    assert await db_pool.fetchval("SELECT count(*) FROM connectors") == 0


def _action(schema: Any) -> dict[str, Any]:
    return {"actions": [{"name": "act", "input_schema": schema}]}


INPUT_SCHEMA_CASES: list[tuple[Any, str]] = [
    (
        {"anyOf": [{"type": "object"}]},
        "fake.act input_schema.anyOf is not supported at the top level",
    ),
    ({"oneOf": []}, "fake.act input_schema.oneOf is not supported at the top level"),
    ({"allOf": []}, "fake.act input_schema.allOf is not supported at the top level"),
    ({"type": "array"}, 'fake.act input_schema.type must be "object"'),
    (
        {"type": "object", "properties": {"x": {"$ref": "#/$defs/x"}}},
        "fake.act input_schema.properties.x.$ref is not supported",
    ),
    ({"$defs": {}}, "fake.act input_schema.$defs is not supported"),
    (
        {"properties": {"x": {"items": [{"type": "string"}, {"not": {}}]}}},
        "fake.act input_schema.properties.x.items.1.not is not supported",
    ),
    (
        {"properties": {"x": {"if": {}, "then": {}}}},
        "fake.act input_schema.properties.x.if is not supported",
    ),
    ({"dependentRequired": {}}, "fake.act input_schema.dependentRequired is not supported"),
    ({"definitions": {}}, "fake.act input_schema.definitions is not supported"),
]


@pytest.mark.parametrize(("schema", "message"), INPUT_SCHEMA_CASES)
async def test_input_schema_restrictions(
    client: Client, connector: HealthyConnector, schema: Any, message: str
) -> None:
    resp = await client.post(
        "/sdk/register", json=manifest(connector.url, **_action(schema)), headers=AUTH
    )
    assert resp.status == 400
    assert await resp.json() == {"error": message}


@pytest.mark.parametrize(
    "schema",
    [
        {},
        {"type": "object"},
        {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}},
    ],
)
async def test_allowed_input_schemas(
    client: Client, connector: HealthyConnector, schema: Any
) -> None:
    resp = await client.post(
        "/sdk/register", json=manifest(connector.url, **_action(schema)), headers=AUTH
    )
    assert resp.status == 200


@pytest.mark.parametrize("field", ["config_schema", "credentials_schema"])
async def test_invalid_json_schemas_are_400(
    client: Client, connector: HealthyConnector, db_pool: asyncpg.Pool, field: str
) -> None:
    body = manifest(connector.url, **{field: {"type": "object", "properties": {"x": {"type": 5}}}})
    resp = await client.post("/sdk/register", json=body, headers=AUTH)
    assert resp.status == 400
    assert (await resp.json())["error"].startswith(f"{field} is not a valid JSON Schema")
    good = {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}}
    resp = await client.post(
        "/sdk/register", json=manifest(connector.url, **{field: good}), headers=AUTH
    )
    assert resp.status == 200
    record = await get_connector(db_pool, "fake-connector")
    assert record is not None
    assert record.manifest[field] == good


async def test_protocol_order_errors(client: Client, connector: HealthyConnector) -> None:
    body = manifest(connector.url)
    assert (await client.post("/sdk/register", json=body)).status == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.post("/sdk/register", json=body, headers=wrong)).status == 401
    admin = {"Authorization": "Bearer admin-secret"}
    assert (await client.post("/sdk/register", json=body, headers=admin)).status == 401
    resp = await client.post(
        "/sdk/register", data=b"{}", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert resp.status == 415
    resp = await client.post(
        "/sdk/register", data=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert set(await resp.json()) == {"error"}
    assert (await client.get("/sdk/register", headers=AUTH)).status == 405
    # A body with no Content-Type is accepted as JSON (§1.3).
    resp = await client.post(
        "/sdk/register",
        data=orjson.dumps(body),
        headers=AUTH,
        skip_auto_headers=["Content-Type"],
    )
    assert resp.status == 200


async def test_body_limit_is_413(db_pool: asyncpg.Pool, connector: HealthyConnector) -> None:
    settings = make_settings(max_json_body_bytes=1000)
    app = create_app(settings, db_pool, clock=FrozenClock(), run_leader_work=False)
    async with TestClient(TestServer(app)) as client:
        big = manifest(connector.url, description="x" * 2000)
        resp = await client.post("/sdk/register", json=big, headers=AUTH)
        assert resp.status == 413
        assert await resp.json() == {"error": "request body exceeds 1000 bytes"}
        # Without a Content-Length (chunked), the limit holds while the body arrives.

        async def in_pieces(body: bytes) -> AsyncIterator[bytes]:
            for start in range(0, len(body), 50):
                yield body[start : start + 50]

        json_auth = {**AUTH, "Content-Type": "application/json"}
        resp = await client.post(
            "/sdk/register", data=in_pieces(orjson.dumps(big)), headers=json_auth
        )
        assert resp.status == 413
        assert await resp.json() == {"error": "request body exceeds 1000 bytes"}
        small = orjson.dumps(manifest(connector.url))
        resp = await client.post("/sdk/register", data=in_pieces(small), headers=json_auth)
        assert resp.status == 200
