"""``POST /api/sources/{id}/actions/{action}``: execute a connector action (§6.7, §3.6), and
``GET /api/sources/{id}/actions``: the actions a source offers.

A declarative source's actions are the operations of its pinned descriptor, not the manifest's:
parameters are checked against the operation's, and the request carries the descriptor (§3.6,
Sluice addition) to the runtime that serves the ``declarative`` type.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from sluice_descriptor import Operation, ParamError, input_schema, validated_params
from sluice_manager.admin.common import path_id, read_body
from sluice_manager.admin.models import ActionBody
from sluice_manager.catalog.errors import problem_json
from sluice_manager.connector_client import ConnectorTransportError
from sluice_manager.http.errors import HttpError, bad_request, json_response, not_found
from sluice_manager.openapi import describe
from sluice_manager.registry.repository import latest_manifest_for_type, resolve_connector
from sluice_manager.services import SERVICES
from sluice_manager.sources.pinning import Pinned, pinned_of
from sluice_manager.sources.repository import (
    SourceRecord,
    get_credential_object,
    get_source,
    source_object,
)
from sluice_sdk.models import ActionDefinition, ActionResponse, ConnectorManifest

log = structlog.get_logger(__name__)

_BODY = TypeAdapter(ActionBody)


def _params(body: ActionBody, config: dict[str, Any]) -> dict[str, Any]:
    """Config keys absent from params are copied in (§3.6); params win."""
    return {**config, **body.params}


def _manifest(manifest: dict[str, Any], connector_id: str) -> ConnectorManifest:
    try:
        return ConnectorManifest.model_validate(manifest)
    except ValidationError as exc:  # registration validated it; only stale rows can fail
        raise HttpError(502, f"connector {connector_id} has an unusable manifest") from exc


def _read_only(manifest: ConnectorManifest, config: dict[str, Any]) -> bool:
    return manifest.read_only or config.get("read_only") is True


def _operation(pinned: Pinned, action: str) -> Operation:
    operation = pinned.descriptor.operation(action)
    if operation is None:
        raise bad_request(f"descriptor {pinned.slug} {pinned.version} has no operation {action!r}")
    return operation


def _operation_params(operation: Operation, body: ActionBody) -> dict[str, Any]:
    try:
        return validated_params(operation, body.params)
    except ParamError as exc:
        raise HttpError(
            400,
            f"parameters do not match operation {operation.operation_id!r}",
            details={"problems": [problem_json(p) for p in exc.problems]},
        ) from exc


async def _live_source(request: web.Request) -> SourceRecord:
    source_id = path_id(request, what="source")
    source = await get_source(request.app[SERVICES].pool, source_id)
    if source is None or source.is_deleted:
        raise not_found(f"source {source_id} not found")
    return source


async def execute_action(request: web.Request) -> web.StreamResponse:
    body = await read_body(request, _BODY, allow_empty=True)
    services = request.app[SERVICES]
    pool = services.pool
    source = await _live_source(request)
    source_id = source.id
    action_name = request.match_info["action"]
    connector = await resolve_connector(
        pool, source.source_type, services.clock.now(), services.settings.registry_ttl_seconds
    )
    if connector is None:
        raise not_found(f"no online connector for source type {source.source_type}")
    manifest = _manifest(connector.manifest, connector.connector_id)
    config = source.config or {}
    pinned = await pinned_of(pool, source)
    extra: dict[str, Any] = {}
    if pinned is not None:
        operation = _operation(pinned, action_name)
        if not operation.is_read and _read_only(manifest, config):
            raise bad_request(f"operation {action_name!r} writes and the source is read-only")
        params = _operation_params(operation, body)
        extra["descriptor"] = pinned.document
    else:
        action = manifest.action(action_name)
        if action is None:
            raise bad_request(f"connector has no action {action_name!r}")
        if action.source_types and source.source_type not in action.source_types:
            raise bad_request(
                f"action {action_name!r} does not apply to {source.source_type} sources"
            )
        if action.mode == "write" and _read_only(manifest, config):
            raise bad_request(f"action {action_name!r} writes and the source is read-only")
        params = _params(body, config)
    credential = await get_credential_object(pool, source_id, services.secrets)
    if credential is None:
        raise not_found(f"source {source_id} has no credential")
    action_request = {
        "action": action_name,
        "params": params,
        "credentials": credential,
        "source": source_object(source),
        "actor_email": body.actor_email,
        **extra,
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


def _operation_action(operation: Operation) -> ActionDefinition:
    return ActionDefinition(
        name=operation.operation_id,
        description=operation.summary,
        input_schema=input_schema(operation),
        mode="read" if operation.is_read else "write",
    )


async def list_actions(request: web.Request) -> web.Response:
    """The operations of a declarative source's descriptor; else the actions of the newest manifest
    of the source's type that apply to it (none when no connector ever registered)."""
    source = await _live_source(request)
    pool = request.app[SERVICES].pool
    pinned = await pinned_of(pool, source)
    if pinned is not None:
        actions = [_operation_action(op) for op in pinned.descriptor.operations]
    else:
        connector = await latest_manifest_for_type(pool, source.source_type)
        manifest = (
            None if connector is None else _manifest(connector.manifest, connector.connector_id)
        )
        actions = [
            action
            for action in (manifest.actions if manifest is not None else [])
            if not action.hidden
            and (not action.source_types or source.source_type in action.source_types)
        ]
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
