"""U+0000, which Postgres text and jsonb cannot hold, is refused like any other bad input (issue 19
item 3): 400 in a query parameter, 422 in a body or an SDK path; never a 500."""

from __future__ import annotations

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import ADMIN, SDK, insert_run, register_connector
from tests.integration.admin.factories import source_body as body_of

SDK_JSON = {**SDK, "Content-Type": "application/json"}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "a\x00b"},
        {"q": "\x00"},
        {"q": "a", "user": "u\x00@x.org"},
        {"q": "a", "source_id": "\x00"},
    ],
)
async def test_search_parameters(client: TestClient, params: dict[str, str]) -> None:
    resp = await client.get("/api/search", params=params, headers=ADMIN)
    assert resp.status == 400, await resp.text()
    assert "NUL" in (await resp.json())["error"]


async def _run(client: TestClient, db_pool: asyncpg.Pool) -> tuple[str, str]:
    await register_connector(db_pool)
    resp = await client.post("/api/sources", json=body_of(), headers=ADMIN)
    source_id = str((await resp.json())["id"])
    return source_id, await insert_run(db_pool, source_id)


@pytest.mark.parametrize("checkpoint", [{"cursor": "a\x00b"}, {"a\x00": 1}, "\x00", [["\x00"]]])
async def test_checkpoint_strings(
    client: TestClient, db_pool: asyncpg.Pool, checkpoint: object
) -> None:
    _, run_id = await _run(client, db_pool)
    resp = await client.put(
        f"/sdk/sync/{run_id}/checkpoint", data=orjson.dumps(checkpoint), headers=SDK_JSON
    )
    assert resp.status == 422, await resp.text()
    assert "NUL" in (await resp.json())["error"]
    assert await db_pool.fetchval("SELECT checkpoint FROM sync_runs") is None


async def test_ids_and_texts_of_the_run_endpoints(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    _, run_id = await _run(client, db_pool)
    bad = run_id + "\x00"
    for method, path, body in (
        ("POST", f"/sdk/sync/{bad}/heartbeat", b""),
        ("POST", f"/sdk/sync/{bad}/scanned", b'{"count": 1}'),
        ("POST", f"/sdk/sync/{bad}/updated", b""),
        ("PUT", f"/sdk/sync/{bad}/checkpoint", b"{}"),
        ("POST", f"/sdk/sync/{bad}/complete", b""),
        ("POST", f"/sdk/sync/{bad}/fail", b'{"error": "x"}'),
        ("POST", f"/sdk/sync/{run_id}/fail", orjson.dumps({"error": "a\x00b"})),
        ("POST", "/sdk/sync/create", orjson.dumps({"source_id": bad, "sync_type": "full"})),
        ("POST", "/sdk/sync/cancel", orjson.dumps({"sync_run_id": bad})),
        ("POST", "/sdk/webhook/notify", orjson.dumps({"source_id": "\x00", "event_type": "e"})),
    ):
        resp = await client.request(method, path, data=body, headers=SDK_JSON)
        assert resp.status == 422, (path, await resp.text())
        assert "NUL" in (await resp.json())["error"]
    run = await db_pool.fetchrow("SELECT status, checkpoint, error_message FROM sync_runs")
    assert (run["status"], run["checkpoint"], run["error_message"]) == ("running", None, None)
    assert await db_pool.fetchval("SELECT count(*) FROM sync_runs") == 1


async def test_event_ids(client: TestClient, db_pool: asyncpg.Pool) -> None:
    source_id, run_id = await _run(client, db_pool)
    event = {
        "type": "document_deleted",
        "sync_run_id": run_id,
        "source_id": source_id,
        "document_id": "doc\x00",
    }
    batch = {"sync_run_id": run_id, "source_id": source_id, "events": [event]}
    resp = await client.post("/sdk/events/batch", data=orjson.dumps(batch), headers=SDK_JSON)
    assert resp.status == 422, await resp.text()
    assert await db_pool.fetchval("SELECT count(*) FROM event_queue") == 0
