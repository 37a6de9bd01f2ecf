"""Sources and their credentials: storage, validation, encryption, and the §4.7 SDK reads."""

from __future__ import annotations

from aiohttp import web

from manager.keys import SETTINGS
from manager.sources import sdk_routes
from manager.sources.crypto import load_secret_box
from manager.sources.keys import SECRET_BOX


def setup(app: web.Application) -> None:
    """Register the secret box and the source routes (SDK reads of protocol §4.7)."""
    app[SECRET_BOX] = load_secret_box(app[SETTINGS])
    sdk_routes.setup(app)
