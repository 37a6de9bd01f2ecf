"""Fixtures shared by the scheduling tests: a frozen clock, a fake connector, a manager app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import web

from sluice_runtime.clock import FrozenClock
from tests.integration.scheduling.support import (
    FakeConnector,
    fast_settings,
    manager_app,
    serve_fake,
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    async with serve_fake(FakeConnector()) as connector:
        yield connector


@pytest.fixture
async def app(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[web.Application]:
    async with manager_app(db_pool, fast_settings(), clock) as application:
        yield application
