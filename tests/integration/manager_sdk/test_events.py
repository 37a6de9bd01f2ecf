"""``POST /sdk/events`` and ``/sdk/events/batch`` (protocol §4.2, §4.3, §5, §10.1; §11.19-25)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.conftest import AUTH, make_settings
from tests.integration.manager_sdk.factories import insert_run, insert_source, queue_rows

Client = TestClient[web.Request, web.Application]
PUBLIC = {"public": True, "users": [], "groups": []}


def created(
    run_id: str, source_id: str, document_id: str = "doc-1", **extra: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "document_created",
        "sync_run_id": run_id,
        "source_id": source_id,
        "document_id": document_id,
        "content_id": "blob-1",
        "metadata": {"title": f"Title of {document_id}"},
        "permissions": PUBLIC,
    }
    event.update(extra)
    return event


def batch(run_id: str, source_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"sync_run_id": run_id, "source_id": source_id, "events": events}


async def _run_row(pool: asyncpg.Pool, run_id: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run_id)
    assert row is not None
    return row


async def test_single_event_is_queued(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock, db_url: str
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    clock.advance(10)
    notified: list[str] = []
    listener = await asyncpg.connect(db_url)
    try:
        await listener.add_listener("sluice_events", lambda *args: notified.append(args[3]))
        body = {"sync_run_id": run_id, "source_id": source_id, "event": created(run_id, source_id)}
        resp = await client.post("/sdk/events", json=body, headers=AUTH)
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}
        await listener.execute("SELECT 1")
    finally:
        await listener.close()
    assert notified == [source_id]
    rows = await queue_rows(db_pool, source_id)
    assert len(rows) == 1
    row = rows[0]
    assert (row["event_type"], row["entity_kind"], row["entity_key"]) == (
        "document_created",
        "document",
        "doc-1",
    )
    assert (row["sync_run_id"], row["status"], row["attempts"]) == (run_id, "pending", 0)
    assert row["payload"] == created(run_id, source_id)
    run = await _run_row(db_pool, run_id)
    assert run["documents_emitted"] == 1
    assert run["last_activity_at"] == clock.now()


async def test_batch_of_every_event_type(client: Client, db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    ctx = {"sync_run_id": run_id, "source_id": source_id}
    events = [
        created(run_id, source_id, " Doc-A ", attributes={"k": "v"}),
        {
            **ctx,
            "type": "document_updated",
            "document_id": "Doc-B",
            "content_id": "blob-2",
            "metadata": {"size": 1024, "created_at": "+002025-03-04T07:06:07.123456789+02:00"},
        },
        {**ctx, "type": "document_deleted", "document_id": "Doc-C"},
        {
            **ctx,
            "type": "group_membership_sync",
            "group_email": "  Team@Example.COM ",
            "member_emails": ["A@example.com"],
        },
        {**ctx, "type": "person_sync", "person": {"email": " Ann@Example.com", "name": "Ann"}},
        {**ctx, "type": "person_deleted", "email": "BOB@example.com "},
    ]
    resp = await client.post(
        "/sdk/events/batch", json=batch(run_id, source_id, events), headers=AUTH
    )
    assert resp.status == 200, await resp.text()
    rows = await queue_rows(db_pool, source_id)
    assert [(r["event_type"], r["entity_kind"], r["entity_key"]) for r in rows] == [
        ("document_created", "document", " Doc-A "),
        ("document_updated", "document", "Doc-B"),
        ("document_deleted", "document", "Doc-C"),
        ("group_membership_sync", "group", "team@example.com"),
        ("person_sync", "person", "ann@example.com"),
        ("person_deleted", "person", "bob@example.com"),
    ]
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    # The payload is the validated event: size as a string, timestamps in UTC with Z (§1.3, §5.2).
    assert rows[1]["payload"]["metadata"] == {
        "size": "1024",
        "created_at": "2025-03-04T05:06:07.123456Z",
    }
    assert "permissions" not in rows[1]["payload"]
    assert rows[2]["payload"] == events[2]
    assert rows[4]["payload"]["person"] == {"email": " Ann@Example.com", "name": "Ann"}
    assert (await _run_row(db_pool, run_id))["documents_emitted"] == 3


async def test_empty_batch_is_ok_and_queues_nothing(
    client: Client, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    clock.advance(5)
    resp = await client.post("/sdk/events/batch", json=batch(run_id, source_id, []), headers=AUTH)
    assert resp.status == 200
    assert await queue_rows(db_pool) == []
    run = await _run_row(db_pool, run_id)
    assert run["documents_emitted"] == 0


@pytest.mark.parametrize("member", ["sync_run_id", "source_id"])
async def test_one_mismatched_event_rejects_whole_batch(
    client: Client, db_pool: asyncpg.Pool, member: str
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    events = [created(run_id, source_id, f"d{i}") for i in range(5)]
    events[3][member] = "someone-else"
    resp = await client.post(
        "/sdk/events/batch", json=batch(run_id, source_id, events), headers=AUTH
    )
    assert resp.status == 400
    assert set(await resp.json()) == {"error"}
    assert await queue_rows(db_pool) == []
    assert (await _run_row(db_pool, run_id))["documents_emitted"] == 0


INVALID_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("naive timestamp", {"metadata": {"created_at": "2025-03-04T05:06:07"}}),
    ("year 0", {"metadata": {"created_at": "+000000-03-04T05:06:07Z"}}),
    ("unknown type", {"type": "document_moved"}),
    ("long id", {"document_id": "x" * 1025}),
    ("empty id", {"document_id": ""}),
    ("partial permissions", {"permissions": {"public": True, "users": []}}),
    ("negative size", {"metadata": {"size": -1}}),
    ("size not digits", {"metadata": {"size": "12kb"}}),
]


@pytest.mark.parametrize(("case", "override"), INVALID_EVENTS)
async def test_invalid_event_rejects_whole_batch_with_422(
    client: Client, db_pool: asyncpg.Pool, case: str, override: dict[str, Any]
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    events = [created(run_id, source_id, "good"), {**created(run_id, source_id, "bad"), **override}]
    resp = await client.post(
        "/sdk/events/batch", json=batch(run_id, source_id, events), headers=AUTH
    )
    assert resp.status == 422, case
    assert set(await resp.json()) == {"error"}
    assert await queue_rows(db_pool) == []


async def test_offset_and_six_digit_year_are_accepted(
    client: Client, db_pool: asyncpg.Pool
) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    events = [
        created(run_id, source_id, "a", metadata={"created_at": "2025-03-04T05:06:07+05:30"}),
        created(run_id, source_id, "b", metadata={"updated_at": "+002025-03-04T05:06:07.1Z"}),
    ]
    resp = await client.post(
        "/sdk/events/batch", json=batch(run_id, source_id, events), headers=AUTH
    )
    assert resp.status == 200
    rows = await queue_rows(db_pool)
    assert rows[0]["payload"]["metadata"]["created_at"] == "2025-03-03T23:36:07.000000Z"
    assert rows[1]["payload"]["metadata"]["updated_at"] == "2025-03-04T05:06:07.100000Z"


async def _scenario(pool: asyncpg.Pool, case: str) -> tuple[str, str]:
    """A (source_id, sync_run_id) pair that must be refused with 400 (§4.2 steps 3-4)."""
    if case == "unknown source":
        other = await insert_source(pool)
        return "no-such-source", await insert_run(pool, other)
    if case == "deleted source":
        source_id = await insert_source(pool, is_deleted=True)
        return source_id, await insert_run(pool, source_id)
    if case == "disabled source":
        source_id = await insert_source(pool, is_active=False)
        return source_id, await insert_run(pool, source_id)
    source_id = await insert_source(pool)
    if case == "unknown run":
        return source_id, "no-such-run"
    if case == "another source's run":
        other = await insert_source(pool)
        return source_id, await insert_run(pool, other)
    return source_id, await insert_run(pool, source_id, status=case)


REFUSED = [
    "unknown source",
    "deleted source",
    "disabled source",
    "unknown run",
    "another source's run",
    "completed",
    "failed",
    "cancelled",
]


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("empty", [False, True])
async def test_refused_source_or_run_is_400_and_queues_nothing(
    client: Client, db_pool: asyncpg.Pool, case: str, empty: bool
) -> None:
    source_id, run_id = await _scenario(db_pool, case)
    events = [] if empty else [created(run_id, source_id, f"d{i}") for i in range(3)]
    resp = await client.post(
        "/sdk/events/batch", json=batch(run_id, source_id, events), headers=AUTH
    )
    assert resp.status == 400
    body = await resp.json()
    assert set(body) == {"error"}
    if case == "unknown source":
        assert body["error"] == "unknown event source"
    assert await queue_rows(db_pool) == []
    assert await db_pool.fetchval("SELECT coalesce(max(documents_emitted), 0) FROM sync_runs") == 0
    if not empty:
        single = {"sync_run_id": run_id, "source_id": source_id, "event": events[0]}
        assert (await client.post("/sdk/events", json=single, headers=AUTH)).status == 400
        assert await queue_rows(db_pool) == []


async def test_protocol_order_errors(client: Client, db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    body = batch(run_id, source_id, [created(run_id, source_id)])
    for path in ("/sdk/events/batch", "/sdk/events"):
        assert (await client.post(path, json=body)).status == 401
        resp = await client.post(path, data=b"{}", headers={**AUTH, "Content-Type": "text/csv"})
        assert resp.status == 415
        resp = await client.post(
            path, data=b'{"a":', headers={**AUTH, "Content-Type": "application/json"}
        )
        assert resp.status == 400
        resp = await client.post(
            path, data=b"", headers={**AUTH, "Content-Type": "application/json"}
        )
        assert resp.status == 400
        resp = await client.post(path, json={"sync_run_id": run_id}, headers=AUTH)
        assert resp.status == 422
    assert await queue_rows(db_pool) == []


async def test_bulk_body_limit(db_pool: asyncpg.Pool) -> None:
    settings = make_settings(max_bulk_body_bytes=2000, max_json_body_bytes=100)
    app = create_app(settings, db_pool, clock=FrozenClock(), run_leader_work=False)
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    async with TestClient(TestServer(app)) as client:
        # The bulk limit applies, not the general JSON one.
        small = batch(run_id, source_id, [created(run_id, source_id)])
        assert (await client.post("/sdk/events/batch", json=small, headers=AUTH)).status == 200
        big = batch(run_id, source_id, [created(run_id, source_id, f"d{i}") for i in range(20)])
        resp = await client.post("/sdk/events/batch", json=big, headers=AUTH)
        assert resp.status == 413
        assert await resp.json() == {"error": "request body exceeds 2000 bytes"}
    assert len(await queue_rows(db_pool)) == 1
