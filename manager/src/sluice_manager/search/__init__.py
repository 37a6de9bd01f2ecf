"""Search and document reads served by the manager (``/api/search``, ``/api/documents/{id}``).

The documents are written by the indexer; the manager only reads them, through the named
queries of ``sql/queries/search.sql``.
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.openapi import describe
from sluice_manager.search.models import DocumentBody, SearchResponse
from sluice_manager.search.routes import get_document, search


def setup(app: web.Application) -> None:
    """Register the search routes."""
    app.router.add_get("/api/search", search)
    app.router.add_get("/api/documents/{id}", get_document)
    describe(
        "GET",
        "/api/search",
        response=SearchResponse,
        query=("q", "source_id", "user", "limit", "offset"),
        summary="Full-text search over indexed documents, optionally as seen by one user",
    )
    describe("GET", "/api/documents/{id}", response=DocumentBody)
