"""sluice_manager.runs.lifecycle against real Postgres (protocol §4.6, §6.2, §10.7)."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import pytest

from sluice_manager.runs.lifecycle import complete_run, finish_run, get_run, touch_run
from tests.integration.manager_sdk.factories import (
    T0,
    insert_connector,
    insert_run,
    insert_source,
    queue_rows,
    source_row,
)

LATER = T0 + timedelta(minutes=5)
TTL = 90.0


async def complete(pool: asyncpg.Pool, run_id: str) -> bool:
    return await complete_run(pool, run_id, LATER, registry_ttl_seconds=TTL)


async def test_get_run_returns_every_column(db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id, sync_type="realtime", start_seq=7)
    run = await get_run(db_pool, run_id)
    assert run is not None
    assert (run.id, run.source_id, run.sync_type, run.slot) == (
        run_id,
        source_id,
        "realtime",
        "realtime",
    )
    assert run.status == "running"
    assert run.start_seq == 7
    assert run.checkpoint_saved is False
    assert await get_run(db_pool, "nope") is None


@pytest.mark.parametrize("status", ["failed", "cancelled"])
async def test_finish_run_only_from_running(db_pool: asyncpg.Pool, status: str) -> None:
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id)
    assert await finish_run(db_pool, run_id, status, "x" * 5000, LATER) is True  # type: ignore[arg-type]
    run = await get_run(db_pool, run_id)
    assert run is not None
    assert run.status == status
    assert run.completed_at == LATER
    assert run.error_message == "x" * 4096
    assert await finish_run(db_pool, run_id, "failed", "again", LATER) is False
    again = await get_run(db_pool, run_id)
    assert again is not None
    assert (again.status, again.error_message) == (status, "x" * 4096)


async def test_touch_run_only_while_running(db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool)
    running = await insert_run(db_pool, source_id)
    done = await insert_run(db_pool, source_id, status="completed", sync_type="realtime")
    await touch_run(db_pool, running, LATER)
    await touch_run(db_pool, done, LATER)
    r1, r2 = await get_run(db_pool, running), await get_run(db_pool, done)
    assert r1 is not None
    assert r2 is not None
    assert r1.last_activity_at == LATER
    assert r2.last_activity_at == T0


async def test_complete_promotes_saved_checkpoint(db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "old"})
    run_id = await insert_run(db_pool, source_id, sync_type="incremental")
    await db_pool.execute(
        "UPDATE sync_runs SET checkpoint = $2, checkpoint_saved = true WHERE id = $1",
        run_id,
        {"cursor": "new"},
    )
    assert await complete(db_pool, run_id) is True
    source = await source_row(db_pool, source_id)
    assert source["checkpoint"] == {"cursor": "new"}
    assert source["updated_at"] == LATER
    run = await get_run(db_pool, run_id)
    assert run is not None
    assert (run.status, run.completed_at, run.error_message) == ("completed", LATER, None)
    assert await complete(db_pool, run_id) is False


async def test_complete_promotes_saved_null(db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "old"})
    run_id = await insert_run(db_pool, source_id, sync_type="incremental")
    await db_pool.execute("UPDATE sync_runs SET checkpoint_saved = true WHERE id = $1", run_id)
    assert await complete(db_pool, run_id) is True
    assert (await source_row(db_pool, source_id))["checkpoint"] is None


async def test_complete_without_saved_checkpoint_keeps_previous(db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "old"})
    run_id = await insert_run(db_pool, source_id, sync_type="incremental")
    assert await complete(db_pool, run_id) is True
    assert (await source_row(db_pool, source_id))["checkpoint"] == {"cursor": "old"}


async def test_complete_unknown_or_finished_is_noop(db_pool: asyncpg.Pool) -> None:
    source_id = await insert_source(db_pool, checkpoint={"cursor": "old"})
    failed = await insert_run(db_pool, source_id, status="failed")
    await db_pool.execute("UPDATE sync_runs SET checkpoint_saved = true WHERE id = $1", failed)
    assert await complete(db_pool, "unknown") is False
    assert await complete(db_pool, failed) is False
    source = await source_row(db_pool, source_id)
    assert source["checkpoint"] == {"cursor": "old"}
    assert source["updated_at"] == T0


async def test_full_run_completion_requests_sweep(db_pool: asyncpg.Pool, db_url: str) -> None:
    await insert_connector(db_pool, enumerates_all=True, now=LATER)
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id, sync_type="full", start_seq=42)
    await db_pool.execute("UPDATE sync_runs SET documents_emitted = 3 WHERE id = $1", run_id)
    notified: list[str] = []
    listener = await asyncpg.connect(db_url)
    try:
        await listener.add_listener("sluice_events", lambda *args: notified.append(args[3]))
        assert await complete(db_pool, run_id) is True
        await listener.execute("SELECT 1")  # a round trip delivers pending notifications
    finally:
        await listener.close()
    rows = await queue_rows(db_pool, source_id)
    assert len(rows) == 1
    row = rows[0]
    assert (row["event_type"], row["entity_kind"], row["entity_key"]) == (
        "full_sync_sweep",
        "sweep",
        run_id,
    )
    assert row["sync_run_id"] == run_id
    assert row["payload"] == {"sync_run_id": run_id, "source_id": source_id, "start_seq": 42}
    assert source_id in notified


@pytest.mark.parametrize(
    ("sync_type", "emitted", "prune"),
    [("full", 0, True), ("full", 5, False), ("incremental", 5, True), ("realtime", 5, True)],
)
async def test_no_sweep_when_not_wanted(
    db_pool: asyncpg.Pool, sync_type: str, emitted: int, prune: bool
) -> None:
    await insert_connector(db_pool, enumerates_all=True, now=LATER)
    source_id = await insert_source(db_pool, prune_on_full_sync=prune)
    run_id = await insert_run(db_pool, source_id, sync_type=sync_type)
    await db_pool.execute(
        "UPDATE sync_runs SET documents_emitted = $2 WHERE id = $1", run_id, emitted
    )
    assert await complete(db_pool, run_id) is True
    assert await queue_rows(db_pool, source_id) == []


@pytest.mark.parametrize(
    ("enumerates_all", "heartbeat"),
    [
        (False, LATER),  # an Omni SDK connector: it may have honoured the checkpoint it got
        (True, LATER - timedelta(seconds=TTL)),  # no online connector says it enumerates
        (None, LATER),  # no connector at all
    ],
)
async def test_no_sweep_unless_the_connector_declares_it_enumerates_all(
    db_pool: asyncpg.Pool, enumerates_all: bool | None, heartbeat: datetime
) -> None:
    """§10.7: only a connector declaring ``full_sync_enumerates_all`` is pruned."""
    if enumerates_all is not None:
        await insert_connector(db_pool, enumerates_all=enumerates_all, now=heartbeat)
    source_id = await insert_source(db_pool)
    run_id = await insert_run(db_pool, source_id, sync_type="full")
    await db_pool.execute("UPDATE sync_runs SET documents_emitted = 5 WHERE id = $1", run_id)
    assert await complete(db_pool, run_id) is True
    assert await queue_rows(db_pool, source_id) == []
    run = await get_run(db_pool, run_id)
    assert run is not None
    assert run.status == "completed"
