"""The ``/api/...`` admin API, metrics and OpenAPI document."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the admin routes."""
