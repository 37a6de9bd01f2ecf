"""The manager's aiohttp application factory.

Each part of the manager registers its own routes and background work through a ``setup(app)``
function; this module only composes them and owns the resources they share.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import asyncpg
from aiohttp import web

from sluice_manager import (
    admin,
    extraction,
    metrics,
    registry,
    scheduling,
    sdk_api,
    search,
    sources,
)
from sluice_manager.health import health
from sluice_manager.http.middleware import request_middleware
from sluice_manager.keys import CLOCK, CONNECTOR_HTTP, POOL, SETTINGS
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import Clock, SystemClock


async def _connector_http(app: web.Application) -> AsyncIterator[None]:
    # Never follow redirects to connectors (protocol §3.1); per-call timeouts are set by callers.
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200),
        timeout=aiohttp.ClientTimeout(total=None),
    )
    app[CONNECTOR_HTTP] = session
    yield
    await session.close()


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
    app = web.Application(client_max_size=biggest)
    app[SETTINGS] = settings
    app[POOL] = pool
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.append(_connector_http)
    app.middlewares.append(request_middleware(settings, metrics.setup(app).latency.observe))
    app.router.add_get("/health", health)
    registry.setup(app)  # after _connector_http: registrations health-check through it
    sdk_api.setup(app)
    sources.setup(app)
    extraction.setup(app)
    admin.setup(app)
    search.setup(app)
    if run_leader_work:
        scheduling.setup(app)
    return app
