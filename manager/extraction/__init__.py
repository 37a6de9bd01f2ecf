"""Text extraction for ``/sdk/extract-content`` and ``/sdk/extract-text`` (protocol §4.5)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the extraction routes."""
