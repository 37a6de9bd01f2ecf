"""Run lifecycle transitions (protocol §4.6, §6.2): every change matches only a running row.

``conn`` is an asyncpg Connection or Pool; ``complete_run`` needs a pool (or a connection) it can
open a transaction on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeAlias

import asyncpg
import structlog

from sluice_manager.registry.repository import resolve_connector
from sluice_sql.query_loader import QUERIES
from sluice_sql.queue_contract import EVENTS_CHANNEL, SWEEP_EVENT_TYPE

log = structlog.get_logger(__name__)

ERROR_MESSAGE_MAX_CHARS = 4096

Executor: TypeAlias = "asyncpg.Connection | asyncpg.Pool"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One ``sync_runs`` row (protocol §6.1)."""

    id: str
    source_id: str
    sync_type: str
    slot: str
    trigger_type: str
    status: str
    created_at: datetime
    completed_at: datetime | None
    last_activity_at: datetime | None
    dispatched_at: datetime | None
    checkpoint: Any
    checkpoint_saved: bool
    documents_scanned: int
    documents_updated: int
    documents_emitted: int
    documents_processed: int
    error_message: str | None
    resume_attempts: int
    offline_observations: int
    start_seq: int

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> RunRecord:
        return cls(**dict(row.items()))


async def get_run(conn: Executor, run_id: str) -> RunRecord | None:
    row = await conn.fetchrow(QUERIES.select_run, run_id)
    return None if row is None else RunRecord.from_row(row)


async def finish_run(
    conn: Executor,
    run_id: str,
    status: Literal["failed", "cancelled"],
    error_message: str,
    now: datetime,
) -> bool:
    """Fail or cancel a running run; False when it was not running (nothing changes)."""
    done = await conn.fetchval(
        QUERIES.finish_run, run_id, status, error_message[:ERROR_MESSAGE_MAX_CHARS], now
    )
    if done is not None:
        log.info("run_finished", sync_run_id=run_id, status=status)
    return done is not None


async def touch_run(conn: Executor, run_id: str, now: datetime) -> None:
    await conn.execute(QUERIES.touch_run, run_id, now)


async def touch_idle_run(conn: Executor, run_id: str, now: datetime) -> None:
    """touch_run unless the run was touched within the last second (no write, no commit)."""
    await conn.execute(QUERIES.touch_idle_run, run_id, now)


async def complete_run(
    pool: Executor, run_id: str, now: datetime, *, registry_ttl_seconds: float
) -> bool:
    """Complete a running run in one transaction (protocol §4.6, §10.7).

    Locks in the global order: source lock, then the run row. Promotes the run's checkpoint only
    when it saved one, and requests the full-sync sweep when the source's online connector
    declares ``full_sync_enumerates_all``. False when the run is unknown or not running (a no-op).
    """
    source_id = await pool.fetchval(QUERIES.select_run_source_id, run_id)
    if source_id is None:
        return False
    async with _transaction(pool) as conn:
        await conn.execute(QUERIES.lock_source, source_id)
        run = await conn.fetchrow(QUERIES.select_run_for_update, run_id)
        if run is None or run["status"] != "running":
            return False
        await conn.execute(QUERIES.complete_run_row, run_id, now)
        source = await conn.fetchrow(
            QUERIES.promote_source_checkpoint,
            source_id,
            run["checkpoint_saved"],
            run["checkpoint"],
            now,
        )
        sweep = (
            run["sync_type"] == "full"
            and source is not None
            and source["prune_on_full_sync"] is True
            and run["documents_emitted"] > 0
            and await _enumerates_all(conn, source["source_type"], now, registry_ttl_seconds)
        )
        if sweep:
            payload = {"sync_run_id": run_id, "source_id": source_id, "start_seq": run["start_seq"]}
            await conn.execute(
                QUERIES.insert_sweep_event, source_id, run_id, payload, SWEEP_EVENT_TYPE
            )
            await conn.execute(QUERIES.notify_events, source_id, EVENTS_CHANNEL)
    log.info("run_completed", sync_run_id=run_id, source_id=source_id, sweep=sweep)
    return True


async def _enumerates_all(
    conn: asyncpg.Connection, source_type: str, now: datetime, ttl_seconds: float
) -> bool:
    """§10.7: whether the connector serving ``source_type`` lists every document on a full run.

    An Omni SDK connector never says so (it may resume a full run from the source's checkpoint),
    and with no connector online nobody vouches for the run: either way nothing is pruned.
    """
    connector = await resolve_connector(conn, source_type, now, ttl_seconds)
    declared = connector is not None and connector.manifest.get("full_sync_enumerates_all") is True
    if not declared:
        log.info(
            "full_sync_not_pruned",
            source_type=source_type,
            connector_id=None if connector is None else connector.connector_id,
        )
    return declared


@asynccontextmanager
async def _transaction(executor: Executor) -> AsyncIterator[asyncpg.Connection]:
    """A transaction on a given connection, or on one acquired from a pool."""
    if isinstance(executor, asyncpg.Pool):
        async with executor.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with executor.transaction():
            yield executor
