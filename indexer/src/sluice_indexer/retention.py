"""Queue, tombstone and blob retention (protocol §10.8, §5.5), run periodically by each worker.

Every statement deletes a bounded batch, so a pass never holds long locks; several workers may
run passes at once (rows already locked by another worker are skipped).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from sluice_indexer.settings import IndexerSettings
from sluice_sql.query_loader import QUERIES

# Bounded work per pass: a backlog is worked off over several passes.
MAX_ROUNDS_PER_PASS = 20


async def _delete_until_done(
    pool: asyncpg.Pool, query: str, cutoff: datetime, batch_size: int
) -> int:
    total = 0
    for _ in range(MAX_ROUNDS_PER_PASS):
        async with pool.acquire() as conn:
            deleted: int = await conn.fetchval(query, cutoff, batch_size)
        total += deleted
        if deleted < batch_size:
            break
    return total


async def retention_pass(
    pool: asyncpg.Pool, settings: IndexerSettings, now: datetime
) -> dict[str, int]:
    """One pass over every retention rule; returns the number of rows deleted per kind."""
    size = settings.retention_batch_size
    done: dict[str, int] = {}
    if settings.completed_retention_seconds > 0:
        cutoff = now - timedelta(seconds=settings.completed_retention_seconds)
        done["completed"] = await _delete_until_done(
            pool, QUERIES.delete_old_completed_events, cutoff, size
        )
    cutoff = now - timedelta(days=settings.dead_letter_retention_days)
    done["dead_letter"] = await _delete_until_done(
        pool, QUERIES.delete_old_dead_letters, cutoff, size
    )
    cutoff = now - timedelta(days=settings.tombstone_retention_days)
    done["tombstones"] = await _delete_until_done(pool, QUERIES.delete_old_tombstones, cutoff, size)
    # Left-out events are needed only until the sweeps that may count them have run (§10.7).
    done["unchanged_events"] = await _delete_until_done(
        pool, QUERIES.delete_unneeded_unchanged_events, now, size
    )
    if settings.blob_retention_days > 0:
        cutoff = now - timedelta(days=settings.blob_retention_days)
        done["blobs"] = await _delete_until_done(pool, QUERIES.delete_old_blobs, cutoff, size)
    return done
