"""Rows the Sluice side of a benchmark needs: a source, a running run, stored content, tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from sluice_manager.ids import new_id

ADMIN_TOKEN = "bench-admin-token"
CONNECTOR_TOKEN = "bench-connector-token"


async def source_with_running_run(url: str, source_type: str = "bench") -> tuple[str, str]:
    now = datetime.now(UTC)
    source_id, run_id = new_id(), new_id()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO sources (id, name, source_type, created_at, updated_at,"
            " prune_on_full_sync) VALUES ($1, 'bench', $2, $3, $3, false)",
            source_id,
            source_type,
            now,
        )
        await conn.execute(
            "INSERT INTO sync_runs (id, source_id, sync_type, trigger_type, status, created_at,"
            " last_activity_at, dispatched_at)"
            " VALUES ($1, $2, 'full', 'manual', 'running', $3, $3, $3)",
            run_id,
            source_id,
            now,
        )
    finally:
        await conn.close()
    return source_id, run_id


def manager_env(url: str, port: int) -> dict[str, str]:
    return {
        "SLUICE_DATABASE_URL": url,
        "SLUICE_PORT": str(port),
        "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_LOG_LEVEL": "warning",
        "SLUICE_LOG_JSON": "true",
    }
