"""``GET /api/connectors``: the registry, online or offline by the app clock (§8.1); and
``DELETE /api/connectors/{id}`` for an offline one (an online one is 409)."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.admin.common import path_id
from sluice_manager.admin.models import ConnectorView
from sluice_manager.http.errors import json_response
from sluice_manager.openapi import describe
from sluice_manager.registry import REGISTRY
from sluice_manager.registry.repository import list_connectors
from sluice_manager.services import SERVICES


async def get_connectors(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    now = services.clock.now()
    ttl = services.settings.registry_ttl_seconds
    views = [
        ConnectorView(
            connector_id=c.connector_id,
            connector_url=c.connector_url,
            online=c.is_online(now, ttl),
            source_types=list(c.source_types),
            sync_modes=list(c.sync_modes),
            first_seen_at=c.first_seen_at,
            last_heartbeat_at=c.last_heartbeat_at,
            manifest=c.manifest,
        ).model_dump(mode="json")
        for c in await list_connectors(services.pool)
    ]
    return json_response(views)


async def delete_connector(request: web.Request) -> web.Response:
    connector_id = path_id(request, what="connector")
    await request.app[REGISTRY].delete(connector_id)
    return json_response({"status": "deleted", "connector_id": connector_id})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/connectors", get_connectors)
    app.router.add_delete("/api/connectors/{id}", delete_connector)
    describe("GET", "/api/connectors", response=list[ConnectorView])
    describe("DELETE", "/api/connectors/{id}", response=dict[str, str])
