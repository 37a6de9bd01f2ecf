"""``POST /sdk/extract-content`` and ``POST /sdk/extract-text`` (protocol §4.5).

Headers are checked before a permit is taken, the multipart body is read under its limits
(``sdk_api.upload``), and the text comes from ``sluice_manager.extraction``; a format whose reader
is not installed is that package's ``ReaderMissing``, answered 501 by the HTTP layer.
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.extraction.resources import (
    DOCLING_HTTP,
    EXTRACTION_POOL,
    PERMITS,
    extracted_text,
)
from sluice_manager.http.errors import HttpError, json_response
from sluice_manager.queue.blobs import store_text_blob
from sluice_manager.runs.lifecycle import touch_run
from sluice_manager.sdk_api.scope import allow_run
from sluice_manager.sdk_api.upload import check_headers, read_upload
from sluice_manager.services import SERVICES


async def _extract(request: web.Request, *, store: bool) -> web.Response:
    app = request.app
    services = app[SERVICES]
    settings = services.settings
    check_headers(request, settings.max_extract_input_bytes)
    permits = app[PERMITS]
    if not permits.try_take():
        raise HttpError(
            429,
            "document extraction is busy",
            headers={"Retry-After": str(settings.extraction_retry_after_seconds)},
        )
    try:
        upload = await read_upload(request, settings.max_extract_input_bytes)
        await allow_run(request, upload.sync_run_id)
        text = await extracted_text(
            settings,
            app[EXTRACTION_POOL],
            app.get(DOCLING_HTTP),
            sync_run_id=upload.sync_run_id,
            mime_type=upload.mime_type,
            filename=upload.filename,
            data=upload.data,
        )
        now = services.clock.now()
        async with services.pool.acquire() as conn:
            content_id = await store_text_blob(conn, text, now) if store else None
            await touch_run(conn, upload.sync_run_id, now)
    finally:
        permits.release()
    if content_id is not None:
        return json_response({"content_id": content_id})
    return json_response({"text": text})


async def extract_content(request: web.Request) -> web.Response:
    return await _extract(request, store=True)


async def extract_text(request: web.Request) -> web.Response:
    return await _extract(request, store=False)
