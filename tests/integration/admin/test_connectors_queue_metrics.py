"""Connectors online/offline by the injected clock; queue and dead letters; /metrics."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import (
    ADMIN,
    START,
    insert_queue_row,
    insert_run,
    register_connector,
    source_body,
)


async def test_connectors_online_offline_by_clock(
    client: TestClient, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    await register_connector(db_pool, connector_id="fresh", heartbeat_at=START)
    await register_connector(
        db_pool, connector_id="stale", heartbeat_at=START - timedelta(seconds=90)
    )
    body = await (await client.get("/api/connectors", headers=ADMIN)).json()
    states = {c["connector_id"]: c["online"] for c in body}
    assert states == {"fresh": True, "stale": False}  # online while now - last < 90 s (§8.1)
    fresh = next(c for c in body if c["connector_id"] == "fresh")
    assert fresh["last_heartbeat_at"] == "2026-03-04T05:06:07.123456Z"
    assert fresh["manifest"]["version"] == "1.0.0"
    assert fresh["source_types"] == ["widgets"]

    clock.advance(89)
    body = await (await client.get("/api/connectors", headers=ADMIN)).json()
    assert {c["connector_id"]: c["online"] for c in body} == {"fresh": True, "stale": False}
    clock.advance(1)
    body = await (await client.get("/api/connectors", headers=ADMIN)).json()
    assert {c["connector_id"]: c["online"] for c in body} == {"fresh": False, "stale": False}


async def _source(client: TestClient) -> str:
    resp = await client.post("/api/sources", json=source_body(), headers=ADMIN)
    return str((await resp.json())["id"])


async def test_queue_counts(client: TestClient, db_pool: asyncpg.Pool) -> None:
    empty = await (await client.get("/api/queue", headers=ADMIN)).json()
    assert empty["counts"] == {"pending": 0, "processing": 0, "completed": 0, "dead_letter": 0}
    assert empty["oldest_pending_age_seconds"] is None
    await insert_queue_row(db_pool, "s1", status="pending")
    await insert_queue_row(db_pool, "s1", status="dead_letter", key="d2")
    await insert_queue_row(db_pool, "s2", status="processing", key="d3")
    await insert_queue_row(db_pool, "s3", status="completed", key="d4")
    body = await (await client.get("/api/queue", headers=ADMIN)).json()
    assert body["counts"] == {"pending": 1, "processing": 1, "completed": 1, "dead_letter": 1}
    by_source = {s["source_id"]: s["counts"] for s in body["by_source"]}
    assert set(by_source) == {"s1", "s2"}  # completed rows are retention's business
    assert by_source["s1"] == {"pending": 1, "processing": 0, "dead_letter": 1}
    assert by_source["s2"] == {"pending": 0, "processing": 1, "dead_letter": 0}
    assert isinstance(body["oldest_pending_age_seconds"], float)


async def test_dead_letters_listed_and_requeued(client: TestClient, db_pool: asyncpg.Pool) -> None:
    a1 = await insert_queue_row(db_pool, "a", status="dead_letter", attempts=5, last_error="boom")
    a2 = await insert_queue_row(db_pool, "a", status="dead_letter", attempts=5, key="k2")
    b1 = await insert_queue_row(db_pool, "b", status="dead_letter", attempts=5, key="k3")
    done = await insert_queue_row(db_pool, "b", status="completed", key="k4")

    listed = await (await client.get("/api/queue/dead-letters", headers=ADMIN)).json()
    assert [d["seq"] for d in listed] == [a1, a2, b1]
    assert listed[0]["last_error"] == "boom"
    assert listed[0]["payload"]["document_id"] == "doc-1"
    only_b = await client.get("/api/queue/dead-letters?source_id=b", headers=ADMIN)
    assert [d["seq"] for d in await only_b.json()] == [b1]

    resp = await client.post(
        "/api/queue/dead-letters/requeue", json={"seqs": [a1, done]}, headers=ADMIN
    )
    assert await resp.json() == {"requeued": 1}  # only dead letters move
    row = await db_pool.fetchrow(
        "SELECT status, attempts, claim_token, claimed_at FROM event_queue WHERE seq = $1", a1
    )
    assert (row["status"], row["attempts"], row["claim_token"], row["claimed_at"]) == (
        "pending",
        0,
        None,
        None,
    )
    resp = await client.post(
        "/api/queue/dead-letters/requeue", json={"source_id": "b"}, headers=ADMIN
    )
    assert await resp.json() == {"requeued": 1}
    resp = await client.post("/api/queue/dead-letters/requeue", json={"all": True}, headers=ADMIN)
    assert await resp.json() == {"requeued": 1}
    statuses = await db_pool.fetch("SELECT seq, status FROM event_queue ORDER BY seq")
    assert [(r["seq"], r["status"]) for r in statuses] == [
        (a1, "pending"),
        (a2, "pending"),
        (b1, "pending"),
        (done, "completed"),
    ]
    for bad in ({}, {"all": True, "source_id": "a"}, {"seqs": ["x"]}, {"seqs": [2**70]}):
        resp = await client.post("/api/queue/dead-letters/requeue", json=bad, headers=ADMIN)
        assert resp.status == 422, bad


async def test_metrics_unauthenticated_text_exposition(
    client: TestClient, db_pool: asyncpg.Pool
) -> None:
    await register_connector(db_pool, connector_id="on")
    await register_connector(db_pool, connector_id="off", heartbeat_at=START - timedelta(hours=1))
    source_id = await _source(client)
    await insert_run(db_pool, source_id)
    await insert_queue_row(db_pool, source_id, status="dead_letter")
    await client.get("/api/connectors", headers=ADMIN)
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    assert 'sluice_connectors{state="online"} 1.0' in text
    assert 'sluice_connectors{state="offline"} 1.0' in text
    assert 'sluice_sync_runs{status="running"} 1.0' in text
    assert 'sluice_queue_rows{status="dead_letter"} 1.0' in text
    assert (
        'sluice_http_request_duration_seconds_count{method="GET",route="/api/connectors",'
        'status="200"} 1.0'
    ) in text
    assert 'route="/api/sources",status="201"' in text
