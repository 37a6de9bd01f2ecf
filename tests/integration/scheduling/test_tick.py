"""Scheduler tick phases over real rows (§9.2-§9.5): what gets triggered, in which order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

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
from tests.support.services import manager_services

ROOMY = {"max_concurrent_syncs": 50, "max_concurrent_syncs_per_slot": 50}


@pytest.fixture
async def services(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[Services]:
    async with manager_services(db_pool, fast_settings(**ROOMY), clock) as built:
        yield built


def _dispatched(fake: FakeConnector) -> dict[str, str]:
    return {r["source_id"]: r["sync_mode"] for r in fake.sync_requests}


async def _history(
    pool: asyncpg.Pool, source: str, clock: FrozenClock, *runs: tuple[str, str, float]
) -> None:
    """Runs of the scheduled slot as (status, trigger_type, hours ago)."""
    for status, trigger_type, hours in runs:
        await add_run(
            pool,
            source_id=source,
            created_at=clock.now() - timedelta(hours=hours),
            status=status,
            trigger_type=trigger_type,
        )


async def test_due_sources_are_triggered_and_the_others_are_not(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    now = clock.now()
    never = await add_source(db_pool, now=now)
    elapsed = await add_source(db_pool, now=now, interval=3600)
    await _history(db_pool, elapsed, clock, ("completed", "scheduled", 1))
    recent = await add_source(db_pool, now=now, interval=3600)
    await _history(db_pool, recent, clock, ("completed", "scheduled", 0.5))
    on_request = await add_source(db_pool, now=now, interval=None)
    cron_due = await add_source(db_pool, now=now, interval=None, cron="0 * * * *")
    await _history(db_pool, cron_due, clock, ("completed", "scheduled", 1))
    cron_later = await add_source(db_pool, now=now, interval=None, cron="0 3 * * *")
    await _history(db_pool, cron_later, clock, ("completed", "scheduled", 0.5))
    busy = await add_source(db_pool, now=now)
    await add_run(db_pool, source_id=busy, created_at=now, status="running")
    disabled = await add_source(db_pool, now=now, is_active=False)
    other_type = await add_source(db_pool, now=now, source_type="nobody_serves_this")
    # Manual failures are skipped by the streak: this source is simply due.
    manual_failures = await add_source(db_pool, now=now)
    await _history(
        db_pool,
        manual_failures,
        clock,
        ("completed", "scheduled", 3),
        ("failed", "manual", 0.1),
        ("failed", "manual", 0.05),
    )
    await Tick(services).due_syncs()
    assert _dispatched(fake) == {
        never: "full",  # no completed run yet: upgraded (§6.4)
        elapsed: "incremental",
        cron_due: "incremental",
        manual_failures: "incremental",
    }
    for source in (recent, on_request, cron_later, busy, disabled, other_type):
        assert source not in _dispatched(fake)
    runs = await db_pool.fetch(
        "SELECT trigger_type, dispatched_at FROM sync_runs WHERE status = 'running'"
        " AND source_id <> $1",
        busy,
    )
    assert {(r["trigger_type"], r["dispatched_at"]) for r in runs} == {("scheduled", now)}


async def test_backoff_and_breaker_hold_back_failing_sources(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    # Two failures, the newest 59 s ago: 60 s of backoff.
    backing_off = await add_source(db_pool, now=clock.now())
    await _history(
        db_pool,
        backing_off,
        clock,
        ("completed", "scheduled", 5),
        ("failed", "scheduled", 2),
        ("cancelled", "webhook", 59 / 3600),
    )
    # Ten non-manual failures: the breaker is open, however old they are.
    broken = await add_source(db_pool, now=clock.now())
    await _history(db_pool, broken, clock, *[("failed", "connector", 48 - i) for i in range(10)])
    # A manual success after the failures closes it.
    healed = await add_source(db_pool, now=clock.now())
    await _history(
        db_pool,
        healed,
        clock,
        *[("failed", "scheduled", 48 - i) for i in range(10)],
        ("completed", "manual", 2),
    )
    await Tick(services).due_syncs()
    assert set(_dispatched(fake)) == {healed}
    clock.advance(2)
    fake.sync_requests.clear()
    await Tick(services).due_syncs()
    assert set(_dispatched(fake)) == {backing_off}


async def test_at_most_max_dispatches_per_tick_oldest_first(
    db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    settings = fast_settings(max_dispatches_per_tick=2, **ROOMY)
    async with manager_services(db_pool, settings, clock) as services:
        await add_connector(db_pool, url=fake.url, now=clock.now())
        ages = {}
        for hours in (5, 9, 2, 7):
            source = await add_source(db_pool, now=clock.now())
            await _history(db_pool, source, clock, ("completed", "scheduled", hours))
            ages[hours] = source
        await Tick(services).due_syncs()
        assert set(_dispatched(fake)) == {ages[9], ages[7]}
        await Tick(services).due_syncs()
        assert set(_dispatched(fake)) == {ages[9], ages[7], ages[5], ages[2]}


async def test_a_full_global_cap_triggers_nothing(
    db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    settings = fast_settings(max_concurrent_syncs=2)
    async with manager_services(db_pool, settings, clock) as services:
        await add_connector(db_pool, url=fake.url, now=clock.now())
        sources = [await add_source(db_pool, now=clock.now()) for _ in range(4)]
        await Tick(services).due_syncs()
        assert len(fake.sync_requests) == 2
        await Tick(services).due_syncs()
        assert len(fake.sync_requests) == 2
        assert {r["source_id"] for r in fake.sync_requests} < set(sources)


async def test_failed_dispatch_creates_history_that_backs_off(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    source = await add_source(db_pool, now=clock.now())
    fake.sync_default = json_reply(500, {"error": "down"})
    await Tick(services).due_syncs()
    await Tick(services).due_syncs()
    assert len(fake.sync_requests) == 1  # 30 s of backoff after the first failure
    clock.advance(30)
    await Tick(services).due_syncs()
    assert len(fake.sync_requests) == 2
    failed = await db_pool.fetchval(
        "SELECT count(*) FROM sync_runs WHERE source_id = $1 AND status = 'failed'", source
    )
    assert failed == 2


async def test_realtime_watchers_start_once_and_back_off_after_failure(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(
        db_pool, url=fake.url, now=clock.now(), sync_modes=("full", "incremental", "realtime")
    )
    source = await add_source(db_pool, now=clock.now(), interval=None)
    tick = Tick(services)
    await tick.realtime_watchers()
    await tick.realtime_watchers()
    assert [(r["source_id"], r["sync_mode"]) for r in fake.sync_requests] == [(source, "realtime")]
    watcher = fake.sync_requests[0]["sync_run_id"]
    await db_pool.execute(
        "UPDATE sync_runs SET status = 'failed', completed_at = $2 WHERE id = $1",
        watcher,
        clock.now(),
    )
    await tick.realtime_watchers()
    assert len(fake.sync_requests) == 1
    clock.advance(30)
    await tick.realtime_watchers()
    assert len(fake.sync_requests) == 2
    assert (await run_row(db_pool, fake.sync_requests[1]["sync_run_id"]))[
        "trigger_type"
    ] == "scheduled"


async def test_full_tick_runs_every_phase_and_stops_when_leadership_is_lost(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    due = await add_source(db_pool, now=clock.now())
    disabled = await add_source(db_pool, now=clock.now(), is_active=False)
    disabled_run = await add_run(
        db_pool, source_id=disabled, created_at=clock.now(), status="running"
    )
    stale_source = await add_source(db_pool, now=clock.now(), interval=None)
    stale_run = await add_run(
        db_pool,
        source_id=stale_source,
        created_at=clock.now() - timedelta(hours=3),
        status="running",
    )
    # The connector still works on it (so the monitor does not resume it) but says nothing.
    fake.running[stale_run] = True

    async def lost() -> bool:
        return False

    await Tick(services).run(lost)
    assert fake.sync_requests == []
    assert (await run_row(db_pool, disabled_run))["status"] == "running"

    async def leading() -> bool:
        return True

    await Tick(services).run(leading)
    assert set(_dispatched(fake)) == {due}
    assert (await run_row(db_pool, disabled_run))["status"] == "cancelled"
    assert (await run_row(db_pool, stale_run))["status"] == "failed"


async def test_idle_realtime_watcher_goes_stale_then_restarts_after_backoff(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    """§11.33: an Omni watcher sends no heartbeat; it fails as stale and comes back later."""
    await add_connector(db_pool, url=fake.url, now=clock.now(), sync_modes=("full", "realtime"))
    await add_source(db_pool, now=clock.now(), interval=None)
    tick = Tick(services)
    await tick.realtime_watchers()
    (first,) = [r["sync_run_id"] for r in fake.sync_requests]
    clock.advance(61 * 60)
    await add_connector(db_pool, url=fake.url, now=clock.now(), sync_modes=("full", "realtime"))
    await tick._sweeps().stale()
    row = await run_row(db_pool, first)
    assert (row["status"], row["error_message"]) == (
        "failed",
        "Sync timed out (no activity for 60 minutes)",
    )
    await tick.realtime_watchers()
    assert len(fake.sync_requests) == 1  # backoff: 30 s after the failure
    clock.advance(30)
    await tick.realtime_watchers()
    assert len(fake.sync_requests) == 2
    assert fake.sync_requests[1]["sync_mode"] == "realtime"
    assert fake.sync_requests[1]["sync_run_id"] != first


async def test_tick_stops_before_the_next_phase_once_leadership_is_lost(
    services: Services, db_pool: asyncpg.Pool, clock: FrozenClock, fake: FakeConnector
) -> None:
    await add_connector(db_pool, url=fake.url, now=clock.now())
    due = await add_source(db_pool, now=clock.now())
    disabled = await add_source(db_pool, now=clock.now(), is_active=False)
    disabled_run = await add_run(
        db_pool, source_id=disabled, created_at=clock.now(), status="running"
    )
    answers = iter([True, True])  # realtime watchers, due syncs; then the connection is gone

    async def flaky() -> bool:
        return next(answers, False)

    await Tick(services).run(flaky)
    assert set(_dispatched(fake)) == {due}
    assert (await run_row(db_pool, disabled_run))["status"] == "running"
