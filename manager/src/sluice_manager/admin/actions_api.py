"""``POST /api/sources/{id}/actions/{action}``: execute a connector action (§6.7, §3.6)."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from sluice_manager.admin.common import path_id, read_body
from sluice_manager.admin.models import ActionBody
from sluice_manager.connector_client import ConnectorTransportError
from sluice_manager.http.errors import HttpError, bad_request, not_found
from sluice_manager.openapi import describe
from sluice_manager.registry.repository import resolve_connector
from sluice_manager.services import SERVICES
from sluice_manager.sources.repository import get_credential_object, get_source, source_object
from sluice_sdk.models import ActionResponse, ConnectorManifest

log = structlog.get_logger(__name__)

_BODY = TypeAdapter(ActionBody)


def _params(body: ActionBody, config: dict[str, Any]) -> dict[str, Any]:
    """Config keys absent from params are copied in (§3.6); params win."""
    return {**config, **body.params}


async def execute_action(request: web.Request) -> web.StreamResponse:
    body = await read_body(request, _BODY, allow_empty=True)
    services = request.app[SERVICES]
    pool = services.pool
    source_id = path_id(request, what="source")
    action_name = request.match_info["action"]
    source = await get_source(pool, source_id)
    if source is None or source.is_deleted:
        raise not_found(f"source {source_id} not found")
    connector = await resolve_connector(
        pool, source.source_type, services.clock.now(), services.settings.registry_ttl_seconds
    )
    if connector is None:
        raise not_found(f"no online connector for source type {source.source_type}")
    try:
        manifest = ConnectorManifest.model_validate(connector.manifest)
    except ValidationError as exc:  # registration validated it; only stale rows can fail
        raise HttpError(
            502, f"connector {connector.connector_id} has an unusable manifest"
        ) from exc
    action = manifest.action(action_name)
    if action is None:
        raise bad_request(f"connector has no action {action_name!r}")
    if action.source_types and source.source_type not in action.source_types:
        raise bad_request(f"action {action_name!r} does not apply to {source.source_type} sources")
    config = source.config or {}
    if action.mode == "write" and (manifest.read_only or config.get("read_only") is True):
        raise bad_request(f"action {action_name!r} writes and the source is read-only")
    credential = await get_credential_object(pool, source_id, services.secrets)
    if credential is None:
        raise not_found(f"source {source_id} has no credential")
    action_request = {
        "action": action_name,
        "params": _params(body, config),
        "credentials": credential,
        "source": source_object(source),
        "actor_email": body.actor_email,
    }
    try:
        status, reply, content_type = await services.connectors.action(
            connector.connector_url, action_request
        )
    except ConnectorTransportError:
        log.warning("action_unreachable", source_id=source_id, action=action_name)
        raise  # a 502 (sluice_manager.http.statuses)
    log.info("action_relayed", source_id=source_id, action=action_name, http_status=status)
    # Relayed verbatim (§3.6): status, body and Content-Type as the connector sent them.
    return web.Response(status=status, body=reply, headers={"Content-Type": content_type})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/sources/{id}/actions/{action}", execute_action)
    describe(
        "POST",
        "/api/sources/{id}/actions/{action}",
        request=ActionBody,
        response=ActionResponse,
        body_required=False,
    )
