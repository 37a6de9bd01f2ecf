"""The admin app on a real TestServer over a fresh database, with the third-party API servers
(httpbin, oauth2-mock-server) the pinned-source tests call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sluice_runtime.clock import FrozenClock
from tests.integration.admin.factories import START, FakeConnector, make_app
from tests.support.thirdparty import httpbin_server, oauth2_server

__all__ = ["httpbin_server", "oauth2_server"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def client(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(db_pool, clock))) as test_client:
        yield test_client


@pytest.fixture
async def fake_connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    server = TestServer(fake.app)
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
