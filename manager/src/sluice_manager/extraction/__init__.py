"""Text extraction (protocol §4.5): format detection, the readers (the ``extraction`` extra), a pool
of worker processes, the optional Docling service, and the permits of this replica.

``setup(app)`` installs those resources; the routes, ``/sdk/extract-content`` and
``/sdk/extract-text``, are in ``sluice_manager.sdk_api.extraction``.
"""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Install the permits, the worker pool and the Docling session (after ``services.setup``)."""
    # Imported here so the worker processes, which import this package, skip the server side.
    from sluice_manager.extraction.resources import extraction_resources

    app.cleanup_ctx.append(extraction_resources)
