"""Search and document reads served by the manager (``/api/search``, ``/api/documents/{id}``)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the search routes."""
