"""``POST /sdk/events`` and ``POST /sdk/events/batch`` (protocol §4.2, §4.3).

The whole body is validated from its bytes first (422 for any bad event), then one transaction
checks source and run and enqueues every event, or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from manager.http.errors import HttpError, ok
from manager.keys import CLOCK, POOL, SETTINGS
from manager.queue.writer import EventsRejected, enqueue_batch, prepare_batch
from manager.sdk_api.bodies import read_validated
from sdk.models import EVENT_BATCH_ADAPTER, EVENT_REQUEST_ADAPTER, Event


async def post_event(request: web.Request) -> web.Response:
    limit = request.app[SETTINGS].max_bulk_body_bytes
    body = await read_validated(request, EVENT_REQUEST_ADAPTER, limit)
    return await _enqueue(request, body.sync_run_id, body.source_id, [body.event])


async def post_event_batch(request: web.Request) -> web.Response:
    limit = request.app[SETTINGS].max_bulk_body_bytes
    body = await read_validated(request, EVENT_BATCH_ADAPTER, limit)
    return await _enqueue(request, body.sync_run_id, body.source_id, body.events)


async def _enqueue(
    request: web.Request, sync_run_id: str, source_id: str, events: Sequence[Event]
) -> web.Response:
    batch = prepare_batch(sync_run_id, source_id, events)
    now = request.app[CLOCK].now()
    try:
        await enqueue_batch(request.app[POOL], sync_run_id, source_id, batch, now)
    except EventsRejected as exc:
        raise HttpError(400, exc.message) from exc
    return ok()
