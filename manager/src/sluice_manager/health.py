"""Unauthenticated ``GET /health``: the process answers and the database is reachable."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from aiohttp import web

from sluice_manager.keys import POOL
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)


async def health(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    try:
        async with asyncio.timeout(5):
            await pool.fetchval(QUERIES.select_health)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("health_database_unreachable", error=str(exc))
        return web.json_response({"status": "degraded", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
