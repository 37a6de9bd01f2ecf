"""``POST /sdk/events`` and ``POST /sdk/events/batch`` (protocol §4.2, §4.3).

The whole body is validated from its bytes first (422 for any bad event), then one statement,
in one implicit transaction, checks source and run and enqueues every event, or nothing.
A batch whose events array, as written, is the validated events is queued as that text
(sluice_manager.queue.original_text); otherwise the validated events are written anew.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from sluice_manager.http.body import check_json_content_type, read_bytes, validate_json_bytes
from sluice_manager.http.errors import ok
from sluice_manager.queue.original_text import text_is_validated
from sluice_manager.queue.writer import (
    Payloads,
    PreparedBatch,
    enqueue_batch,
    prepare_batch,
)
from sluice_manager.services import SERVICES
from sluice_sdk.models import (
    EVENT_BATCH_ADAPTER,
    EVENT_REQUEST_ADAPTER,
    ValidationNotes,
    dump_events,
)


async def post_event(request: web.Request) -> web.Response:
    raw = await read_bytes(request, request.app[SERVICES].settings.max_bulk_body_bytes)
    check_json_content_type(request)
    with _collection_paused():
        body = validate_json_bytes(EVENT_REQUEST_ADAPTER, raw)
        batch = prepare_batch(body.sync_run_id, body.source_id, [body.event])
        payloads = Payloads.rewritten([body.event])
        del body
    return await _enqueue(request, batch, payloads)


async def post_event_batch(request: web.Request) -> web.Response:
    raw = await read_bytes(request, request.app[SERVICES].settings.max_bulk_body_bytes)
    check_json_content_type(request)
    with _collection_paused():
        notes = ValidationNotes()
        # Unknown members are kept on the models (never written out) for text_is_validated.
        body = validate_json_bytes(EVENT_BATCH_ADAPTER, raw, context=notes, extra="allow")
        batch = prepare_batch(body.sync_run_id, body.source_id, body.events)
        if notes.rewritten or not text_is_validated(body.events):
            payloads = Payloads.rewritten(body.events)
        else:
            payloads = Payloads(raw, lambda: _rewrite(raw))
        del body
    return await _enqueue(request, batch, payloads)


def _rewrite(raw: bytes) -> str:
    # Rare (Postgres refused the text as written): validate again rather than keep the models.
    events = EVENT_BATCH_ADAPTER.validate_json(raw).events
    return dump_events(events).decode("utf-8")


async def _enqueue(request: web.Request, batch: PreparedBatch, payloads: Payloads) -> web.Response:
    services = request.app[SERVICES]
    # A source or run that refuses the events is EventsRejected: a 400 (§4.2 steps 3-5).
    await enqueue_batch(services.pool, batch, payloads, services.clock.now())
    return ok()


@contextmanager
def _collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a body becomes models and the models become columns.

    A batch is thousands of short-lived container objects (models, their dicts and sets). Left
    alone, the collector runs several times per batch and traverses them, promoting survivors to
    older generations that are expensive to collect. The models hold no cycles and are freed by
    reference counting before the block ends (callers drop them), which also takes them off the
    collector's count, so pausing it here costs nothing later. The block has no await: no other
    request runs while it is paused.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
