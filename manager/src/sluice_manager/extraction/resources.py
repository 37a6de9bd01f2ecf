"""What extraction owns for the life of the app, and the text of one uploaded file (§4.5).

The permits of this replica (taken without waiting: a busy replica answers 429 at once), the worker
pool and the optional Docling session are installed by ``sluice_manager.extraction.setup``; the
``/sdk/extract-*`` handlers (``sluice_manager.sdk_api.extraction``) use them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import structlog
from aiohttp import web

from sluice_manager.extraction import availability, docling
from sluice_manager.extraction.formats import detect_format, parse_mime
from sluice_manager.extraction.pool import ExtractionPool
from sluice_manager.extraction.worker import UnreadableDocument
from sluice_manager.services import SERVICES
from sluice_manager.settings import ManagerSettings

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
    """cleanup_ctx: permits, the worker pool and the Docling session; closed at shutdown."""
    settings = app[SERVICES].settings
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


async def extracted_text(
    settings: ManagerSettings,
    workers: ExtractionPool,
    docling_session: aiohttp.ClientSession | None,
    *,
    sync_run_id: str,
    mime_type: str,
    filename: str | None,
    data: bytes,
) -> str:
    """The file's text, normalised and truncated (§5.4); empty for an unknown or unreadable file.

    Docling is tried first when configured. Raises ``ReaderMissing`` for a format whose reader
    is not installed (unless Docling read it).
    """
    max_bytes = settings.max_stored_text_bytes
    fmt = detect_format(mime_type, filename)
    bound = log.bind(sync_run_id=sync_run_id, mime_type=mime_type)
    if fmt is None:
        bound.info("extraction_unsupported_type", filename=filename)
        return ""
    if settings.docling_url and docling_session is not None:
        text = await docling.convert(docling_session, settings.docling_url, fmt, data)
        if text is not None:
            return await workers.normalise(text, max_bytes)
    _, charset = parse_mime(mime_type)
    try:
        return await workers.extract(fmt, data, charset, max_bytes)
    except UnreadableDocument as exc:
        bound.warning("extraction_unreadable", format=exc.fmt, reason=exc.reason, filename=filename)
        return ""
