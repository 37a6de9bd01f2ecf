"""Typed application keys shared by the manager's handlers."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from manager.settings import ManagerSettings

POOL = web.AppKey("pool", asyncpg.Pool)
SETTINGS = web.AppKey("settings", ManagerSettings)
