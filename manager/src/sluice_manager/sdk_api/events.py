"""``POST /sdk/events`` and ``POST /sdk/events/batch`` (protocol §4.2, §4.3).

The whole body is validated from its bytes first (422 for any bad event), then one statement,
in one implicit transaction, checks source and run and enqueues every event, or nothing.
A batch whose events array, as written, is the validated events is queued as that text
(sluice_manager.queue.original_text); otherwise the validated events are written anew.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from aiohttp import web

from sluice_manager.http.body import check_json_content_type, read_bytes, validate_json_bytes
from sluice_manager.http.errors import ok
from sluice_manager.http.json_limits import JsonLimits
from sluice_manager.queue.original_text import text_is_validated
from sluice_manager.queue.writer import (
    Payloads,
    PreparedBatch,
    enqueue_batch,
    prepare_batch,
)
from sluice_manager.sdk_api.scope import allow_source
from sluice_manager.services import SERVICES
from sluice_sdk.models import (
    EVENT_BATCH_ADAPTER,
    EVENT_REQUEST_ADAPTER,
    DocumentCreatedEvent,
    DocumentUpdatedEvent,
    Event,
    PersonSyncEvent,
    ValidationNotes,
    dump_events,
)


async def post_event(request: web.Request) -> web.Response:
    raw = await read_bytes(request, request.app[SERVICES].settings.max_bulk_body_bytes)
    check_json_content_type(request)
    with _collection_paused():
        body = validate_json_bytes(EVENT_REQUEST_ADAPTER, raw)
        check_stored_members([body.event], _limits(request), len(raw), "event")
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
        check_stored_members(body.events, _limits(request), len(raw), "events")
        batch = prepare_batch(body.sync_run_id, body.source_id, body.events)
        if notes.rewritten or not text_is_validated(body.events):
            payloads = Payloads.rewritten(body.events)
        else:
            payloads = Payloads(raw, lambda: _rewrite(raw))
        del body
    return await _enqueue(request, batch, payloads)


def _limits(request: web.Request) -> JsonLimits:
    return JsonLimits.of(request.app[SERVICES].settings)


def check_stored_members(
    events: Sequence[Event], limits: JsonLimits, size: int, where: str
) -> None:
    """The members the queue stores as free JSON (§1.3 stored values): ``metadata.extra``,
    ``attributes``, a person's record, and unknown members, which a batch keeps as written.
    ``size`` is the body's length; ``where`` names the events (``events`` or ``event``). NUL is
    left alone: the queue keeps payloads as json text. Per event on the ingest hot path: empty
    members are skipped, sizes are measured only in a body over the size limit, and a name is
    made only for a refusal."""
    measure = size > limits.max_bytes
    too_deep = limits.too_deep
    for index, event in enumerate(events):
        if event.__pydantic_extra__:
            _check_each(event.__pydantic_extra__, limits, size, _at(where, index))
        # Exact classes, as in queue.original_text: isinstance on models goes through ABCMeta.
        kind = type(event)
        if kind is DocumentCreatedEvent or kind is DocumentUpdatedEvent:
            document = cast(DocumentCreatedEvent | DocumentUpdatedEvent, event)
            extra = document.metadata.extra
            if extra and (measure or too_deep(extra)):
                limits.check(extra, f"{_at(where, index)}.metadata.extra", size=size, nul=False)
            attributes = document.attributes
            if attributes and (measure or too_deep(attributes)):
                limits.check(attributes, f"{_at(where, index)}.attributes", size=size, nul=False)
            permissions = document.permissions
            if permissions is not None and permissions.__pydantic_extra__:
                at = f"{_at(where, index)}.permissions"
                _check_each(permissions.__pydantic_extra__, limits, size, at)
        elif kind is PersonSyncEvent:
            person = cast(PersonSyncEvent, event).person
            if person.__pydantic_extra__:
                _check_each(person.__pydantic_extra__, limits, size, f"{_at(where, index)}.person")


def _at(where: str, index: int) -> str:
    return f"{where}.{index}" if where == "events" else where


def _check_each(members: dict[str, Any], limits: JsonLimits, size: int, at: str) -> None:
    for name, value in members.items():
        limits.check(value, f"{at}.{name}", size=size, nul=False)


def _rewrite(raw: bytes) -> str:
    # Rare (Postgres refused the text as written): validate again rather than keep the models.
    events = EVENT_BATCH_ADAPTER.validate_json(raw).events
    return dump_events(events).decode("utf-8")


async def _enqueue(request: web.Request, batch: PreparedBatch, payloads: Payloads) -> web.Response:
    await allow_source(request, batch.source_id)
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
