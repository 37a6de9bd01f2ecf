"""Stored JSON values (issue 19 item 2, protocol §1.3): one limit on nesting and size, at every
boundary where a client hands the manager a JSON value to keep, refused with 422 before anything is
written; and every value within the limit reads back through every route that carries it."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import (
    ADMIN,
    SDK,
    START,
    FakeConnector,
    insert_run,
    make_app,
    register_connector,
    source_body,
)
from tests.integration.catalog.descriptors import document

JSON = {"Content-Type": "application/json"}
ADMIN_JSON = {**ADMIN, **JSON}
SDK_JSON = {**SDK, **JSON}
LIMIT = 64  # the default max_json_depth
# The depths of the report: 252-253 were stored and then broke every list; 254-1023 crashed.
TOO_DEEP = (LIMIT + 1, 253, 1000)


def deep(levels: int) -> bytes:
    """JSON text of ``levels`` nested objects (orjson itself writes at most 254)."""
    return b'{"a":' * levels + b"1" + b"}" * levels


def deep_value(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def source_text(config: bytes) -> bytes:
    body = source_body()
    del body["config"]
    return orjson.dumps(body)[:-1] + b',"config":' + config + b"}"


async def _lists_still_work(client: TestClient) -> None:
    assert (await client.get("/api/sources", headers=ADMIN)).status == 200
    assert (await client.get("/sdk/sources/by-type/widgets", headers=SDK)).status == 200


async def _source(client: TestClient, **members: Any) -> str:
    resp = await client.post("/api/sources", json=source_body(**members), headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


@pytest.fixture
async def widgets(db_pool: asyncpg.Pool) -> None:
    await register_connector(db_pool)


@pytest.mark.parametrize("levels", TOO_DEEP)
async def test_a_deep_config_is_refused_and_the_lists_keep_working(
    client: TestClient, db_pool: asyncpg.Pool, widgets: None, levels: int
) -> None:
    resp = await client.post("/api/sources", data=source_text(deep(levels)), headers=ADMIN_JSON)
    assert resp.status == 422, await resp.text()
    assert "nests deeper than 64 levels" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT count(*) FROM sources") == 0
    await _lists_still_work(client)

    source_id = await _source(client, config={"kept": True})
    patch = b'{"config":' + deep(levels) + b"}"
    resp = await client.patch(f"/api/sources/{source_id}", data=patch, headers=ADMIN_JSON)
    assert resp.status == 422
    config = await db_pool.fetchval("SELECT config FROM sources WHERE id = $1", source_id)
    assert config == {"kept": True}

    secret = b'{"credentials":{"provider":"p","credentials":' + deep(levels) + b"}}"
    resp = await client.patch(f"/api/sources/{source_id}", data=secret, headers=ADMIN_JSON)
    assert resp.status == 422
    assert await db_pool.fetchval("SELECT count(*) FROM credentials") == 0
    await _lists_still_work(client)


@pytest.mark.parametrize("levels", TOO_DEEP)
async def test_deep_connector_state_and_checkpoints_are_refused(
    client: TestClient, db_pool: asyncpg.Pool, widgets: None, levels: int
) -> None:
    source_id = await _source(client)
    resp = await client.put(
        f"/sdk/source/{source_id}/connector-state", data=deep(levels), headers=SDK_JSON
    )
    assert resp.status == 422, await resp.text()
    assert "connector_state nests deeper" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT connector_state FROM sources") is None

    run_id = await insert_run(db_pool, source_id)
    resp = await client.put(f"/sdk/sync/{run_id}/checkpoint", data=deep(levels), headers=SDK_JSON)
    assert resp.status == 422, await resp.text()
    assert "checkpoint nests deeper" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT checkpoint FROM sync_runs") is None
    await _lists_still_work(client)
    assert (await client.get(f"/api/sync-runs/{run_id}", headers=ADMIN)).status == 200


def _event(run_id: str, source_id: str, **members: Any) -> dict[str, Any]:
    return {
        "type": "document_created",
        "sync_run_id": run_id,
        "source_id": source_id,
        "document_id": "d1",
        "content_id": "c1",
        "metadata": {"title": "t"},
        "permissions": {"public": True, "users": [], "groups": []},
        **members,
    }


@pytest.mark.parametrize(
    "member",
    [
        {"attributes": {"k": "DEEP"}},
        {"metadata": {"title": "t", "extra": {"k": "DEEP"}}},
    ],
)
async def test_deep_event_members_are_refused(
    client: TestClient, db_pool: asyncpg.Pool, widgets: None, member: dict[str, Any]
) -> None:
    source_id = await _source(client)
    run_id = await insert_run(db_pool, source_id)
    person = {"type": "person_sync", "sync_run_id": run_id, "source_id": source_id}
    events = [_event(run_id, source_id, **member), {**person, "person": {"email": "a@b.c"}}]
    # Within pydantic-core's own parser limit (about 200 levels), beyond the stored-value limit.
    text = orjson.dumps({"sync_run_id": run_id, "source_id": source_id, "events": events})
    text = text.replace(b'"DEEP"', deep(LIMIT))
    resp = await client.post("/sdk/events/batch", data=text, headers=SDK_JSON)
    assert resp.status == 422, await resp.text()
    assert "events.0." in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT count(*) FROM event_queue") == 0

    one = orjson.dumps({"sync_run_id": run_id, "source_id": source_id, "event": events[0]})
    resp = await client.post(
        "/sdk/events", data=one.replace(b'"DEEP"', deep(LIMIT)), headers=SDK_JSON
    )
    assert resp.status == 422, await resp.text()

    events = [{**person, "person": {"email": "a@b.c", "profile": "DEEP"}}]
    text = orjson.dumps({"sync_run_id": run_id, "source_id": source_id, "events": events})
    resp = await client.post(
        "/sdk/events/batch", data=text.replace(b'"DEEP"', deep(LIMIT + 1)), headers=SDK_JSON
    )
    assert resp.status == 422, await resp.text()
    assert "events.0.person.profile nests deeper" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT count(*) FROM event_queue") == 0


async def test_a_deep_manifest_is_refused(
    client: TestClient, db_pool: asyncpg.Pool, fake_connector: tuple[FakeConnector, str]
) -> None:
    _, url = fake_connector
    manifest = {
        "name": "deep",
        "version": "1.0.0",
        "sync_modes": ["full"],
        "connector_id": "deep-1",
        "connector_url": url,
        "source_types": ["deep"],
        "config_schema": "DEEP",
    }
    text = orjson.dumps(manifest).replace(b'"DEEP"', deep(150))
    resp = await client.post("/sdk/register", data=text, headers=SDK_JSON)
    assert resp.status == 422, await resp.text()
    assert await db_pool.fetchval("SELECT count(*) FROM connectors") == 0


@pytest.mark.parametrize("levels", TOO_DEEP)
async def test_deep_action_params_and_descriptors_are_refused(
    client: TestClient, db_pool: asyncpg.Pool, widgets: None, levels: int
) -> None:
    source_id = await _source(client)
    resp = await client.post(
        f"/api/sources/{source_id}/actions/lookup",
        data=b'{"params":' + deep(levels) + b"}",
        headers=ADMIN_JSON,
    )
    assert resp.status == 422, await resp.text()

    text = orjson.dumps(document()).replace(b'"default_value":10', b'"default_value":"DEEP"')
    text = text.replace(b'"DEEP"', deep(levels))
    resp = await client.post("/api/descriptors/validate", data=text, headers=ADMIN_JSON)
    assert resp.status == 200, await resp.text()
    report = await resp.json()
    assert not report["valid"]
    assert [p["message"] for p in report["problems"]] == ["nests deeper than 64 levels"]
    resp = await client.post("/api/descriptors", data=text, headers=ADMIN_JSON)
    assert resp.status == 422, await resp.text()
    assert await db_pool.fetchval("SELECT count(*) FROM descriptors") == 0


async def test_values_beyond_the_size_limit_are_refused(db_pool: asyncpg.Pool) -> None:
    await register_connector(db_pool)
    app = make_app(db_pool, max_json_value_bytes=1024)
    async with TestClient(TestServer(app)) as client:
        big = {"blob": "x" * 2000}
        resp = await client.post("/api/sources", json=source_body(config=big), headers=ADMIN)
        assert resp.status == 422
        assert "exceeds 1024 bytes" in (await resp.json())["error"]
        source_id = await _source(client)
        run_id = await insert_run(db_pool, source_id)
        for method, path in (
            ("PUT", f"/sdk/source/{source_id}/connector-state"),
            ("PUT", f"/sdk/sync/{run_id}/checkpoint"),
        ):
            resp = await client.request(method, path, json=big, headers=SDK)
            assert resp.status == 422, path
        event = _event(run_id, source_id, attributes=big)
        batch = {"sync_run_id": run_id, "source_id": source_id, "events": [event]}
        resp = await client.post("/sdk/events/batch", json=batch, headers=SDK)
        assert resp.status == 422
        assert await db_pool.fetchval("SELECT count(*) FROM event_queue") == 0
        # Within the limit, a body as large as the limit is accepted.
        fits = {"blob": "x" * 1000}
        resp = await client.put(f"/sdk/source/{source_id}/connector-state", json=fits, headers=SDK)
        assert resp.status == 200


async def test_every_stored_value_at_the_limit_reads_back(
    db_pool: asyncpg.Pool, clock: FrozenClock, fake_connector: tuple[FakeConnector, str]
) -> None:
    """The deepest value each boundary accepts is written back by every route that carries it."""
    fake, url = fake_connector
    await register_connector(db_pool, url=url, config_schema=deep_value(LIMIT - 3))
    app = make_app(db_pool, clock)
    async with TestClient(TestServer(app)) as client:
        # In an admin body the body counts: config sits one level down, the secret two.
        config = deep_value(LIMIT - 1)
        secret = deep_value(LIMIT - 2)
        credentials = {"provider": "p", "auth_type": "t", "credentials": secret}
        body = source_body(config=config, credentials=credentials)
        resp = await client.post("/api/sources", data=orjson.dumps(body), headers=ADMIN_JSON)
        assert resp.status == 201, await resp.text()
        source_id = (await resp.json())["id"]

        # A body that is the value itself may use every level.
        state, checkpoint = deep_value(LIMIT), deep_value(LIMIT)
        resp = await client.put(
            f"/sdk/source/{source_id}/connector-state", data=orjson.dumps(state), headers=SDK_JSON
        )
        assert resp.status == 200, await resp.text()
        run_id = await insert_run(db_pool, source_id)
        resp = await client.put(
            f"/sdk/sync/{run_id}/checkpoint", data=orjson.dumps(checkpoint), headers=SDK_JSON
        )
        assert resp.status == 200, await resp.text()
        await db_pool.execute("UPDATE sync_runs SET status = 'completed' WHERE id = $1", run_id)
        await db_pool.execute(
            "UPDATE sources SET checkpoint = $2 WHERE id = $1", source_id, checkpoint
        )

        # Event members may use every level too.
        live_run = await insert_run(db_pool, source_id, created_at=START)
        event = _event(live_run, source_id, attributes=deep_value(LIMIT))
        event["metadata"]["extra"] = deep_value(LIMIT)
        batch = {"sync_run_id": live_run, "source_id": source_id, "events": [event]}
        resp = await client.post("/sdk/events/batch", data=orjson.dumps(batch), headers=SDK_JSON)
        assert resp.status == 200, await resp.text()
        await db_pool.execute("UPDATE event_queue SET status = 'dead_letter', attempts = 5")
        await db_pool.execute("UPDATE sync_runs SET status = 'completed' WHERE id = $1", live_run)

        async def read(path: str, headers: dict[str, str]) -> Any:
            resp = await client.get(path, headers=headers)
            assert resp.status == 200, (path, await resp.text())
            return await resp.json()

        listed = await read("/api/sources", ADMIN)
        assert (listed[0]["config"], listed[0]["connector_state"]) == (config, state)
        assert listed[0]["checkpoint"] == checkpoint
        assert (await read(f"/api/sources/{source_id}", ADMIN))["config"] == config
        assert (await read(f"/sdk/source/{source_id}", SDK))["connector_state"] == state
        assert (await read("/sdk/sources/by-type/widgets", SDK))[0]["config"] == config
        sync_config = await read(f"/sdk/source/{source_id}/sync-config", SDK)
        assert (sync_config["config"], sync_config["checkpoint"]) == (config, checkpoint)
        assert sync_config["credentials"] == secret
        assert (await read(f"/sdk/credentials/{source_id}", SDK))["credentials"] == secret
        assert (await read(f"/api/sync-runs/{run_id}", ADMIN))["checkpoint"] == checkpoint
        runs = await read(f"/api/sync-runs?source_id={source_id}", ADMIN)
        assert checkpoint in [r["checkpoint"] for r in runs]
        connectors = await read("/api/connectors", ADMIN)
        assert connectors[0]["manifest"]["config_schema"] == deep_value(LIMIT - 3)
        dead = await read("/api/queue/dead-letters", ADMIN)
        assert dead[0]["payload"]["attributes"] == deep_value(LIMIT)
        assert dead[0]["payload"]["metadata"]["extra"] == deep_value(LIMIT)

        # A dispatch carries the checkpoint to the connector (a full run sends none, §7.2).
        resp = await client.post(
            f"/api/sources/{source_id}/sync", json={"sync_mode": "incremental"}, headers=ADMIN
        )
        assert resp.status < 300, await resp.text()
        sent = [body for path, body, _ in fake.calls if path == "/sync"]
        assert [body["checkpoint"] for body in sent] == [checkpoint]
