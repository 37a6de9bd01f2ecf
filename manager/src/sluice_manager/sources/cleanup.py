"""Purging soft-deleted sources: their documents, tombstones, groups and queue rows, in batches.

The leader calls this (the scheduler owns the timing). Each batch is its own short statement, so a
source with millions of documents never holds one long transaction. A source with a run still
``running`` keeps its row until the leader has cancelled that run (§8.4).
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

# Children first: the source row goes last, so a crash mid-way leaves a source that is still
# marked deleted and is picked up again on the next call.
_BATCHES = (
    QUERIES.delete_source_queue_batch,
    QUERIES.delete_source_documents_batch,
    QUERIES.delete_source_tombstones_batch,
    QUERIES.delete_source_groups_batch,
)


async def _purge_one(pool: asyncpg.Pool, source_id: str, batch_size: int) -> bool:
    for statement in _BATCHES:
        while True:
            removed = await pool.fetchval(statement, source_id, batch_size)
            if removed < batch_size:
                break
    return await pool.fetchval(QUERIES.delete_purged_source, source_id) is not None


async def purge_deleted_sources(pool: asyncpg.Pool, batch_size: int, now: datetime) -> int:
    """Purge every source soft-deleted at or before ``now``; returns how many rows went."""
    purged = 0
    while True:
        ids = await pool.fetch(QUERIES.select_deleted_source_ids, now, batch_size)
        progressed = False
        for row in ids:
            source_id = row["id"]
            if await _purge_one(pool, source_id, batch_size):
                purged += 1
                progressed = True
                log.info("source_purged", source_id=source_id)
        if len(ids) < batch_size or not progressed:
            return purged
