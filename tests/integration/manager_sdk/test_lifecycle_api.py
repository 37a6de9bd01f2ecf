"""Run lifecycle endpoints (protocol §4.6; checklist §11.15-18)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import AUTH, make_settings
from tests.integration.manager_sdk.factories import (
    T0,
    insert_connector,
    insert_run,
    insert_source,
    queue_rows,
    source_row,
)

Client = TestClient[web.Request, web.Application]
JSON = {**AUTH, "Content-Type": "application/json"}


async def _run(pool: asyncpg.Pool, run_id: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run_id)
    assert row is not None
    return row


async def test_heartbeat_touches_activity(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    clock.advance(42)
    resp = await client.post(f"/sdk/sync/{run_id}/heartbeat", headers=AUTH)
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}
    assert (await _run(db_pool, run_id))["last_activity_at"] == clock.now()
    # A body is ignored, whatever it is.
    resp = await client.post(f"/sdk/sync/{run_id}/heartbeat", data=b"junk", headers=AUTH)
    assert resp.status == 200


@pytest.mark.parametrize(
    ("endpoint", "column"), [("scanned", "documents_scanned"), ("updated", "documents_updated")]
)
async def test_counts(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock, endpoint: str, column: str
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    clock.advance(5)
    path = f"/sdk/sync/{run_id}/{endpoint}"
    assert (await client.post(path, json={"count": 1}, headers=AUTH)).status == 200
    assert (await client.post(path, json={"count": 10}, headers=AUTH)).status == 200
    assert (await client.post(path, headers=AUTH)).status == 200  # empty body: 1
    assert (await client.post(path, json={}, headers=AUTH)).status == 200  # default 1
    run = await _run(db_pool, run_id)
    assert run[column] == 13
    assert run["last_activity_at"] == clock.now()
    for bad in ({"count": -1}, {"count": 1_000_001}, {"count": "x"}):
        assert (await client.post(path, json=bad, headers=AUTH)).status == 422
    assert (await client.post(path, data=b"{", headers=JSON)).status == 400
    assert (await _run(db_pool, run_id))[column] == 13


@pytest.mark.parametrize(
    "value", [{"cursor": "abc"}, None, "plain string", 42, [1, 2, {"a": None}], True]
)
async def test_checkpoint_takes_any_unwrapped_value(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock, value: Any
) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "old"})
    run_id = await insert_run(db_pool, source_id, sync_type="incremental")
    clock.advance(7)
    import orjson

    resp = await client.put(
        f"/sdk/sync/{run_id}/checkpoint", data=orjson.dumps(value), headers=JSON
    )
    assert resp.status == 200
    run = await _run(db_pool, run_id)
    assert run["checkpoint"] == value
    assert run["checkpoint_saved"] is True
    assert run["last_activity_at"] == clock.now()
    # Completion promotes it, null included (§4.6).
    assert (await client.post(f"/sdk/sync/{run_id}/complete", headers=AUTH)).status == 200
    assert (await source_row(db_pool, source_id))["checkpoint"] == value


async def test_checkpoint_errors(db_pool: asyncpg.Pool) -> None:
    settings = make_settings(max_state_bytes=100, max_json_body_bytes=10)
    app = create_app(settings, db_pool, clock=FrozenClock(T0), run_leader_work=False)
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    path = f"/sdk/sync/{run_id}/checkpoint"
    async with TestClient(TestServer(app)) as client:
        assert (await client.put(path, data=b"", headers=JSON)).status == 400
        assert (await client.put(path, data=b"{bad", headers=JSON)).status == 400
        resp = await client.put(path, data=b'"' + b"x" * 200 + b'"', headers=JSON)
        assert resp.status == 413
        assert await resp.json() == {"error": "request body exceeds 100 bytes"}
        # max_state_bytes applies, not max_json_body_bytes.
        assert (await client.put(path, data=b'{"cursor": "abcdef"}', headers=JSON)).status == 200
        assert (await client.put(path, json={"c": 1})).status == 401
        assert (await client.post(path, json={"c": 1}, headers=AUTH)).status == 405
    run = await _run(db_pool, run_id)
    assert run["checkpoint"] == {"cursor": "abcdef"}


async def test_complete_ignores_omni_counts_and_keeps_unsaved_checkpoint(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "previous"})
    run_id = await insert_run(db_pool, source_id, sync_type="incremental")
    clock.advance(100)
    body = {"documents_scanned": 5, "documents_updated": 3}
    resp = await client.post(f"/sdk/sync/{run_id}/complete", json=body, headers=AUTH)
    assert resp.status == 200
    run = await _run(db_pool, run_id)
    assert (run["status"], run["completed_at"]) == ("completed", clock.now())
    assert (run["documents_scanned"], run["documents_updated"]) == (0, 0)
    source = await source_row(db_pool, source_id)
    assert source["checkpoint"] == {"cursor": "previous"}
    assert source["updated_at"] == clock.now()


async def test_fail_records_error(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "previous"})
    run_id = await insert_run(db_pool, source_id)
    await client.put(f"/sdk/sync/{run_id}/checkpoint", json={"cursor": "new"}, headers=AUTH)
    assert (await client.post(f"/sdk/sync/{run_id}/fail", headers=AUTH)).status == 422
    assert (await client.post(f"/sdk/sync/{run_id}/fail", json={}, headers=AUTH)).status == 422
    assert (
        await client.post(f"/sdk/sync/{run_id}/fail", json={"error": 5}, headers=AUTH)
    ).status == 422
    clock.advance(3)
    resp = await client.post(
        f"/sdk/sync/{run_id}/fail", json={"error": "boom " * 2000}, headers=AUTH
    )
    assert resp.status == 200
    run = await _run(db_pool, run_id)
    assert run["status"] == "failed"
    assert run["completed_at"] == clock.now()
    assert run["error_message"] == ("boom " * 2000)[:4096]
    # No promotion on failure (§7.1).
    assert (await source_row(db_pool, source_id))["checkpoint"] == {"cursor": "previous"}


async def test_full_run_completion_through_the_api_requests_sweep(
    client: Client, db_pool: asyncpg.Pool
) -> None:
    await insert_connector(db_pool, enumerates_all=True)
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id, sync_type="full", start_seq=0)
    event = {
        "type": "document_deleted",
        "sync_run_id": run_id,
        "source_id": source_id,
        "document_id": "d",
    }
    body = {"sync_run_id": run_id, "source_id": source_id, "event": event}
    assert (await client.post("/sdk/events", json=body, headers=AUTH)).status == 200
    assert (await client.post(f"/sdk/sync/{run_id}/complete", headers=AUTH)).status == 200
    rows = await queue_rows(db_pool, source_id)
    assert [r["event_type"] for r in rows] == ["document_deleted", "full_sync_sweep"]


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", None])
async def test_calls_on_finished_or_unknown_runs_are_noop_acks(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock, status: str | None
) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "kept"})
    run_id = "unknown-run"
    if status is not None:
        run_id = await insert_run(db_pool, source_id, status=status)
    before = await db_pool.fetch("SELECT * FROM sync_runs ORDER BY id")
    clock.advance(1000)
    calls = [
        ("post", "heartbeat", None),
        ("post", "scanned", {"count": 4}),
        ("post", "updated", {"count": 4}),
        ("put", "checkpoint", {"cursor": "new"}),
        ("post", "complete", None),
        ("post", "fail", {"error": "late"}),
    ]
    for method, endpoint, body in calls:
        resp = await client.request(
            method, f"/sdk/sync/{run_id}/{endpoint}", json=body, headers=AUTH
        )
        assert resp.status == 200, endpoint
        assert await resp.json() == {"status": "ok"}
    assert await db_pool.fetch("SELECT * FROM sync_runs ORDER BY id") == before
    source = await source_row(db_pool, source_id)
    assert source["checkpoint"] == {"cursor": "kept"}
    assert source["updated_at"] == T0
    assert await queue_rows(db_pool) == []


async def test_lifecycle_requires_connector_token(client: Client, db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    for endpoint in ("heartbeat", "scanned", "updated", "complete", "fail"):
        assert (await client.post(f"/sdk/sync/{run_id}/{endpoint}")).status == 401
    assert (await _run(db_pool, run_id))["status"] == "running"
