"""An admin-area app on a real TestServer over a freshly migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from manager.clock import FrozenClock
from tests.integration.admin.factories import START, make_app


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def client(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(db_pool, clock))) as test_client:
        yield test_client
