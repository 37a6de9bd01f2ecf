"""``/api/queue``: queue depth, dead letters and their requeue (§10.5)."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.admin.common import query_limit, query_text, read_body
from sluice_manager.admin.models import (
    QUEUE_STATUSES,
    DeadLetter,
    QueueSourceCounts,
    QueueStats,
    RequeueBody,
    RequeueResponse,
)
from sluice_manager.http.errors import json_response
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

_REQUEUE = TypeAdapter(RequeueBody)
# Per source, only rows that still matter: completed ones are left to retention.
_OPEN_STATUSES = ("pending", "processing", "dead_letter")


async def queue_stats(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    pool = services.pool
    counts = dict.fromkeys(QUEUE_STATUSES, 0)
    for row in await pool.fetch(QUERIES.select_queue_counts_by_status):
        counts[row["status"]] = row["n"]
    by_source: dict[str, dict[str, int]] = {}
    for row in await pool.fetch(QUERIES.select_queue_counts_by_source):
        per_source = by_source.setdefault(row["source_id"], dict.fromkeys(_OPEN_STATUSES, 0))
        per_source[row["status"]] = row["n"]
    oldest = await pool.fetchval(QUERIES.select_oldest_pending_created_at)
    age = None
    if oldest is not None:
        age = max(0.0, (services.clock.now() - oldest).total_seconds())
    stats = QueueStats(
        counts=counts,
        by_source=[QueueSourceCounts(source_id=k, counts=v) for k, v in by_source.items()],
        oldest_pending_age_seconds=age,
    )
    return json_response(stats.model_dump(mode="json"))


async def dead_letters(request: web.Request) -> web.Response:
    rows = await request.app[SERVICES].pool.fetch(
        QUERIES.select_dead_letters, query_text(request, "source_id"), query_limit(request)
    )
    return json_response(
        [DeadLetter.model_validate(dict(row)).model_dump(mode="json") for row in rows]
    )


async def requeue(request: web.Request) -> web.Response:
    """Back to ``pending`` with attempts 0 and the same seq; the guard of §10.3 keeps it safe."""
    body = await read_body(request, _REQUEUE)
    services = request.app[SERVICES]
    pool, now = services.pool, services.clock.now()
    if body.seqs is not None:
        count = await pool.fetchval(QUERIES.requeue_dead_letters_by_seq, body.seqs, now)
    elif body.source_id is not None:
        count = await pool.fetchval(QUERIES.requeue_dead_letters_by_source, body.source_id, now)
    else:
        count = await pool.fetchval(QUERIES.requeue_all_dead_letters, now)
    log.info("dead_letters_requeued", count=count, source_id=body.source_id)
    return json_response(RequeueResponse(requeued=count).model_dump())


def setup(app: web.Application) -> None:
    app.router.add_get("/api/queue", queue_stats)
    app.router.add_get("/api/queue/dead-letters", dead_letters)
    app.router.add_post("/api/queue/dead-letters/requeue", requeue)
    describe("GET", "/api/queue", response=QueueStats)
    describe(
        "GET", "/api/queue/dead-letters", response=list[DeadLetter], query=("source_id", "limit")
    )
    describe(
        "POST", "/api/queue/dead-letters/requeue", request=RequeueBody, response=RequeueResponse
    )
