"""Scheduler tick over 100,000 sources (target < 1 s) and monitor tick over 1,000 running runs
(target < 5 s), each measured in-process through ``sluice_manager.scheduling.tick.Tick`` against the
bench database, next to the raw ceiling of the same SQL (and, for the monitor, the same GETs).

The scheduler figure is ``Tick.due_syncs``, the due-computation phase (§9.3-§9.4): its one
candidate query, the running counts, then the pure filtering of ``policy.select_due``. It runs
with ``max_dispatches_per_tick = 0``, so the whole selection is computed (every candidate is
filtered and sorted) and the cap leaves nothing to trigger: no run is created, nothing is sent,
and every repetition sees the same rows (checked after the measurement).

The monitor's connectors are one aiohttp process, ``python -m bench.scheduling sim PORT``, that
answers ``GET /sync/{id}`` with ``{"running": true}``.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web

from bench.fixtures import CONNECTOR_TOKEN
from bench.harness import free_port, line, spawn, wait_http
from sluice_manager.connector_client import ConnectorClient
from sluice_manager.ids import new_id
from sluice_manager.scheduling import policy
from sluice_manager.scheduling.tick import Tick, limits_of
from sluice_manager.services import Services, connector_session
from sluice_manager.settings import ManagerSettings
from sluice_manager.sources.crypto import KEY_BYTES, SecretBox
from sluice_runtime.clock import FrozenClock
from sluice_sql.pool import create_pool
from sluice_sql.query_loader import QUERIES

SOURCES = 100_000
RUNNING_RUNS = 1_000
REPEATS = 5
SOURCE_TYPE = "bench"

INTERVALS = [300, 900, 3600, 6 * 3600, 86400]
# Each cron expression with its (typical) period, which spreads the history of its sources.
CRONS = {"*/15 * * * *": 900, "0 * * * *": 3600, "0 */6 * * *": 6 * 3600, "30 2 * * *": 86400,
         "0 9 * * 1-5": 86400}  # fmt: skip
# An interval source's last success lands between 0 and this many periods ago, so about 1 in 11
# is overdue; a cron source's follows its last fire time, or (1 in 11) the one before.
LAST_SUCCESS_SPREAD = 1.1
SOURCE_COLUMNS = [
    "id", "name", "source_type", "is_active", "is_deleted", "deleted_at", "sync_interval_seconds",
    "sync_cron", "prune_on_full_sync", "created_at", "updated_at",
]  # fmt: skip
RUN_COLUMNS = [
    "id", "source_id", "sync_type", "trigger_type", "status", "created_at", "completed_at",
    "last_activity_at", "dispatched_at", "error_message",
]  # fmt: skip


# --- fixtures ----------------------------------------------------------------------------------


async def _online_connector(conn: asyncpg.Connection, url: str, now: datetime) -> None:
    """The one online connector listing the bench source type, full and incremental."""
    manifest = {
        "name": SOURCE_TYPE,
        "version": "1.0.0",
        "sync_modes": ["full", "incremental"],
        "connector_id": "bench-connector",
        "connector_url": url,
        "source_types": [SOURCE_TYPE],
    }
    await conn.execute(
        "INSERT INTO connectors (connector_id, connector_url, manifest, source_types, sync_modes,"
        " first_seen_at, last_heartbeat_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $6)",
        "bench-connector",
        url,
        orjson.dumps(manifest).decode(),
        [SOURCE_TYPE],
        ["full", "incremental"],
        now,
    )


def _recent_fires(now: datetime) -> dict[str, list[datetime]]:
    """Each cron expression's last two fire times up to ``now``."""
    fires: dict[str, list[datetime]] = {}
    for expression in CRONS:
        found: list[datetime] = []
        fire = policy.next_cron_fire(expression, now - timedelta(days=8))
        while fire is not None and fire <= now:
            found = [*found[-1:], fire]
            fire = policy.next_cron_fire(expression, fire)
        fires[expression] = found
    return fires


def _last_success(
    rng: random.Random, period: float, cron: str | None, fires: dict[str, list[datetime]],
    now: datetime,
) -> datetime:  # fmt: skip
    if cron is None:
        return now - timedelta(seconds=rng.uniform(0, LAST_SUCCESS_SPREAD) * period)
    before_last, last = fires[cron]
    fire = before_last if rng.random() < 1 - 1 / LAST_SUCCESS_SPREAD else last
    return min(fire + timedelta(seconds=rng.uniform(5, 120)), now - timedelta(seconds=1))


