"""The ``/api/...`` admin API and OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from sluice_manager import openapi
from sluice_manager.admin import (
    actions_api,
    connectors_api,
    progress,
    queue_api,
    runs_api,
    sources_api,
)


def setup(app: web.Application) -> None:
    """Register the admin routes and the OpenAPI doc."""
    connectors_api.setup(app)
    sources_api.setup(app)
    runs_api.setup(app)
    progress.setup(app)
    actions_api.setup(app)
    queue_api.setup(app)
    openapi.setup(app)
