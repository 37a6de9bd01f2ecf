"""``/api/queue``: queue depth, dead letters and their requeue (§10.5)."""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.admin.common import query_limit, query_text, read_body
from sluice_manager.admin.models import (
    DeadLetter,
    QueueSourceCounts,
    QueueStats,
    RequeueBody,
    RequeueResponse,
)
from sluice_manager.http.errors import json_response
from sluice_manager.openapi import describe
from sluice_manager.queue.depth import queue_depth, requeue_dead_letters
from sluice_manager.services import SERVICES
from sluice_sql.query_loader import QUERIES

_REQUEUE = TypeAdapter(RequeueBody)


async def queue_stats(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    depth = await queue_depth(services.pool, services.clock.now())
    stats = QueueStats(
        counts=depth.counts,
        by_source=[QueueSourceCounts(source_id=k, counts=v) for k, v in depth.by_source.items()],
        oldest_pending_age_seconds=depth.oldest_pending_age_seconds,
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
    count = await requeue_dead_letters(
        services.pool, services.clock.now(), seqs=body.seqs, source_id=body.source_id
    )
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
