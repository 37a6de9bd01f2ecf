"""The connector registry (protocol §8.1): rows in Postgres, online while heartbeats are fresh.

``setup(app)`` installs what the registry owns for the life of the app: the ``Registry`` that
registrations go through (``REGISTRY``), its heartbeat buffer and the task that flushes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import structlog
from aiohttp import web

from sluice_manager.registry.heartbeats import HeartbeatBuffer, flush_every
from sluice_manager.registry.registration import RegistrationRejected, Registry
from sluice_manager.services import SERVICES
from sluice_sdk.tasks import cancel_and_wait

__all__ = ["REGISTRY", "RegistrationRejected", "Registry", "setup"]

log = structlog.get_logger(__name__)

REGISTRY = web.AppKey("registry", Registry)


def setup(app: web.Application) -> None:
    """Install the registry; call after ``services.setup`` (registrations use the Services)."""
    app.cleanup_ctx.append(_registry)


async def _registry(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: build the Registry, own its flush task; at shutdown write what is pending."""
    services = app[SERVICES]
    settings, pool = services.settings, services.pool
    interval = settings.registry_flush_interval_seconds
    heartbeats = HeartbeatBuffer(settings.registry_ttl_seconds, enabled=interval > 0)
    app[REGISTRY] = Registry(services, heartbeats)
    task = None
    if interval > 0:
        task = asyncio.create_task(
            flush_every(heartbeats, pool, services.clock, interval), name="heartbeat-flusher"
        )
    yield
    await cancel_and_wait(task)
    try:
        await heartbeats.flush(pool)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("heartbeat_flush_failed", pending=heartbeats.pending, error=str(exc))
