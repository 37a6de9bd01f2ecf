"""What operators call: the ``/api/...`` admin API (admin token), its OpenAPI document, and the
open ``/health`` and ``/metrics`` their probes read.

Each module reads and checks a request, calls the domain packages and answers; a domain error it
lets through is answered by the HTTP layer (``sluice_manager.http.statuses``).
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.admin import (
    actions_api,
    connector_configs_api,
    connector_tokens_api,
    connectors_api,
    descriptors_api,
    mcp_tokens_api,
    openapi_api,
    probes,
    progress,
    queue_api,
    runs_api,
    search_api,
    sources_api,
)


def setup(app: web.Application) -> None:
    """Register the admin routes, the OpenAPI document and the probes."""
    probes.setup(app)
    connectors_api.setup(app)
    connector_tokens_api.setup(app)
    connector_configs_api.setup(app)
    mcp_tokens_api.setup(app)
    sources_api.setup(app)
    descriptors_api.setup(app)
    runs_api.setup(app)
    progress.setup(app)
    actions_api.setup(app)
    queue_api.setup(app)
    search_api.setup(app)
    openapi_api.setup(app)
