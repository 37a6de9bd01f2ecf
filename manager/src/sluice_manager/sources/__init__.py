"""Sources and their credentials: storage, validation, encryption, and the §4.7 SDK reads."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.keys import SETTINGS
from sluice_manager.sources import sdk_routes
from sluice_manager.sources.crypto import load_secret_box
from sluice_manager.sources.keys import SECRET_BOX


def setup(app: web.Application) -> None:
    """Register the secret box and the source routes (SDK reads of protocol §4.7)."""
    app[SECRET_BOX] = load_secret_box(app[SETTINGS])
    sdk_routes.setup(app)
