"""``GET /sdk/connector-configs/{provider}`` (protocol §4.7): a provider's configuration object,
unwrapped (Omni's getConnectorConfig); 404 when none is stored."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sluice_manager.connector_configs import read_config
from sluice_manager.http.errors import json_response
from sluice_manager.openapi import describe
from sluice_manager.sdk_api.scope import allow_provider
from sluice_manager.services import SERVICES


async def get_connector_config(request: web.Request) -> web.Response:
    provider = request.match_info["provider"]
    await allow_provider(request, provider)
    services = request.app[SERVICES]
    return json_response(await read_config(services.pool, services.secrets, provider))


def setup(app: web.Application) -> None:
    app.router.add_get("/sdk/connector-configs/{provider}", get_connector_config)
    describe("GET", "/sdk/connector-configs/{provider}", response=dict[str, Any])
