"""``POST /sdk/content`` (protocol §4.4): normalise, truncate, store as a content-addressed blob."""

from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.http.errors import json_response
from sluice_manager.queue.blobs import store_text_blob
from sluice_manager.queue.text import normalise_text
from sluice_manager.runs.lifecycle import touch_idle_run
from sluice_manager.sdk_api.bodies import read_validated
from sluice_manager.sdk_api.scope import allow_run
from sluice_manager.services import SERVICES
from sluice_sdk.models import ContentRequest

CONTENT_ADAPTER: TypeAdapter[ContentRequest] = TypeAdapter(ContentRequest)

# Texts longer than this are normalised in a worker thread so the event loop keeps serving.
_INLINE_CHARS = 256 * 1024


async def post_content(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    settings, pool = services.settings, services.pool
    body = await read_validated(request, CONTENT_ADAPTER, settings.max_bulk_body_bytes)
    await allow_run(request, body.sync_run_id)
    limit = settings.max_stored_text_bytes
    if len(body.content) > _INLINE_CHARS:
        text = await asyncio.to_thread(normalise_text, body.content, limit)
    else:
        text = normalise_text(body.content, limit)
    now = services.clock.now()
    content_id = await store_text_blob(pool, text, now)
    # Content does not check the run; it only keeps a running one alive (§4.4, §8.3), at most one
    # write a second: a re-sync stores texts that exist, and then nothing else is written.
    await touch_idle_run(pool, body.sync_run_id, now)
    return json_response({"content_id": content_id})
