"""Leadership and the leader's periodic work: scheduler, monitor, stale sweep, cleanup."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from sluice_manager.scheduling.leader import Leadership
from sluice_manager.services import SERVICES

LEADERSHIP = web.AppKey("leadership", Leadership)


async def _leadership(app: web.Application) -> AsyncIterator[None]:
    leadership = Leadership(app[SERVICES])
    app[LEADERSHIP] = leadership
    leadership.start()
    try:
        yield
    finally:
        await leadership.stop()


def setup(app: web.Application) -> None:
    """Attach leader election and ticks to the app's lifecycle (cleanup_ctx, after services)."""
    app.cleanup_ctx.append(_leadership)
