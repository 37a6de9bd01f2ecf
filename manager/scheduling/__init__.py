"""Leadership and the leader's periodic work: scheduler, monitor, stale sweep, cleanup."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Attach leader election and ticks to the app's lifecycle (cleanup_ctx)."""
