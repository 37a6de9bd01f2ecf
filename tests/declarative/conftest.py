"""Third-party API servers (tests/support/thirdparty.py) as fixtures for the declarative tests, and
what the client tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sluice_runtime.clock import FrozenClock
from tests.declarative.descriptors import RecordedSleeps
from tests.support.thirdparty import httpbin_server, json_server_factory, oauth2_server

__all__ = ["httpbin_server", "json_server_factory", "oauth2_server"]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()
