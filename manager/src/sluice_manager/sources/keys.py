"""Typed application keys owned by the sources part."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.sources.crypto import SecretBox

# The one SecretBox of the process: encrypts credentials at rest, decrypts them for connectors.
SECRET_BOX = web.AppKey("secret_box", SecretBox)
