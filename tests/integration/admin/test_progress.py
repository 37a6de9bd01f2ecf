"""``GET /api/sync-runs/{id}/progress``: SSE snapshots until the run ends, then close."""

from __future__ import annotations

import asyncio

import asyncpg
import orjson
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from tests.integration.admin.factories import ADMIN, SOURCES_ANY_TYPE, insert_run, source_body


async def _events(resp: object) -> list[tuple[str, dict[str, object]]]:
    text = await resp.text()  # type: ignore[attr-defined]
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], orjson.loads(lines["data"])))
    return events


async def test_stream_ends_when_the_run_completes(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    created = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    source_id = (await created.json())["id"]
    run_id = await insert_run(db_pool, source_id)
    resp = await client.get(f"/api/sync-runs/{run_id}/progress", headers=ADMIN)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/event-stream"
    first = await resp.content.readuntil(b"\n\n")
    assert b"event: progress" in first
    await db_pool.execute(
        "UPDATE sync_runs SET documents_scanned = 7, status = 'completed', "
        "completed_at = created_at WHERE id = $1",
        run_id,
    )
    events = await asyncio.wait_for(_events(resp), timeout=30)
    kind, last = events[-1]
    assert kind == "end"
    assert (last["status"], last["documents_scanned"]) == ("completed", 7)
    assert all(k == "progress" for k, _ in events[:-1])


async def test_finished_run_gets_one_end_event(client: TestClient, db_pool: asyncpg.Pool) -> None:
    created = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    run_id = await insert_run(db_pool, (await created.json())["id"], status="failed")
    resp = await client.get(f"/api/sync-runs/{run_id}/progress", headers=ADMIN)
    events = await _events(resp)
    assert [k for k, _ in events] == ["end"]
    assert events[0][1]["status"] == "failed"


async def test_unknown_run_is_404(client: TestClient) -> None:
    resp = await client.get("/api/sync-runs/nope/progress", headers=ADMIN)
    assert resp.status == 404
    assert set(await resp.json()) == {"error"}


async def test_handler_stops_when_the_client_goes_away(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    created = await client.post(SOURCES_ANY_TYPE, json=source_body(), headers=ADMIN)
    run_id = await insert_run(db_pool, (await created.json())["id"])
    with capture_logs() as logs:
        resp = await client.get(f"/api/sync-runs/{run_id}/progress", headers=ADMIN)
        await resp.content.readuntil(b"\n\n")
        resp.close()  # the run is still running: only the disconnect can end the handler

        async def closed() -> None:
            while not any(e["event"] == "progress_stream_closed" for e in logs):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(closed(), timeout=30)
    status = await db_pool.fetchval("SELECT status FROM sync_runs WHERE id = $1", run_id)
    assert status == "running"
