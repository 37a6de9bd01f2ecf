"""Runs: listing, reading, manual trigger and cancel (§6.7)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import (
    ADMIN,
    SOURCES_ANY_TYPE,
    START,
    FakeConnector,
    insert_run,
    register_connector,
    source_body,
)


async def _source(client: TestClient, **overrides: object) -> str:
    resp = await client.post(SOURCES_ANY_TYPE, json=source_body(**overrides), headers=ADMIN)
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["id"])


async def test_list_filter_and_read(client: TestClient, db_pool: asyncpg.Pool) -> None:
    a = await _source(client, name="a")
    b = await _source(client, name="b")
    old = await insert_run(db_pool, a, status="completed", created_at=START - timedelta(hours=2))
    newer = await insert_run(db_pool, a, status="failed", created_at=START - timedelta(hours=1))
    running = await insert_run(db_pool, b, created_at=START)

    body = await (await client.get("/api/sync-runs", headers=ADMIN)).json()
    assert [r["id"] for r in body] == [running, newer, old]  # newest first
    body = await (await client.get(f"/api/sync-runs?source_id={a}", headers=ADMIN)).json()
    assert [r["id"] for r in body] == [newer, old]
    body = await (await client.get("/api/sync-runs?status=running", headers=ADMIN)).json()
    assert [r["id"] for r in body] == [running]
    body = await (await client.get("/api/sync-runs?limit=1", headers=ADMIN)).json()
    assert [r["id"] for r in body] == [running]
    assert (await client.get("/api/sync-runs?status=bogus", headers=ADMIN)).status == 400

    resp = await client.get(f"/api/sync-runs/{old}", headers=ADMIN)
    run = await resp.json()
    assert (run["status"], run["source_id"], run["sync_type"]) == ("completed", a, "full")
    assert run["created_at"].endswith("Z")
    missing = await client.get("/api/sync-runs/nope", headers=ADMIN)
    assert missing.status == 404
    assert set(await missing.json()) == {"error"}


async def test_cancel_tells_the_online_connector_then_cancels(
    client: TestClient,
    db_pool: asyncpg.Pool,
    fake_connector: tuple[FakeConnector, str],
) -> None:
    fake, url = fake_connector
    await register_connector(db_pool, url=url)
    source_id = await _source(client)
    run_id = await insert_run(db_pool, source_id)

    resp = await client.post(f"/api/sync-runs/{run_id}/cancel", headers=ADMIN)
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"sync_run_id": run_id, "status": "cancelled"}
    # The connector's 404 reply is ignored (§11.30); it got the body and the connector token.
    assert fake.calls == [("/cancel", {"sync_run_id": run_id}, "Bearer con-token")]
    row = await db_pool.fetchrow(
        "SELECT status, error_message, completed_at FROM sync_runs WHERE id = $1", run_id
    )
    assert (row["status"], row["error_message"]) == ("cancelled", "Cancelled by user")
    assert row["completed_at"] == START

    again = await client.post(f"/api/sync-runs/{run_id}/cancel", headers=ADMIN)
    assert again.status == 400
    assert len(fake.calls) == 1
    assert (await client.post("/api/sync-runs/nope/cancel", headers=ADMIN)).status == 404


async def test_cancel_without_an_online_connector_still_cancels(
    client: TestClient,
    db_pool: asyncpg.Pool,
    clock: FrozenClock,
    fake_connector: tuple[FakeConnector, str],
) -> None:
    fake, url = fake_connector
    await register_connector(db_pool, url=url, heartbeat_at=START - timedelta(seconds=90))
    source_id = await _source(client)
    run_id = await insert_run(db_pool, source_id)
    resp = await client.post(f"/api/sync-runs/{run_id}/cancel", headers=ADMIN)
    assert resp.status == 200
    assert fake.calls == []  # offline: not called (§6.7)
    status = await db_pool.fetchval("SELECT status FROM sync_runs WHERE id = $1", run_id)
    assert status == "cancelled"


async def test_manual_trigger_dispatches_and_answers_202(
    client: TestClient,
    db_pool: asyncpg.Pool,
    fake_connector: tuple[FakeConnector, str],
) -> None:
    fake, url = fake_connector
    await register_connector(db_pool, url=url)
    source_id = await _source(client)
    resp = await client.post(f"/api/sources/{source_id}/sync", json={}, headers=ADMIN)
    assert resp.status == 202, await resp.text()
    body = await resp.json()
    assert body["status"] == "started"
    run_id = body["sync_run_id"]
    path, request, _ = fake.calls[0]
    assert path == "/sync"
    # No completed run yet: incremental is upgraded to full (§6.4).
    assert (request["sync_run_id"], request["sync_mode"]) == (run_id, "full")
    trigger_type = await db_pool.fetchval(
        "SELECT trigger_type FROM sync_runs WHERE id = $1", run_id
    )
    assert trigger_type == "manual"

    busy = await client.post(
        f"/api/sources/{source_id}/sync", json={"sync_mode": "full"}, headers=ADMIN
    )
    assert busy.status == 409
    assert set(await busy.json()) == {"error"}


async def test_manual_trigger_errors(client: TestClient, db_pool: asyncpg.Pool) -> None:
    assert (await client.post("/api/sources/nope/sync", headers=ADMIN)).status == 404
    source_id = await _source(client)
    resp = await client.post(f"/api/sources/{source_id}/sync", headers=ADMIN)
    assert resp.status == 404  # no online connector; no run created
    bad = await client.post(
        f"/api/sources/{source_id}/sync", json={"sync_mode": "realtime"}, headers=ADMIN
    )
    assert bad.status == 422
    assert await db_pool.fetchval("SELECT count(*) FROM sync_runs") == 0
