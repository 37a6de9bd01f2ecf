"""The trigger against real Postgres and a real fake connector (§9.6, §3.3, §11.7-9, §11.12-13)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from sluice_manager.http.statuses import status_of
from sluice_manager.runs.create import create_run
from sluice_manager.runs.errors import TriggerError
from sluice_manager.runs.trigger import trigger
from sluice_manager.services import Services
from sluice_runtime.clock import FrozenClock
from tests.integration.scheduling.support import (
    FakeConnector,
    add_connector,
    add_run,
    add_source,
    fast_settings,
    json_reply,
    run_row,
)
from tests.support.services import manager_services


async def _runs(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch("SELECT * FROM sync_runs ORDER BY id")
    return rows


async def _expect(services: Services, source_id: str, sync_type: str) -> TriggerError:
    with pytest.raises(TriggerError) as caught:
        await trigger(services, source_id, sync_type, "manual")
    return caught.value


# --- order of checks (§9.6 steps 1-6) -------------------------------------------------------


async def test_missing_and_deleted_sources_are_404(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    deleted = await add_source(db_pool, now=clock.now(), is_deleted=True, is_active=False)
    for source_id in ("no-such-source", deleted):
        error = await _expect(services, source_id, "incremental")
        assert (status_of(error), error.kind) == (404, "source_missing")
    assert await _runs(db_pool) == []


async def test_inactive_source_is_400_before_the_connector_check(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source = await add_source(db_pool, now=clock.now(), is_active=False)
    error = await _expect(services, source, "incremental")
    assert (status_of(error), error.kind) == (400, "inactive")


async def test_no_online_connector_is_404_and_creates_no_run(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    source = await add_source(db_pool, now=clock.now())
    assert (await _expect(services, source, "full")).kind == "no_connector"
    # Registered 90 s ago: offline (§8.1).
    await add_connector(db_pool, url=fake.url, now=clock.now() - timedelta(seconds=90))
    error = await _expect(services, source, "full")
    assert (status_of(error), error.kind) == (404, "no_connector")
    assert await _runs(db_pool) == []
    assert fake.sync_requests == []


async def test_realtime_not_in_sync_modes_is_400(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    error = await _expect(services, source, "realtime")
    assert (status_of(error), error.kind) == (400, "realtime_unsupported")
    assert await _runs(db_pool) == []


async def test_invalid_config_is_400_and_creates_no_run(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    schema = {"type": "object", "required": ["root"], "properties": {"root": {"type": "string"}}}
    await add_connector(db_pool, url=fake.url, now=clock.now(), config_schema=schema)
    source = await add_source(db_pool, now=clock.now(), config={"root": 5})
    error = await _expect(services, source, "incremental")
    assert (status_of(error), error.kind) == (400, "invalid_config")
    assert await _runs(db_pool) == []
    good = await add_source(db_pool, now=clock.now(), config={"root": "/data"})
    assert await trigger(services, good, "incremental", "manual")


async def test_incremental_is_upgraded_to_full_until_a_run_completes(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now(), checkpoint={"cursor": "c1"})
    # A completed realtime run says nothing about earlier changes (§6.5).
    await add_run(
        db_pool, source_id=source, created_at=clock.now() - timedelta(hours=2), sync_type="realtime"
    )
    first = await trigger(services, source, "incremental", "manual")
    assert (await run_row(db_pool, first))["sync_type"] == "full"
    assert fake.sync_requests[-1]["sync_mode"] == "full"
    assert "last_sync_at" not in fake.sync_requests[-1]
    await db_pool.execute(
        "UPDATE sync_runs SET status = 'completed', completed_at = $2 WHERE id = $1",
        first,
        clock.now(),
    )
    clock.advance(60)
    second = await trigger(services, source, "incremental", "manual")
    request = fake.sync_requests[-1]
    assert (await run_row(db_pool, second))["sync_type"] == "incremental"
    assert request["sync_mode"] == "incremental"
    assert request["last_sync_at"] == "2026-01-01T00:00:00.000000Z"
    assert request["checkpoint"] == {"cursor": "c1"}
    assert "is_resume" not in request


async def test_incremental_not_listed_is_sent_as_full(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now(), sync_modes=("full",))
    source = await add_source(db_pool, now=clock.now())
    await add_run(db_pool, source_id=source, created_at=clock.now() - timedelta(hours=1))
    run_id = await trigger(services, source, "incremental", "scheduled")
    assert (await run_row(db_pool, run_id))["sync_type"] == "full"
    assert fake.sync_requests[-1]["sync_mode"] == "full"
    assert "checkpoint" not in fake.sync_requests[-1]


async def test_busy_slot_and_caps_are_409(
    db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    settings = fast_settings(max_concurrent_syncs=3, max_concurrent_syncs_per_slot=2)
    async with manager_services(db_pool, settings, clock) as services:
        await add_connector(db_pool, url=fake.url, now=clock.now(), sync_modes=("full", "realtime"))
        sources = [await add_source(db_pool, now=clock.now()) for _ in range(4)]
        await trigger(services, sources[0], "full", "manual")
        busy = await _expect(services, sources[0], "full")
        assert (status_of(busy), busy.kind) == (409, "slot_busy")
        # The realtime slot of the same source is separate (§6.3).
        await trigger(services, sources[0], "realtime", "scheduled")
        await trigger(services, sources[1], "full", "manual")
        # Three running in all: the global cap comes before the slot cap.
        capped = await _expect(services, sources[2], "full")
        assert (status_of(capped), capped.kind) == (409, "global_cap")
        await db_pool.execute(
            "UPDATE sync_runs SET status = 'failed', completed_at = $1"
            " WHERE sync_type = 'realtime'",
            clock.now(),
        )
        slot = await _expect(services, sources[2], "full")
        assert (status_of(slot), slot.kind) == (409, "slot_cap")
        assert len(fake.sync_requests) == 3


async def test_create_run_records_start_seq_under_the_source_lock(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source = await add_source(db_pool, now=clock.now())
    for key in ("a", "b"):
        await db_pool.execute(
            "INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key,"
            " payload) VALUES ($1, 'r0', 'document_deleted', 'document', $2, '{}')",
            source,
            key,
        )
    highest = await db_pool.fetchval("SELECT max(seq) FROM event_queue")
    run_id = await create_run(
        services, source_id=source, sync_type="full", trigger_type="connector", now=clock.now()
    )
    row = await run_row(db_pool, run_id)
    assert row["start_seq"] == highest
    assert row["status"] == "running"
    assert row["created_at"] == row["last_activity_at"] == clock.now()
    assert row["trigger_type"] == "connector"
    assert row["dispatched_at"] is None


async def test_start_seq_is_zero_on_an_empty_queue(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source = await add_source(db_pool, now=clock.now())
    run_id = await create_run(
        services, source_id=source, sync_type="full", trigger_type="manual", now=clock.now()
    )
    assert (await run_row(db_pool, run_id))["start_seq"] == 0


# --- dispatch and its reply table (§9.6 steps 7-8, §3.3, §11.7-9, §11.13) --------------------


async def test_accepted_dispatch_is_committed_first_and_carries_the_token(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    seen: list[Any] = []

    async def look(body: dict[str, Any]) -> None:
        row = await db_pool.fetchrow(
            "SELECT status FROM sync_runs WHERE id = $1", body["sync_run_id"]
        )
        seen.append(None if row is None else row["status"])

    fake.on_sync = look
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    run_id = await trigger(services, source, "full", "manual")
    assert seen == ["running"]
    assert fake.sync_headers[0]["Authorization"] == "Bearer connector-token"
    assert fake.sync_requests[0] == {
        "sync_run_id": run_id,
        "source_id": source,
        "sync_mode": "full",
    }
    row = await run_row(db_pool, run_id)
    assert row["dispatched_at"] == clock.now()
    assert row["status"] == "running"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (json_reply(200, {"message": "no status"}), 'HTTP 200: {"message":"no status"}'),
        ((200, b"not json"), "HTTP 200: not json"),
        (json_reply(200, {"status": 5}), 'HTTP 200: {"status":5}'),
        (json_reply(409, {"error": "busy"}), 'HTTP 409: {"error":"busy"}'),
        (json_reply(404, {"error": "x"}), 'HTTP 404: {"error":"x"}'),
        ((500, b"x" * 800), "HTTP 500: " + "x" * 500),
    ],
)
async def test_rejected_dispatch_fails_the_run_with_502(
    services: Services,
    db_pool: asyncpg.Pool,
    clock: FrozenClock,
    fake: FakeConnector,
    reply: tuple[int, bytes],
    expected: str,
) -> None:
    fake.sync_replies.append(reply)
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    error = await _expect(services, source, "full")
    assert (status_of(error), error.kind) == (502, "dispatch_failed")
    row = await run_row(db_pool, error.sync_run_id or "")
    assert row["status"] == "failed"
    assert row["error_message"] == f"Connector rejected dispatch: {expected}"
    assert row["completed_at"] == clock.now()
    assert len(fake.sync_requests) == 1  # HTTP statuses are not retried


async def test_realtime_404_cancels_the_run(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    fake.sync_replies.append(json_reply(404, {"error": "no realtime"}))
    await add_connector(db_pool, url=fake.url, now=clock.now(), sync_modes=("full", "realtime"))
    source = await add_source(db_pool, now=clock.now())
    error = await _expect(services, source, "realtime")
    assert (status_of(error), error.kind) == (400, "realtime_unavailable")
    row = await run_row(db_pool, error.sync_run_id or "")
    assert row["status"] == "cancelled"
    assert row["error_message"] == "Realtime sync not available for this source"


async def test_redirects_are_not_followed(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    fake.sync_replies.append((302, b""))
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    error = await _expect(services, source, "full")
    row = await run_row(db_pool, error.sync_run_id or "")
    assert row["error_message"] == "Connector rejected dispatch: HTTP 302: "


async def test_unreachable_connector_fails_after_retries(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    from tests.support.http import free_port

    await add_connector(db_pool, url=f"http://127.0.0.1:{free_port()}", now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    error = await _expect(services, source, "full")
    assert (status_of(error), error.kind) == (502, "dispatch_failed")
    row = await run_row(db_pool, error.sync_run_id or "")
    assert row["status"] == "failed"
    assert row["error_message"].startswith("Connector unreachable: ")


async def test_dispatch_deadline_fails_the_run(
    db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    import asyncio

    async def hang(body: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    fake.on_sync = hang
    settings = fast_settings(dispatch_attempt_timeout_seconds=0.4, dispatch_deadline_seconds=1)
    async with manager_services(db_pool, settings, clock) as services:
        await add_connector(db_pool, url=fake.url, now=clock.now())
        source = await add_source(db_pool, now=clock.now())
        error = await _expect(services, source, "full")
    row = await run_row(db_pool, error.sync_run_id or "")
    assert row["error_message"] == "Connector dispatch timed out after 1 s"
    # Each timed-out attempt was retried until the deadline.
    assert len(fake.sync_requests) >= 2
