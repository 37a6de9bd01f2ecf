"""Fixtures shared by the scheduling tests: a frozen clock, a fake connector, the Services."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from sluice_manager.services import Services
from sluice_runtime.clock import FrozenClock
from tests.integration.scheduling.support import (
    FakeConnector,
    fast_settings,
    serve_fake,
)
from tests.support.services import manager_services


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    async with serve_fake(FakeConnector()) as connector:
        yield connector


@pytest.fixture
async def services(db_pool: asyncpg.Pool, clock: FrozenClock) -> AsyncIterator[Services]:
    async with manager_services(db_pool, fast_settings(), clock) as built:
        yield built
