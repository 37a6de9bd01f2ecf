"""The manager's Services built directly, for tests that assemble part of an app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import asyncpg

from sluice_manager.connector_client import ConnectorClient
from sluice_manager.services import Services
from sluice_manager.settings import ManagerSettings
from sluice_manager.sources.crypto import KEY_BYTES, SecretBox
from sluice_runtime.clock import Clock, FrozenClock


@asynccontextmanager
async def manager_services(
    pool: asyncpg.Pool, settings: ManagerSettings, clock: Clock | None = None
) -> AsyncIterator[Services]:
    """Services as sluice_manager.services builds them for an app, with a throwaway secret key
    (nothing is written to the data directory)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        yield Services(
            settings=settings,
            pool=pool,
            clock=clock or FrozenClock(),
            connectors=ConnectorClient.from_settings(session, settings),
            secrets=SecretBox(os.urandom(KEY_BYTES)),
        )
