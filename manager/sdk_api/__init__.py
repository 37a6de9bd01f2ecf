"""The ``/sdk/...`` endpoints connectors call (protocol §4)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the SDK routes."""
