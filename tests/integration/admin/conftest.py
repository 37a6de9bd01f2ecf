"""An admin-area app on a real TestServer over a freshly migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import START, FakeConnector, make_app


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def client(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(db_pool, clock))) as test_client:
        yield test_client


@pytest.fixture
async def fake_connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    """A recording connector on a real port; yields it and its base URL."""
    fake = FakeConnector()
    server = TestServer(fake.app)
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
