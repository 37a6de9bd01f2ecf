"""The manager's aiohttp application factory.

It reads as two halves. First the resources, each installed by the part that owns it: the shared
``Services`` (first, since every other part uses them), the registry, extraction, the metrics and,
on a replica that may lead, the leader's work. Then the route sets, one per audience:
``sdk_api`` (``/sdk/...``, connectors), ``admin`` (``/api/...``, ``/health``, ``/metrics``,
operators), ``mcp`` (``/mcp``, MCP clients, with the endpoints it owns) and ``console``
(``/ui/``, operators' browsers). Domain packages register no routes.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from sluice_manager import (
    admin,
    console,
    extraction,
    mcp,
    metrics,
    registry,
    scheduling,
    sdk_api,
    services,
)
from sluice_manager.http.middleware import request_middleware
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import Clock, SystemClock


def create_app(
    settings: ManagerSettings,
    pool: asyncpg.Pool,
    *,
    clock: Clock | None = None,
    run_leader_work: bool = True,
) -> web.Application:
    """Build the manager app; ``run_leader_work=False`` serves the APIs only (tests, replicas)."""
    # Bodies are read through sluice_manager.http.body with per-endpoint limits; this is only a
    # backstop.
    biggest = max(settings.max_bulk_body_bytes, settings.max_extract_input_bytes + (1 << 20))
    # The request handler's own limits (§1.3), on the app so every runner of it gets them.
    handler_args = {
        "keepalive_timeout": settings.http_keepalive_timeout_seconds,
        "max_line_size": settings.http_max_line_bytes,
        "max_field_size": settings.http_max_field_bytes,
    }
    app = web.Application(client_max_size=biggest, handler_args=handler_args)

    services.setup(app, settings, pool, clock or SystemClock())
    registry.setup(app)
    extraction.setup(app)
    app_metrics = metrics.setup(app)
    if run_leader_work:
        scheduling.setup(app)

    app.middlewares.append(request_middleware(settings, app_metrics.latency.observe))
    sdk_api.setup(app)
    admin.setup(app)
    mcp.setup(app)
    console.setup(app, settings)
    return app
