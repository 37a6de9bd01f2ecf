"""Text extraction for ``/sdk/extract-content`` and ``/sdk/extract-text`` (protocol §4.5)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the extraction routes and the permits, worker pool and Docling client they use."""
    # Imported here so the worker processes, which import this package, skip the HTTP side.
    from sluice_manager.extraction import routes

    app.cleanup_ctx.append(routes.extraction_resources)
    app.router.add_post("/sdk/extract-content", routes.extract_content)
    app.router.add_post("/sdk/extract-text", routes.extract_text)
