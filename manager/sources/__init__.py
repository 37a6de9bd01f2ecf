"""Sources and their credentials: storage, validation, encryption, and the §4.7 SDK reads."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the source routes (SDK reads of protocol §4.7)."""
