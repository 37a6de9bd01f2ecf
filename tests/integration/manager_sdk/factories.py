"""Rows inserted straight into the database, so SDK tests need no admin API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from sluice_manager.ids import new_id

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def insert_source(
    conn: asyncpg.Pool | asyncpg.Connection,
    *,
    source_type: str = "test_type",
    is_active: bool = True,
    is_deleted: bool = False,
    prune_on_full_sync: bool = True,
    checkpoint: Any = None,
    connector_state: Any = None,
    now: datetime = T0,
) -> str:
    source_id = new_id()
    await conn.execute(
        """
        INSERT INTO sources (id, name, source_type, is_active, is_deleted, prune_on_full_sync,
                             checkpoint, connector_state, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
        """,
        source_id,
        f"source {source_id}",
        source_type,
        is_active,
        is_deleted,
        prune_on_full_sync,
        checkpoint,
        connector_state,
        now,
    )
    return source_id


async def insert_run(
    conn: asyncpg.Pool | asyncpg.Connection,
    source_id: str,
    *,
    sync_type: str = "full",
    status: str = "running",
    trigger_type: str = "manual",
    start_seq: int = 0,
    now: datetime = T0,
) -> str:
    run_id = new_id()
    await conn.execute(
        """
        INSERT INTO sync_runs (id, source_id, sync_type, trigger_type, status, created_at,
                               last_activity_at, start_seq, completed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6, $7,
                CASE WHEN $5 = 'running' THEN NULL ELSE $6::timestamptz END)
        """,
        run_id,
        source_id,
        sync_type,
        trigger_type,
        status,
        now,
        start_seq,
    )
    return run_id


async def insert_connector(
    conn: asyncpg.Pool | asyncpg.Connection,
    *,
    connector_id: str = "test-connector",
    source_type: str = "test_type",
    enumerates_all: bool = True,
    now: datetime = T0,
) -> None:
    """An online connector serving ``source_type``; ``enumerates_all`` is its manifest's
    ``full_sync_enumerates_all`` (§10.7), which the Sluice SDK declares."""
    manifest = {
        "name": connector_id,
        "version": "1",
        "sync_modes": ["full", "incremental"],
        "connector_id": connector_id,
        "connector_url": "http://127.0.0.1:1",
        "source_types": [source_type],
        "full_sync_enumerates_all": enumerates_all,
    }
    await conn.execute(
        """
        INSERT INTO connectors (connector_id, connector_url, manifest, source_types, sync_modes,
                                first_seen_at, last_heartbeat_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6)
        """,
        connector_id,
        manifest["connector_url"],
        manifest,
        [source_type],
        manifest["sync_modes"],
        now,
    )


async def source_row(conn: asyncpg.Pool | asyncpg.Connection, source_id: str) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM sources WHERE id = $1", source_id)
    assert row is not None
    return row


async def queue_rows(
    conn: asyncpg.Pool | asyncpg.Connection, source_id: str | None = None
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM event_queue WHERE $1::text IS NULL OR source_id = $1 ORDER BY seq",
            source_id,
        )
    )
