"""``POST /api/sources/{id}/actions/{action}``: execute a connector action (§6.7, §3.6), and
``GET /api/sources/{id}/actions``: the actions a source offers.

Both read the request and answer; the checks and the call are ``sluice_manager.actions``, the path
the MCP tools take as well. A declarative source's actions are the operations of its pinned
descriptor, not the manifest's (docs/descriptor.md).
"""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from sluice_manager.actions import run_action
from sluice_manager.actions.offered import manifest_actions, manifest_of, operation_action
from sluice_manager.actions.run import live_source
from sluice_manager.admin.common import path_id, read_body
from sluice_manager.admin.models import ActionBody
from sluice_manager.http.errors import json_response
from sluice_manager.openapi import describe
from sluice_manager.registry.repository import latest_manifest_for_type
from sluice_manager.services import SERVICES
from sluice_manager.sources.pinning import pinned_of
from sluice_sdk.models import ActionDefinition, ActionResponse

_BODY = TypeAdapter(ActionBody)


async def execute_action(request: web.Request) -> web.StreamResponse:
    body = await read_body(request, _BODY, allow_empty=True)
    reply = await run_action(
        request.app[SERVICES],
        path_id(request, what="source"),
        request.match_info["action"],
        body.params,
        actor_email=body.actor_email,
    )
    # Relayed verbatim (§3.6): status, body and Content-Type as the connector sent them.
    return web.Response(
        status=reply.status, body=reply.body, headers={"Content-Type": reply.content_type}
    )


async def list_actions(request: web.Request) -> web.Response:
    """The operations of a declarative source's descriptor; else the actions of the newest manifest
    of the source's type that apply to it (none when no connector ever registered)."""
    services = request.app[SERVICES]
    source = await live_source(services, path_id(request, what="source"))
    pinned = await pinned_of(services.pool, source)
    if pinned is not None:
        actions = [operation_action(op) for op in pinned.descriptor.operations]
    else:
        connector = await latest_manifest_for_type(services.pool, source.source_type)
        actions = (
            []
            if connector is None
            else manifest_actions(
                manifest_of(connector.manifest, connector.connector_id), source.source_type
            )
        )
    return json_response([action.model_dump(mode="json") for action in actions])


def setup(app: web.Application) -> None:
    app.router.add_post("/api/sources/{id}/actions/{action}", execute_action)
    app.router.add_get("/api/sources/{id}/actions", list_actions)
    describe(
        "POST",
        "/api/sources/{id}/actions/{action}",
        request=ActionBody,
        response=ActionResponse,
        body_required=False,
    )
    describe("GET", "/api/sources/{id}/actions", response=list[ActionDefinition])
