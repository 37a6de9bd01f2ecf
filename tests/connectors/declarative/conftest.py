"""Fixtures of the declarative runtime tests: a fake manager that hands out pinned descriptors, and
the real third-party servers of tests/support/thirdparty.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.connectors.declarative.support import PinningFakeManager
from tests.support.thirdparty import json_server_factory

__all__ = ["fake", "json_server_factory"]


@pytest.fixture
async def fake() -> AsyncIterator[PinningFakeManager]:
    manager = PinningFakeManager()
    await manager.start()
    yield manager
    await manager.stop()
