"""Fixtures for SDK tests: a started fake manager and a fast-retrying client to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sluice_sdk.client import ManagerClient
from sluice_sdk.testing import FAST_RETRY, FakeManager


@pytest.fixture
async def fake() -> AsyncIterator[FakeManager]:
    async with FakeManager() as manager:
        yield manager


@pytest.fixture
async def client(fake: FakeManager) -> AsyncIterator[ManagerClient]:
    async with ManagerClient(fake.url, retry=FAST_RETRY) as manager_client:
        yield manager_client
