"""``/ui/connectors``: the registry, online or offline by the app clock; delete an offline one."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.console.render import form, path_part, render, see_other, services_of
from sluice_manager.registry import REGISTRY
from sluice_manager.registry.repository import list_connectors


async def connectors(request: web.Request) -> web.Response:
    services = services_of(request)
    now, ttl = services.clock.now(), services.settings.registry_ttl_seconds
    rows = [
        {"connector": c, "online": c.is_online(now, ttl)}
        for c in await list_connectors(services.pool)
    ]
    return render(request, "connectors.html.j2", {"rows": rows})


async def delete_connector(request: web.Request) -> web.Response:
    connector_id = path_part(request, what="connector")
    await form(request)
    await request.config_dict[REGISTRY].delete(connector_id)
    return see_other("/ui/connectors")


def setup(app: web.Application) -> None:
    app.router.add_get("/connectors", connectors)
    app.router.add_post("/connectors/{id}/delete", delete_connector)
