"""The manager app on a real TestServer over a fresh database, plus a fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import FrozenClock
from tests.integration.manager_sdk.factories import T0

CONNECTOR_TOKEN = "connector-secret"
AUTH = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}


def make_settings(**overrides: object) -> ManagerSettings:
    values: dict[str, object] = {
        "admin_token": ("admin-secret",),
        "connector_token": (CONNECTOR_TOKEN, "older-token"),
    }
    values.update(overrides)
    return ManagerSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def settings() -> ManagerSettings:
    return make_settings()


@pytest.fixture
async def client(
    db_pool: asyncpg.Pool, clock: FrozenClock, settings: ManagerSettings
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = create_app(settings, db_pool, clock=clock, run_leader_work=False)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@dataclass
class HealthyConnector:
    """A connector process as the manager sees it at registration: ``GET /health``."""

    status: int = 200
    health_calls: list[str | None] = field(default_factory=list)
    url: str = ""

    async def health(self, request: web.Request) -> web.Response:
        self.health_calls.append(request.headers.get("Authorization"))
        return web.json_response({"status": "healthy", "service": "fake"}, status=self.status)


@pytest.fixture
async def connector() -> AsyncIterator[HealthyConnector]:
    fake = HealthyConnector()
    app = web.Application()
    app.router.add_get("/health", fake.health)
    server = TestServer(app)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
