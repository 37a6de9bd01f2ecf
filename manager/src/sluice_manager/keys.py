"""Typed application keys for resources every part of the manager shares."""

from __future__ import annotations

import aiohttp
import asyncpg
from aiohttp import web

from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import Clock

POOL = web.AppKey("pool", asyncpg.Pool)
SETTINGS = web.AppKey("settings", ManagerSettings)
CLOCK = web.AppKey("clock", Clock)
# One client session for every call the manager makes to connectors (created in cleanup_ctx).
CONNECTOR_HTTP = web.AppKey("connector_http", aiohttp.ClientSession)
