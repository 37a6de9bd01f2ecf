"""A manager app with only the search routes behind the real middleware (auth, error envelope)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.admin import search_api
from sluice_manager.http.middleware import request_middleware
from sluice_manager.services import SERVICES
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import SystemClock
from tests.support.services import manager_services

ADMIN_TOKEN = "search-test-admin-token"


@pytest.fixture
async def client(db_pool: asyncpg.Pool) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    settings = ManagerSettings(admin_token=ADMIN_TOKEN, connector_token="c")
    app = web.Application(middlewares=[request_middleware(settings)])
    async with manager_services(db_pool, settings, SystemClock()) as services:
        app[SERVICES] = services
        search_api.setup(app)
        async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
            yield test_client


HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
