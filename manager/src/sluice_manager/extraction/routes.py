"""``POST /sdk/extract-content`` and ``POST /sdk/extract-text`` (protocol §4.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import structlog
from aiohttp import web

from sluice_manager.extraction import availability, docling
from sluice_manager.extraction.formats import detect_format, parse_mime
from sluice_manager.extraction.pool import ExtractionPool
from sluice_manager.extraction.upload import Upload, check_headers, read_upload
from sluice_manager.extraction.worker import UnreadableDocument
from sluice_manager.http.errors import HttpError, json_response
from sluice_manager.keys import CLOCK, POOL, SETTINGS
from sluice_manager.queue.blobs import store_text_blob
from sluice_manager.runs.lifecycle import touch_run

log = structlog.get_logger(__name__)


class Permits:
    """Extraction permits of this replica, taken without waiting (protocol §4.5 step 2)."""

    def __init__(self, count: int) -> None:
        self.free = max(1, count)

    def try_take(self) -> bool:
        if self.free == 0:
            return False
        self.free -= 1
        return True

    def release(self) -> None:
        self.free += 1


PERMITS = web.AppKey("extraction_permits", Permits)
EXTRACTION_POOL = web.AppKey("extraction_pool", ExtractionPool)
DOCLING_HTTP = web.AppKey("docling_http", aiohttp.ClientSession)


async def extraction_resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[PERMITS] = Permits(settings.extraction_concurrency)
    extractors = availability.detect()
    if extractors.missing_modules:
        log.warning(
            "extraction_formats_unavailable",
            formats=sorted(fmt.value for fmt in extractors.unavailable),
            html="main text" if extractors.main_text else "visible text",
            missing_modules=extractors.missing_modules,
            install=availability.INSTALL,
        )
    pool = ExtractionPool(settings.extraction_concurrency, extractors)
    app[EXTRACTION_POOL] = pool
    session = aiohttp.ClientSession() if settings.docling_url else None
    if session is not None:
        app[DOCLING_HTTP] = session
    try:
        yield
    finally:
        if session is not None:
            await session.close()
        await pool.close()


async def _text_of(app: web.Application, upload: Upload) -> str:
    """Extracted, normalised and truncated text; empty for an unknown or unreadable file, 501
    for a format whose reader is not installed (unless Docling read it)."""
    settings = app[SETTINGS]
    max_bytes = settings.max_stored_text_bytes
    fmt = detect_format(upload.mime_type, upload.filename)
    bound = log.bind(sync_run_id=upload.sync_run_id, mime_type=upload.mime_type)
    if fmt is None:
        bound.info("extraction_unsupported_type", filename=upload.filename)
        return ""
    pool = app[EXTRACTION_POOL]
    if settings.docling_url:
        text = await docling.convert(app[DOCLING_HTTP], settings.docling_url, fmt, upload.data)
        if text is not None:
            return await pool.normalise(text, max_bytes)
    _, charset = parse_mime(upload.mime_type)
    try:
        return await pool.extract(fmt, upload.data, charset, max_bytes)
    except UnreadableDocument as exc:
        bound.warning(
            "extraction_unreadable", format=exc.fmt, reason=exc.reason, filename=upload.filename
        )
        return ""
    except availability.ReaderMissing as exc:
        raise HttpError(501, str(exc)) from exc


async def _extract(request: web.Request, *, store: bool) -> web.Response:
    app = request.app
    settings = app[SETTINGS]
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
        text = await _text_of(app, upload)
        now = app[CLOCK].now()
        async with app[POOL].acquire() as conn:
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
