"""What operators' probes read, without a token: ``GET /health`` and ``GET /metrics`` (§2.4).

``/health``: the process answers and the database is reachable. ``/metrics``: the Prometheus
exposition of the app's metrics (``sluice_manager.metrics``), gauges refreshed when scraped.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from sluice_manager.metrics import METRICS
from sluice_manager.services import SERVICES
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)


async def health(request: web.Request) -> web.Response:
    pool = request.app[SERVICES].pool
    try:
        async with asyncio.timeout(5):
            await pool.fetchval(QUERIES.select_health)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("health_database_unreachable", error=str(exc))
        return web.json_response({"status": "degraded", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def metrics(request: web.Request) -> web.Response:
    app_metrics = request.app[METRICS]
    await app_metrics.refresh(request.app[SERVICES])
    return web.Response(
        body=app_metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
