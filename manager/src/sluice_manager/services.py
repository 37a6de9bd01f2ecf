"""What every long-lived part of the manager is handed: one ``Services`` object per app.

The leader's work, the trigger, the registry and the handlers all need some of the same few things:
the settings, the database pool, the clock, the client for calls to connectors and the box that
encrypts credentials. They are gathered once, when the app starts, into a frozen ``Services`` and
passed as one argument (``Tick(services)``, ``trigger(services, …)``); handlers read it from
``request.app[SERVICES]``. What one part owns alone (the registry's buffer, extraction's worker
pool, the metrics) stays with that part, under its own key, installed by its own ``setup(app)``.

Data-access functions still take a connection or pool (they may run inside a caller's
transaction), and pure functions take values.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import asyncpg
from aiohttp import web

from sluice_manager.connector_client import ConnectorClient
from sluice_manager.networks import AllowedNetworksResolver, Network
from sluice_manager.settings import ManagerSettings
from sluice_manager.sources.crypto import SecretBox, load_secret_box
from sluice_runtime.clock import Clock


@dataclass(frozen=True, slots=True)
class Services:
    """The dependencies the manager's parts share, built once per app."""

    settings: ManagerSettings
    pool: asyncpg.Pool
    clock: Clock
    # Every call to a connector (protocol §3, and the §4.1 health check), over one shared session.
    connectors: ConnectorClient
    # Encrypts credentials at rest and decrypts them for connectors.
    secrets: SecretBox


SERVICES = web.AppKey("services", Services)


def connector_session(networks: Sequence[Network] | None = None) -> aiohttp.ClientSession:
    """The one session for calls to connectors; per-call timeouts are set by the client. With
    ``networks``, host names resolve only to addresses in them (``connector_networks``)."""
    resolver = None if networks is None else AllowedNetworksResolver(networks)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200, resolver=resolver),
        timeout=aiohttp.ClientTimeout(total=None),
    )


@asynccontextmanager
async def open_services(
    settings: ManagerSettings, pool: asyncpg.Pool, clock: Clock
) -> AsyncIterator[Services]:
    """The app's Services; the connector session is closed on exit. Needs a running loop."""
    secrets = load_secret_box(settings)
    session = connector_session(settings.connector_networks)
    try:
        yield Services(
            settings=settings,
            pool=pool,
            clock=clock,
            connectors=ConnectorClient.from_settings(session, settings),
            secrets=secrets,
        )
    finally:
        await session.close()


def setup(
    app: web.Application, settings: ManagerSettings, pool: asyncpg.Pool, clock: Clock
) -> None:
    """Install the app's Services as its first cleanup_ctx: every later part may use them."""
    if app.cleanup_ctx:
        raise RuntimeError("services.setup must come before every other cleanup_ctx")
    app.cleanup_ctx.append(_installer(settings, pool, clock))


def _installer(
    settings: ManagerSettings, pool: asyncpg.Pool, clock: Clock
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_services(settings, pool, clock) as services:
            app[SERVICES] = services
            yield

    return services_ctx
