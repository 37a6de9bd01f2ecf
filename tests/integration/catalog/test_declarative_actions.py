"""A declarative source's actions are its descriptor's operations: listed, parameters checked,
writes refused on read-only sources, and relayed to the runtime with the descriptor (§3.6)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from sluice_sdk.models import ActionRequest
from tests.integration.admin.factories import (
    ADMIN,
    SOURCES_ANY_TYPE,
    FakeConnector,
    register_connector,
    source_body,
)
from tests.integration.catalog.descriptors import SLUG, document, text

ACTIONS = [
    {"name": "lookup", "input_schema": {}, "mode": "read"},
    {"name": "hidden_one", "input_schema": {}, "mode": "read", "hidden": True},
    {"name": "gadget_only", "input_schema": {}, "mode": "read", "source_types": ["gadgets"]},
]


@pytest.fixture
async def runtime(
    db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> FakeConnector:
    """The declarative runtime, as the registry knows it; its manifest has no actions."""
    fake, url = fake_connector
    await register_connector(
        db_pool, connector_id="declarative", url=url, source_types=("declarative",)
    )
    return fake


async def pinned_source(client: TestClient, **config: Any) -> str:
    doc = document()
    del doc["authentication"][0]["test_endpoint"]  # no upstream in these tests
    resp = await client.post(
        "/api/descriptors", data=text(doc), params={"status": "published"}, headers=ADMIN
    )
    assert resp.status in (200, 201)  # pushed once per test, identical after that
    body = {
        "name": "Echo",
        "descriptor": {"slug": SLUG},
        "config": {"base_url": "http://127.0.0.1:9", **config},
        "credentials": {"credentials": {"username": "alice", "password": "s3cret"}},
    }
    resp = await client.post("/api/sources", json=body, headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def run(client: TestClient, source_id: str, action: str, **params: Any) -> Any:
    return await client.post(
        f"/api/sources/{source_id}/actions/{action}",
        json={"params": params, "actor_email": "a@example.com"},
        headers=ADMIN,
    )


async def test_operation_relayed_with_the_descriptor_and_checked_params(
    client: TestClient, runtime: FakeConnector
) -> None:
    source_id = await pinned_source(client)
    resp = await run(client, source_id, "get_anything", q="hello", n="7")
    assert resp.status == 200, await resp.text()
    assert await resp.read() == b'{"status":"success","result":{"n":1}}'
    path, sent, _ = runtime.calls[-1]
    assert path == "/action"
    request = ActionRequest.model_validate(sent)
    assert request.action == "get_anything"
    # Declared parameters only, coerced, defaults applied; config is not copied in.
    assert request.params == {"q": "hello", "n": 7}
    assert request.descriptor is not None
    assert request.descriptor["metadata"]["slug"] == SLUG
    assert request.credentials.auth_type == "basic"
    assert request.source.source_type == "declarative"
    resp = await run(client, source_id, "get_anything", q="x")
    assert ActionRequest.model_validate(runtime.calls[-1][1]).params == {"q": "x", "n": 5}


async def test_bad_operations_and_params_are_400(
    client: TestClient, runtime: FakeConnector
) -> None:
    source_id = await pinned_source(client)
    resp = await run(client, source_id, "lookup")  # a manifest action, not an operation
    assert resp.status == 400
    assert "has no operation 'lookup'" in (await resp.json())["error"]
    resp = await run(client, source_id, "get_anything", n="many", extra=1)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"] == "parameters do not match operation 'get_anything'"
    paths = sorted(p["path"] for p in body["problems"])
    assert paths == ["extra", "n", "q"]
    assert runtime.calls == []


async def test_write_operations_are_refused_on_read_only_sources(
    client: TestClient, runtime: FakeConnector
) -> None:
    writable = await pinned_source(client)
    resp = await run(client, writable, "post_anything", title="t")
    assert resp.status == 200
    read_only = await pinned_source(client, read_only=True)
    resp = await run(client, read_only, "post_anything", title="t")
    assert resp.status == 400
    assert "read-only" in (await resp.json())["error"]
    assert (await run(client, read_only, "get_anything", q="x")).status == 200


async def test_listing_actions(
    client: TestClient, db_pool: asyncpg.Pool, runtime: FakeConnector
) -> None:
    source_id = await pinned_source(client)
    resp = await client.get(f"/api/sources/{source_id}/actions", headers=ADMIN)
    assert resp.status == 200
    actions = {a["name"]: a for a in await resp.json()}
    assert set(actions) == {"get_anything", "post_anything"}
    assert actions["get_anything"]["mode"] == "read"
    assert actions["post_anything"]["mode"] == "write"
    schema = actions["get_anything"]["input_schema"]
    assert schema["required"] == ["q"]
    assert schema["properties"]["n"] == {"type": "integer", "default": 5}

    # Any other source lists its manifest's actions that apply to it.
    await register_connector(db_pool, actions=ACTIONS)
    plain = (await (await client.post("/api/sources", json=source_body(), headers=ADMIN)).json())[
        "id"
    ]
    resp = await client.get(f"/api/sources/{plain}/actions", headers=ADMIN)
    assert [a["name"] for a in await resp.json()] == ["lookup"]
    nobody = source_body(source_type="unserved")
    lone = (await (await client.post(SOURCES_ANY_TYPE, json=nobody, headers=ADMIN)).json())["id"]
    assert await (await client.get(f"/api/sources/{lone}/actions", headers=ADMIN)).json() == []
    assert (await client.get("/api/sources/nope/actions", headers=ADMIN)).status == 404