def _history(
    rng: random.Random, source_id: str, period: float, last: datetime, now: datetime
) -> list[tuple[Any, ...]]:
    """A source's runs: completed ones a period apart, sometimes a failure streak after the last
    success, sometimes a manual failure (not in the streak) or a scheduled run still running."""

    def run(
        sync_type: str, trigger: str, status: str, done: datetime, error: str | None = None
    ) -> tuple[Any, ...]:
        """A run that ended at ``done`` (or, when running, started then)."""
        if status == "running":
            return (new_id(), source_id, sync_type, trigger, status, done, None, done, done, None)
        began = done - timedelta(seconds=rng.uniform(5, 120))
        return (new_id(), source_id, sync_type, trigger, status, began, done, done, began, error)

    runs = []
    for back in (2, 1, 0):
        kind = "full" if back == 2 else "incremental"
        runs.append(run(kind, "scheduled", "completed", last - timedelta(seconds=back * period)))
    roll = rng.random()
    if roll < 0.13:  # a failure streak after the last success: in backoff or breaker open
        at = last
        for _ in range(rng.choice([1, 1, 2, 3, 5, 12])):
            at += timedelta(seconds=rng.uniform(130, 900))
            if at >= now:
                break
            runs.append(run("incremental", "scheduled", "failed", at, "Connector unreachable"))
    elif roll < 0.16 and last + timedelta(seconds=200) < now:
        runs.append(run("full", "manual", "failed", last + timedelta(seconds=200), "boom"))
    elif roll < 0.18:
        runs.append(run("incremental", "scheduled", "running", now - timedelta(seconds=60)))
    return runs


async def scheduler_fixture(url: str, now: datetime, seed: int = 8) -> int:
    """100,000 sources: 65% interval, 25% cron, 10% on demand; 3% inactive, 1% deleted; 8% never
    ran (so due), the others with three completed runs and, for some, failures after them; about
    1 in 11 of those is overdue. Returns the number of sync_runs rows."""
    rng = random.Random(seed)
    sources: list[tuple[Any, ...]] = []
    runs: list[tuple[Any, ...]] = []
    created = now - timedelta(days=30)
    fires = _recent_fires(now)
    for i in range(SOURCES):
        source_id = new_id()
        roll = rng.random()
        interval = rng.choice(INTERVALS) if roll < 0.65 else None
        cron = rng.choice(list(CRONS)) if 0.65 <= roll < 0.90 else None
        deleted = rng.random() < 0.01
        sources.append(
            (
                source_id,
                f"source {i}",
                SOURCE_TYPE,
                rng.random() >= 0.03,
                deleted,
                now - timedelta(days=1) if deleted else None,
                interval,
                cron,
                True,
                created,
                created,
            )
        )
        if rng.random() < 0.08:
            continue
        # An on-demand source gets a history too (manual runs in practice; scheduled here).
        period = interval or (CRONS[cron] if cron else 86400)
        last = _last_success(rng, period, cron, fires, now)
        runs.extend(_history(rng, source_id, period, last, now))
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("sources", records=sources, columns=SOURCE_COLUMNS)
        await conn.copy_records_to_table("sync_runs", records=runs, columns=RUN_COLUMNS)
        await conn.execute("ANALYZE sources; ANALYZE sync_runs")
        # No reachable connector behind the URL, and none is needed: nothing is dispatched.
        await _online_connector(conn, "http://127.0.0.1:9/", now)
    finally:
        await conn.close()
    return len(runs)


async def monitor_fixture(url: str, connector_url: str, now: datetime) -> None:
    """1,000 sources each with a dispatched running run (half incremental, with a success)."""
    sources: list[tuple[Any, ...]] = []
    runs: list[tuple[Any, ...]] = []
    created, started, done = (now - timedelta(days=3), now - timedelta(minutes=5),
                              now - timedelta(hours=1))  # fmt: skip
    for i in range(RUNNING_RUNS):
        source_id = new_id()
        name = f"source {i}"
        sources.append((source_id, name, SOURCE_TYPE, True, False, None, 3600, None, True,
                        created, created))  # fmt: skip
        sync_type = "incremental" if i % 2 else "full"
        if sync_type == "incremental":
            runs.append((new_id(), source_id, "full", "scheduled", "completed", done, done, done,
                         done, None))  # fmt: skip
        runs.append((new_id(), source_id, sync_type, "scheduled", "running", started, None, now,
                     started, None))  # fmt: skip
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("sources", records=sources, columns=SOURCE_COLUMNS)
        await conn.copy_records_to_table("sync_runs", records=runs, columns=RUN_COLUMNS)
        await conn.execute("ANALYZE sources; ANALYZE sync_runs")
        await _online_connector(conn, connector_url, now)
    finally:
        await conn.close()


# --- measurement -------------------------------------------------------------------------------


def _services(
    pool: asyncpg.Pool, settings: ManagerSettings, clock: FrozenClock, http: aiohttp.ClientSession
) -> Services:
    """What Tick is handed, as sluice_manager.services builds it for an app."""
    return Services(
        settings=settings,
        pool=pool,
        clock=clock,
        connectors=ConnectorClient.from_settings(http, settings),
        secrets=SecretBox(os.urandom(KEY_BYTES)),  # unused: no source has a credential here
    )


async def _timed(call: Callable[[], Awaitable[object]], before: Callable[[], None]) -> float:
    before()
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def _median(
    call: Callable[[], Awaitable[object]], before: Callable[[], None] = lambda: None
) -> float:
    await call()  # prepares the statements on the pool's connections
    return statistics.median([await _timed(call, before) for _ in range(REPEATS)])


