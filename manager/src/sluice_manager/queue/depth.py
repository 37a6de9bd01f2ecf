"""Queue depth and dead-letter requeue (§10.5): what operators read and do, for the admin API
and the console alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

QUEUE_STATUSES: tuple[str, ...] = ("pending", "processing", "completed", "dead_letter")
# Per source, only rows that still matter: completed ones are left to retention.
OPEN_STATUSES = ("pending", "processing", "dead_letter")


@dataclass(frozen=True, slots=True)
class QueueDepth:
    counts: dict[str, int]
    by_source: dict[str, dict[str, int]]
    oldest_pending_age_seconds: float | None


async def queue_depth(pool: asyncpg.Pool, now: datetime) -> QueueDepth:
    counts = dict.fromkeys(QUEUE_STATUSES, 0)
    for row in await pool.fetch(QUERIES.select_queue_counts_by_status):
        counts[row["status"]] = row["n"]
    by_source: dict[str, dict[str, int]] = {}
    for row in await pool.fetch(QUERIES.select_queue_counts_by_source):
        per_source = by_source.setdefault(row["source_id"], dict.fromkeys(OPEN_STATUSES, 0))
        per_source[row["status"]] = row["n"]
    oldest = await pool.fetchval(QUERIES.select_oldest_pending_created_at)
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    return QueueDepth(counts, by_source, age)


async def requeue_dead_letters(
    pool: asyncpg.Pool,
    now: datetime,
    *,
    seqs: list[int] | None = None,
    source_id: str | None = None,
) -> int:
    """Back to ``pending`` with attempts 0 and the same seq (the guard of §10.3 keeps it safe):
    the rows ``seqs`` names, else every dead letter of ``source_id``, else all of them."""
    if seqs is not None:
        count: int = await pool.fetchval(QUERIES.requeue_dead_letters_by_seq, seqs, now)
    elif source_id is not None:
        count = await pool.fetchval(QUERIES.requeue_dead_letters_by_source, source_id, now)
    else:
        count = await pool.fetchval(QUERIES.requeue_all_dead_letters, now)
    log.info("dead_letters_requeued", count=count, source_id=source_id)
    return count
