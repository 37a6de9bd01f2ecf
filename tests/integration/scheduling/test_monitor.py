"""The run monitor (§8.2, §11.10-12), stale detection (§8.3) and disabled sources (§8.4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from sluice_manager.runs.trigger import trigger
from sluice_manager.scheduling.tick import Tick
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
from tests.support.http import free_port
from tests.support.services import manager_services

GAVE_UP = "Connector lost the sync run; gave up after 3 resume attempts"


async def _monitor(services: Services) -> None:
    await Tick(services).monitor().run_pass()


async def _running_run(
    pool: asyncpg.Pool,
    clock: FrozenClock,
    fake: FakeConnector,
    *,
    source_checkpoint: object = None,
    sync_type: str = "full",
    trigger_type: str = "scheduled",
) -> tuple[str, str]:
    await add_connector(pool, url=fake.url, now=clock.now())
    source = await add_source(pool, now=clock.now(), checkpoint=source_checkpoint)
    run_id = await add_run(
        pool,
        source_id=source,
        created_at=clock.now(),
        status="running",
        sync_type=sync_type,
        trigger_type=trigger_type,
        dispatched_at=clock.now(),
    )
    return source, run_id


async def test_lost_run_is_resumed_with_its_saved_checkpoint(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    source, run_id = await _running_run(db_pool, clock, fake, source_checkpoint={"c": "source"})
    await db_pool.execute(
        "UPDATE sync_runs SET checkpoint = $2, checkpoint_saved = true WHERE id = $1",
        run_id,
        {"c": "run"},
    )
    clock.advance(30)
    await _monitor(services)
    assert fake.status_calls == [run_id]
    assert fake.sync_requests == [
        {
            "sync_run_id": run_id,
            "source_id": source,
            "sync_mode": "full",
            "checkpoint": {"c": "run"},
            "is_resume": True,
        }
    ]
    assert fake.sync_headers[0]["Authorization"] == "Bearer connector-token"
    row = await run_row(db_pool, run_id)
    assert (row["status"], row["resume_attempts"]) == ("running", 1)
    assert row["last_activity_at"] == clock.now()


async def test_resume_without_saved_checkpoint_sends_the_sources(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    _source, _run_id = await _running_run(db_pool, clock, fake, source_checkpoint={"c": "source"})
    await _monitor(services)
    assert fake.sync_requests[0]["checkpoint"] == {"c": "source"}


async def test_run_that_saved_null_resumes_without_checkpoint(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    _, run_id = await _running_run(db_pool, clock, fake, source_checkpoint={"c": "source"})
    await db_pool.execute(
        "UPDATE sync_runs SET checkpoint = NULL, checkpoint_saved = true WHERE id = $1", run_id
    )
    await _monitor(services)
    assert "checkpoint" not in fake.sync_requests[0]
    assert fake.sync_requests[0]["is_resume"] is True


async def test_incremental_resume_carries_last_sync_at(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    source, _run_id = await _running_run(db_pool, clock, fake, sync_type="incremental")
    await add_run(db_pool, source_id=source, created_at=clock.now() - timedelta(hours=1))
    await _monitor(services)
    assert fake.sync_requests[0]["sync_mode"] == "incremental"
    assert fake.sync_requests[0]["last_sync_at"] == "2025-12-31T23:00:00.000000Z"


async def test_running_true_never_resumes_and_resets_attempts(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    _, run_id = await _running_run(db_pool, clock, fake)
    await db_pool.execute("UPDATE sync_runs SET resume_attempts = 2 WHERE id = $1", run_id)
    fake.running[run_id] = True
    for _ in range(3):
        await _monitor(services)
    assert fake.sync_requests == []
    assert (await run_row(db_pool, run_id))["resume_attempts"] == 0


async def test_status_404_leaves_the_run_alone(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    _, run_id = await _running_run(db_pool, clock, fake)
    fake.status_reply = json_reply(404, {"error": "not found"})
    for _ in range(5):
        await _monitor(services)
    assert fake.sync_requests == []
    row = await run_row(db_pool, run_id)
    assert (row["status"], row["resume_attempts"]) == ("running", 0)


@pytest.mark.parametrize(
    "reply",
    [json_reply(500, {"error": "x"}), (200, b"not json"), json_reply(200, {"running": "yes"})],
)
async def test_invalid_status_reply_is_unknown_not_lost(
    services: Services,
    db_pool: asyncpg.Pool,
    clock: FrozenClock,
    fake: FakeConnector,
    reply: tuple[int, bytes],
) -> None:
    """§8.2 step 3: an answer that says nothing about the run leaves it to stale detection."""
    _, run_id = await _running_run(db_pool, clock, fake)
    fake.status_reply = reply
    for _ in range(5):
        await _monitor(services)
    assert fake.sync_requests == []
    row = await run_row(db_pool, run_id)
    assert (row["status"], row["resume_attempts"]) == ("running", 0)


@pytest.fixture
async def quick_poll(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[Services]:
    """Services whose status polls give up after 0.2 s."""
    settings = fast_settings(status_poll_timeout_seconds=0.2)
    async with manager_services(db_pool, settings, clock) as built:
        yield built


async def test_busy_connector_whose_poll_times_out_is_not_lost(
    quick_poll: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    """§8.2 step 3: a connector whose event loop is blocked does not answer the poll in time; that
    is no evidence of loss, so it is neither resumed nor failed, however many ticks it lasts."""
    _, run_id = await _running_run(db_pool, clock, fake)
    fake.status_hold = asyncio.Event()
    try:
        for _ in range(5):
            clock.advance(30)
            await add_connector(db_pool, url=fake.url, now=clock.now())
            await _monitor(quick_poll)
    finally:
        fake.status_hold.set()
    assert fake.status_calls == [run_id] * 5
    assert fake.sync_requests == []
    row = await run_row(db_pool, run_id)
    assert (row["status"], row["resume_attempts"]) == ("running", 0)


async def test_silent_run_whose_polls_time_out_fails_by_stale_detection(
    quick_poll: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    """§8.3 stays the fallback: unanswered polls never touch the run, so a run that also sends
    nothing fails once it has been silent for ``stale_timeout_minutes``."""
    _, run_id = await _running_run(db_pool, clock, fake)
    fake.status_hold = asyncio.Event()
    try:
        for _ in range(4):
            clock.advance(15 * 60)
            await add_connector(db_pool, url=fake.url, now=clock.now())
            await _monitor(quick_poll)
            assert (await run_row(db_pool, run_id))["status"] == "running"
        clock.advance(60)  # 61 minutes without activity
        await add_connector(db_pool, url=fake.url, now=clock.now())
        await Tick(quick_poll)._sweeps().stale()
    finally:
        fake.status_hold.set()
    row = await run_row(db_pool, run_id)
    assert (row["status"], row["error_message"]) == (
        "failed",
        "Sync timed out (no activity for 60 minutes)",
    )
    assert fake.sync_requests == []
    assert fake.cancels == [run_id]


async def test_refused_connection_means_lost(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    """§8.2 step 3: a refused connection says the process is gone: resumed, then given up."""
    gone = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    await add_connector(db_pool, url=gone, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    run_id = await add_run(
        db_pool,
        source_id=source,
        created_at=clock.now(),
        status="running",
        dispatched_at=clock.now(),
    )
    for tick in range(1, 5):
        clock.advance(30)
        await add_connector(db_pool, url=gone, now=clock.now())
        await _monitor(services)
        row = await run_row(db_pool, run_id)
        if tick < 4:
            assert (row["status"], row["resume_attempts"]) == ("running", tick)
    assert (row["status"], row["error_message"]) == ("failed", GAVE_UP)


async def test_409_to_a_resume_means_the_connector_still_holds_the_run(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    """§8.2 step 4: like an Omni SDK connector, which keys its runs by source and answers 409
    while it holds one. The run stays running and is not given up on; stale detection remains."""
    _, run_id = await _running_run(db_pool, clock, fake)
    fake.status_reply = json_reply(200, {"running": False})
    fake.sync_default = json_reply(409, {"detail": "Sync already in progress for this source"})
    for _ in range(6):
        clock.advance(30)
        await add_connector(db_pool, url=fake.url, now=clock.now())
        await _monitor(services)
        row = await run_row(db_pool, run_id)
        assert (row["status"], row["resume_attempts"]) == ("running", 0)
    assert len(fake.sync_requests) == 6
    assert all(r["is_resume"] is True for r in fake.sync_requests)


async def test_connector_that_keeps_losing_the_run_gets_three_resumes_then_fails(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    """§11.10: like the Omni Python SDK, the sync returns without completing."""
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    run_id = await trigger(services, source, "full", "scheduled")
    fake.status_reply = json_reply(200, {"running": False})
    for tick in range(1, 5):
        clock.advance(30)
        await add_connector(db_pool, url=fake.url, now=clock.now())
        await _monitor(services)
        row = await run_row(db_pool, run_id)
        if tick < 4:
            assert (row["status"], row["resume_attempts"]) == ("running", tick)
    assert row["status"] == "failed"
    assert row["error_message"] == GAVE_UP
    assert len(fake.sync_requests) == 4
    assert [r.get("is_resume", False) for r in fake.sync_requests] == [False, True, True, True]
    assert {r["sync_run_id"] for r in fake.sync_requests} == {run_id}


async def test_vanished_connector_grace_tick_then_fails_on_tick_five(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    _, run_id = await _running_run(db_pool, clock, fake)
    clock.advance(90)  # the registration expires
    expected = [(1, 0), (2, 1), (3, 2), (4, 3)]
    for observations, attempts in expected:
        await _monitor(services)
        row = await run_row(db_pool, run_id)
        assert row["status"] == "running"
        assert (row["offline_observations"], row["resume_attempts"]) == (observations, attempts)
        clock.advance(30)
    await _monitor(services)
    row = await run_row(db_pool, run_id)
    assert (row["status"], row["error_message"]) == ("failed", GAVE_UP)
    assert fake.sync_requests == []


async def test_connector_back_after_grace_resets_observations(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    _, run_id = await _running_run(db_pool, clock, fake)
    clock.advance(90)
    await _monitor(services)
    assert (await run_row(db_pool, run_id))["offline_observations"] == 1
    await add_connector(db_pool, url=fake.url, now=clock.now())
    fake.running[run_id] = True
    await _monitor(services)
    row = await run_row(db_pool, run_id)
    assert (row["offline_observations"], row["resume_attempts"]) == (0, 0)


async def test_monitor_skips_connector_runs_in_flight_dispatches_and_gone_sources(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    owned_source = await add_source(db_pool, now=clock.now())
    await add_run(
        db_pool,
        source_id=owned_source,
        created_at=clock.now() - timedelta(hours=1),
        status="running",
        trigger_type="connector",
    )
    flight_source = await add_source(db_pool, now=clock.now())
    in_flight = await add_run(
        db_pool,
        source_id=flight_source,
        created_at=clock.now() - timedelta(seconds=9),  # deadline 10 s in fast_settings
        status="running",
    )
    gone_source = await add_source(db_pool, now=clock.now(), is_deleted=True, is_active=False)
    await add_run(
        db_pool,
        source_id=gone_source,
        created_at=clock.now(),
        status="running",
        dispatched_at=clock.now(),
    )
    await _monitor(services)
    assert fake.status_calls == []
    clock.advance(2)  # the first dispatch's deadline has passed: the monitor takes it over
    await _monitor(services)
    assert fake.status_calls == [in_flight]


async def test_stale_runs_fail_and_are_cancelled_at_the_connector(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now(), sync_modes=("full", "realtime"))
    source = await add_source(db_pool, now=clock.now())
    old = clock.now() - timedelta(minutes=61)
    stale_watcher = await add_run(
        db_pool, source_id=source, created_at=old, status="running", sync_type="realtime"
    )
    stale_owned = await add_run(
        db_pool,
        source_id=await add_source(db_pool, now=clock.now()),
        created_at=old,
        status="running",
        trigger_type="connector",
    )
    fresh = await add_run(
        db_pool,
        source_id=source,
        created_at=old,
        status="running",
        last_activity_at=clock.now() - timedelta(minutes=59),
    )
    await Tick(services)._sweeps().stale()
    for run_id in (stale_watcher, stale_owned):
        row = await run_row(db_pool, run_id)
        assert row["status"] == "failed"
        assert row["error_message"] == "Sync timed out (no activity for 60 minutes)"
        assert row["completed_at"] == clock.now()
    assert (await run_row(db_pool, fresh))["status"] == "running"
    assert sorted(fake.cancels) == sorted([stale_watcher, stale_owned])


async def test_stale_run_without_online_connector_still_fails(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    source = await add_source(db_pool, now=clock.now())
    run_id = await add_run(
        db_pool, source_id=source, created_at=clock.now() - timedelta(hours=2), status="running"
    )
    await Tick(services)._sweeps().stale()
    assert (await run_row(db_pool, run_id))["status"] == "failed"


async def test_runs_of_disabled_and_deleted_sources_are_cancelled(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    disabled = await add_source(db_pool, now=clock.now(), is_active=False)
    deleted = await add_source(db_pool, now=clock.now(), is_deleted=True)
    active = await add_source(db_pool, now=clock.now())
    runs = {}
    for source in (disabled, deleted, active):
        runs[source] = await add_run(
            db_pool, source_id=source, created_at=clock.now(), status="running"
        )
    await Tick(services)._sweeps().inactive_sources()
    row = await run_row(db_pool, runs[disabled])
    assert (row["status"], row["error_message"]) == ("cancelled", "Source was disabled")
    row = await run_row(db_pool, runs[deleted])
    assert (row["status"], row["error_message"]) == ("cancelled", "Source was deleted")
    assert (await run_row(db_pool, runs[active]))["status"] == "running"
    assert sorted(fake.cancels) == sorted([runs[disabled], runs[deleted]])