async def run_scheduler(url: str) -> list[str]:
    now = datetime.now(UTC).replace(microsecond=0)
    history = await scheduler_fixture(url, now)
    settings = ManagerSettings(max_dispatches_per_tick=0, connector_token=(CONNECTOR_TOKEN,))
    walk = policy.streak_walk_limit(limits_of(settings))
    pool = await create_pool(url, min_size=2, max_size=10)
    try:
        async with connector_session() as http:
            tick = Tick(_services(pool, settings, FrozenClock(now), http))
            runs_before = await pool.fetchval("SELECT count(*) FROM sync_runs")
            policy.next_cron_fire.cache_clear()
            started = time.perf_counter()
            await tick.due_syncs()
            cold = time.perf_counter() - started
            warm = await _median(tick.due_syncs)
            uncached = await _median(tick.due_syncs, policy.next_cron_fire.cache_clear)

            cron_latest = await tick._cron_latest(now)
            args = (
                now,
                settings.registry_ttl_seconds,
                walk,
                list(cron_latest),
                list(cron_latest.values()),
            )

            async def raw() -> None:
                await pool.fetch(QUERIES.select_scheduled_candidates, *args)

            raw_seconds = await _median(raw)
            rows = await pool.fetch(QUERIES.select_scheduled_candidates, *args)
            assert await pool.fetchval("SELECT count(*) FROM sync_runs") == runs_before
            due = policy.select_due(
                [
                    policy.Candidate(
                        r["source_id"],
                        r["sync_interval_seconds"],
                        r["sync_cron"],
                        tuple(r["sync_modes"]),
                        r["last_success"],
                        policy.Streak(r["streak"] or 0, r["last_failed_at"]),
                    )
                    for r in rows
                ],
                now,
                policy.Limits(
                    max_dispatches_per_tick=SOURCES,
                    max_concurrent_syncs=SOURCES,
                    max_concurrent_syncs_per_slot=SOURCES,
                ),
                policy.RunningCounts(),
                cron_latest,
            )
    finally:
        await pool.close()
    name = f"scheduler due_syncs {SOURCES // 1000}k sources"
    return [
        f"# scheduler: {history:,} runs of history, {len(rows):,} candidate rows, "
        f"{len(due):,} due (uncapped)",
        line(f"{name} (target < 1000)", warm * 1000, raw_seconds * 1000, "ms", False),
        line(f"{name}, cold cron cache", uncached * 1000, raw_seconds * 1000, "ms", False),
        line(f"{name}, first tick", cold * 1000, None, "ms"),
    ]


async def run_monitor(url: str) -> list[str]:
    now = datetime.now(UTC)
    sim_port = free_port()
    sim = spawn("sync-status-sim", ["-m", "bench.scheduling", "sim", str(sim_port)], {})
    connector_url = f"http://127.0.0.1:{sim_port}"
    settings = ManagerSettings(connector_token=(CONNECTOR_TOKEN,))
    pool = await create_pool(url, min_size=2, max_size=10)
    try:
        await wait_http(f"{connector_url}/sync/probe")
        await monitor_fixture(url, connector_url, now)
        async with connector_session() as http:
            monitor = Tick(_services(pool, settings, FrozenClock(now), http)).monitor()

            async def sluice() -> None:
                assert await monitor.run_pass() == RUNNING_RUNS

            async def raw() -> None:
                rows = await pool.fetch(
                    QUERIES.select_monitor_runs, now, settings.dispatch_deadline_seconds
                )
                limit = asyncio.Semaphore(settings.monitor_concurrency)

                async def poll(run_id: str) -> None:
                    async with limit, http.get(f"{connector_url}/sync/{run_id}") as resp:
                        assert orjson.loads(await resp.read())["running"] is True

                async with asyncio.TaskGroup() as group:
                    for row in rows:
                        group.create_task(poll(row["id"]))
                assert len(rows) == RUNNING_RUNS

            raw_seconds = await _median(raw)
            sluice_seconds = await _median(sluice)
            # Every poll answered "running": no run counted a resume attempt or went offline.
            changed = await pool.fetchval(
                "SELECT count(*) FROM sync_runs WHERE status = 'running'"
                " AND (resume_attempts <> 0 OR offline_observations <> 0)"
            )
            assert changed == 0, changed
    finally:
        await pool.close()
        sim.stop()
    name = f"monitor pass {RUNNING_RUNS:,} running runs"
    return [line(f"{name} (target < 5000)", sluice_seconds * 1000, raw_seconds * 1000, "ms", False)]


def _serve_sim(port: int) -> None:
    async def status(request: web.Request) -> web.Response:
        return web.json_response({"running": True})

    app = web.Application()
    app.router.add_get("/sync/{id}", status)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    if sys.argv[1:2] != ["sim"]:
        raise SystemExit("usage: python -m bench.scheduling sim PORT")
    _serve_sim(int(sys.argv[2]))
