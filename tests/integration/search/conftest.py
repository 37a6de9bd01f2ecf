"""A manager app with the search routes behind the real middleware (auth, error envelope)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager import search
from sluice_manager.http.middleware import request_middleware
from sluice_manager.keys import CLOCK, POOL, SETTINGS
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import SystemClock

ADMIN_TOKEN = "search-test-admin-token"


@pytest.fixture
async def client(db_pool: asyncpg.Pool) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    settings = ManagerSettings(admin_token=ADMIN_TOKEN, connector_token="c")
    app = web.Application(middlewares=[request_middleware(settings)])
    app[SETTINGS] = settings
    app[POOL] = db_pool
    app[CLOCK] = SystemClock()
    search.setup(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
