"""The manager's aiohttp application factory."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from manager.health import health
from manager.keys import POOL, SETTINGS
from manager.settings import ManagerSettings


def create_app(settings: ManagerSettings, pool: asyncpg.Pool) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app[POOL] = pool
    app.router.add_get("/health", health)
    return app
